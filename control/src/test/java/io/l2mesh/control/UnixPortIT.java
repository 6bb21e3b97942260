package io.l2mesh.control;

import io.l2mesh.switching.port.Port;
import io.l2mesh.switching.port.unix.UnixPortSpec;
import io.l2mesh.switching.port.unix.UnixStreamPort;
import io.l2mesh.switching.stats.DropReason;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.ErrorLogWatch;
import io.l2mesh.testkit.QemuDgramClient;
import io.l2mesh.testkit.QemuStreamClient;
import io.l2mesh.testkit.TinyHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unix ports between a namespace on a TAP port and clients that frame like QEMU and answer pings like a host
 * ({@link TinyHost}). Needs root.
 */
@Timeout(120)
class UnixPortIT
{
    private static final byte[] MAC_STREAM = {0x02, 0, 0, 0, 0x60, 0x02};
    private static final byte[] MAC_DGRAM = {0x02, 0, 0, 0, 0x60, 0x03};

    @TempDir
    Path dir;

    @RegisterExtension
    final ErrorLogWatch errorLog = new ErrorLogWatch();
    private Lab lab;
    private final ExecutorService hosts = Executors.newCachedThreadPool();
    private final AtomicBoolean stop = new AtomicBoolean();

    @BeforeEach
    void start()
    {
        lab = new Lab(errorLog);
    }

    @AfterEach
    void close() throws InterruptedException
    {
        stop.set(true);
        hosts.shutdown();
        hosts.awaitTermination(10, TimeUnit.SECONDS);
        lab.close();
    }

    @Test
    void shouldLetNamespacePingHostsOnStreamAndDatagramPorts() throws Exception
    {
        final Lab.Host ns = lab.host("u", VlanRules.access(1), "198.18.60.1/24");
        final Path streamPath = dir.resolve("vm1.sock");
        final Port streamPort = new PortFactory(lab.sw()).unix(
            UnixPortSpec.access("vm1", streamPath, UnixPortSpec.Framing.STREAM, 1));
        new PortFactory(lab.sw()).unix(
            UnixPortSpec.access("vm2", dir.resolve("vm2.sock"), UnixPortSpec.Framing.DGRAM, 1));

        final TinyHost streamHost = new TinyHost(MAC_STREAM, new byte[] {(byte)198, 18, 60, 2});
        final TinyHost dgramHost = new TinyHost(MAC_DGRAM, new byte[] {(byte)198, 18, 60, 3});
        try (QemuDgramClient dgram = new QemuDgramClient(dir.resolve("qemu-vm2.sock"), dir.resolve("vm2.sock")))
        {
            final AtomicBoolean streamStop = new AtomicBoolean();
            Future<?> stream = hosts.submit(() -> serveStream(streamPath, streamHost, streamStop));
            hosts.submit(() -> serveDgram(dgram, dgramHost));

            assertThat(ns.ns().pingResult("198.18.60.2", 3).check().output()).contains("3 received");
            assertThat(ns.ns().pingResult("198.18.60.3", 3).check().output()).contains("3 received");
            assertThat(streamHost.echoesAnswered()).isGreaterThanOrEqualTo(3);
            assertThat(dgramHost.echoesAnswered()).isGreaterThanOrEqualTo(3);

            // The VM goes away; a client out of step is thrown off and counted; the next VM is served.
            streamStop.set(true);
            stream.get(10, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (((UnixStreamPort)streamPort).connected() && System.nanoTime() < deadline)
            {
                Thread.sleep(2);
            }
            try (QemuStreamClient broken = QemuStreamClient.connect(streamPath))
            {
                broken.sendRaw(ByteBuffer.wrap(new byte[] {(byte)0xff, (byte)0xff, 0, 0}));
                assertThat(broken.awaitClose(5_000)).as("disconnected").isTrue();
            }
            assertThat(streamPort.counters().drops(DropReason.BROKEN_STREAM)).isEqualTo(1);
            final TinyHost next = new TinyHost(MAC_STREAM, new byte[] {(byte)198, 18, 60, 2});
            stream = hosts.submit(() -> serveStream(streamPath, next, stop));
            assertThat(ns.ns().pingResult("198.18.60.2", 3).check().output()).contains("3 received");
            assertThat(next.echoesAnswered()).isGreaterThanOrEqualTo(3);
        }
    }

    private Void serveStream(final Path path, final TinyHost host, final AtomicBoolean done) throws Exception
    {
        try (QemuStreamClient client = QemuStreamClient.connect(path))
        {
            while (!done.get() && !stop.get())
            {
                final byte[] frame = client.receive(20);
                final byte[] reply = frame == null ? null : host.answer(frame);
                if (reply != null)
                {
                    client.send(reply);
                }
            }
        }
        return null;
    }

    private Void serveDgram(final QemuDgramClient client, final TinyHost host) throws Exception
    {
        // A first datagram tells the port where the "VM" is, as a booting VM's first frame would.
        client.send(host.announce());
        while (!stop.get())
        {
            final byte[] frame = client.receive(20);
            final byte[] reply = frame == null ? null : host.answer(frame);
            if (reply != null)
            {
                client.send(reply);
            }
        }
        return null;
    }
}
