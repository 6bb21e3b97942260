package io.l2mesh.tunnel;

import io.l2mesh.fec.stream.DecoderMemory;
import io.l2mesh.tunnel.noise.CipherSuite;
import io.l2mesh.tunnel.noise.Handshake;
import io.l2mesh.tunnel.noise.KeyPair;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SessionTableTest
{
    private final SessionTable table = new SessionTable();
    private final Peer peer = new Peer(new PeerSpec("p", KeyPair.generate().publicKey(), null, null),
        PeerOrigin.CONFIG, 1, 1, DecoderMemory.unbounded(), false);
    private long now;

    private Session install(final boolean initiator)
    {
        final int index = table.newIndex();
        final Session session = new Session(peer, new Handshake.Result(peer.handshake, new byte[32], new byte[32],
            index, 7, initiator, null), CipherSuite.CHACHAPOLY, 1, now++);
        if (initiator)
        {
            session.confirm();
        }
        table.install(peer, session);
        return session;
    }

    @Test
    void shouldKeepEveryAnsweredInitiationUntilTheInitiatorConfirmsOne()
    {
        final Session current = install(true);
        peer.current(current);
        // A restarted initiator retried faster than the flooded queue delivered: we answered 16 of its initiations.
        final List<Session> answered = new ArrayList<>();
        for (int i = 0; i < SessionTable.UNCONFIRMED_PER_PEER; i++)
        {
            answered.add(install(false));
        }
        // Its confirmation comes on the first response it got: that session is still there.
        assertThat(table.get(answered.get(0).localIndex)).isSameAs(answered.get(0));
        assertThat(table.get(current.localIndex)).as("the current one stays").isSameAs(current);

        final Session seventeenth = install(false);
        assertThat(table.get(answered.get(0).localIndex)).as("the oldest unconfirmed one goes").isNull();
        assertThat(table.get(answered.get(1).localIndex)).isSameAs(answered.get(1));
        assertThat(table.get(seventeenth.localIndex)).isSameAs(seventeenth);
        assertThat(table.get(current.localIndex)).isSameAs(current);
    }

    @Test
    void shouldKeepThreeConfirmedBesideTheUnconfirmedNeverTheCurrentOneRetired()
    {
        final Session oldest = install(true);
        peer.current(oldest);
        final Session waiting = install(false);
        final Session second = install(true);
        final Session third = install(true);
        assertThat(table.get(oldest.localIndex)).isSameAs(oldest);

        final Session fourth = install(true);
        assertThat(table.get(oldest.localIndex)).as("current, though the oldest").isSameAs(oldest);
        assertThat(table.get(second.localIndex)).as("the oldest confirmed one not current").isNull();
        assertThat(table.get(third.localIndex)).isSameAs(third);
        assertThat(table.get(fourth.localIndex)).isSameAs(fourth);
        assertThat(table.get(waiting.localIndex)).as("unconfirmed ones are counted apart").isSameAs(waiting);

        waiting.confirm();
        peer.current(waiting);
        final Session fifth = install(true);
        assertThat(peer.agent.sessions).containsExactly(waiting, fourth, fifth);
        assertThat(table.get(oldest.localIndex)).isNull();
        assertThat(table.get(third.localIndex)).isNull();
    }
}
