package io.l2mesh.tunnel.crypto;

import io.l2mesh.tunnel.noise.CipherSuite;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OpenSSL's and the JDK's transport AEADs are the same construction: each opens what the other sealed, for both
 * suites and all sizes, and each refuses a changed header, ciphertext, tag or counter.
 */
class TransportAeadTest
{
    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void shouldInteroperateWithTheJdkAndRefuseAnythingChanged(final CipherSuite suite)
    {
        if ("1".equals(System.getenv("L2MESH_REQUIRE_LIBCRYPTO")))
        {
            assertThat(TransportAeads.description()).as("what the tunnel uses").isEqualTo("openssl");
        }
        final Random random = new Random(11);
        final byte[] key = new byte[32];
        random.nextBytes(key);
        final TransportAead openSslSeal = TransportAeads.openSslOrNull(suite, key, true, 2);
        final TransportAead openSslOpen = TransportAeads.openSslOrNull(suite, key, false, 2);
        if (openSslSeal == null)
        {
            return; // no libcrypto here (the test command requires it, above)
        }
        final TransportAead jdkSeal = TransportAeads.jdk(suite, key, true, 2);
        final TransportAead jdkOpen = TransportAeads.jdk(suite, key, false, 2);
        final TransportAead[][] pairs = {{openSslSeal, jdkOpen}, {jdkSeal, openSslOpen}, {openSslSeal, openSslOpen}};
        long counter = 0x0102_0304_0506_0708L;
        for (final int size : new int[] {0, 1, 15, 16, 17, 64, 1420, 9000})
        {
            for (final TransportAead[] pair : pairs)
            {
                final byte[] plain = new byte[size];
                random.nextBytes(plain);
                final byte[] header = new byte[16];
                random.nextBytes(header);
                final byte[] message = new byte[16 + size + 16];
                System.arraycopy(header, 0, message, 0, 16);
                System.arraycopy(plain, 0, message, 16, size);
                final int sealed = pair[0].seal(1, message, 0, size, counter);
                assertThat(sealed).isEqualTo(size + 16);
                if (size > 0)
                {
                    assertThat(Arrays.copyOfRange(message, 16, 16 + size)).as("encrypted").isNotEqualTo(plain);
                }
                final String what = pair[0].implementation() + " -> " + pair[1].implementation() + ", " + size;
                for (final int flip : new int[] {3, 16 + size / 2, 16 + size + 5})
                {
                    if (flip >= 16 && flip < 16 + size || flip < 16 || flip >= 16 + size)
                    {
                        final byte[] tampered = message.clone();
                        tampered[flip] ^= 0x20;
                        assertThat(pair[1].open(0, tampered, tampered.length, counter)).as("%s, byte %d changed",
                            what, flip).isEqualTo(-1);
                    }
                }
                assertThat(pair[1].open(0, message.clone(), message.length, counter + 1)).as("%s, other counter",
                    what).isEqualTo(-1);
                assertThat(pair[1].open(0, message, message.length, counter)).as(what).isEqualTo(size);
                assertThat(Arrays.copyOfRange(message, 16, 16 + size)).as(what).isEqualTo(plain);
                counter++;
            }
        }
        final byte[] runt = new byte[20];
        assertThat(openSslOpen.open(0, runt, runt.length, 1)).as("shorter than header and tag").isEqualTo(-1);
    }

    @ParameterizedTest
    @EnumSource(CipherSuite.class)
    void shouldSealAndOpenInNativeMemoryAsOnTheHeap(final CipherSuite suite)
    {
        final Random random = new Random(12);
        final byte[] key = new byte[32];
        random.nextBytes(key);
        final TransportAead openSslSeal = TransportAeads.openSslOrNull(suite, key, true, 2);
        final TransportAead openSslOpen = TransportAeads.openSslOrNull(suite, key, false, 2);
        if (openSslSeal == null)
        {
            return; // no libcrypto here (the test command requires it, above)
        }
        assertThat(openSslSeal.worksInPlace()).isTrue();
        assertThat(TransportAeads.jdk(suite, key, true, 1).worksInPlace()).isFalse();
        final TransportAead jdkSeal = TransportAeads.jdk(suite, key, true, 2);
        final TransportAead jdkOpen = TransportAeads.jdk(suite, key, false, 2);
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment buffer = arena.allocate(16 + 9000 + 16 + 64);
            long counter = 77;
            for (final int size : new int[] {0, 1, 16, 1420, 9000})
            {
                final byte[] message = new byte[16 + size + 16];
                random.nextBytes(message);
                final byte[] plain = Arrays.copyOfRange(message, 16, 16 + size);
                // native seal (at an odd offset, as a batch's messages sit), heap open
                final long at = 3;
                MemorySegment.copy(message, 0, buffer, ValueLayout.JAVA_BYTE, at, message.length);
                assertThat(openSslSeal.sealAt(0, buffer.address() + at, size, counter)).isEqualTo(size + 16);
                final byte[] sealed = buffer.asSlice(at, message.length).toArray(ValueLayout.JAVA_BYTE);
                assertThat(jdkOpen.open(0, sealed, sealed.length, counter)).as("jdk opens native-sealed %d", size)
                    .isEqualTo(size);
                assertThat(Arrays.copyOfRange(sealed, 16, 16 + size)).isEqualTo(plain);
                // heap seal, native open; then a changed byte is refused in place
                final byte[] heap = message.clone();
                jdkSeal.seal(1, heap, 0, size, counter + 1);
                MemorySegment.copy(heap, 0, buffer, ValueLayout.JAVA_BYTE, 0, heap.length);
                assertThat(openSslOpen.openAt(1, buffer.address(), heap.length, counter + 1)).isEqualTo(size);
                assertThat(buffer.asSlice(16, size).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(plain);
                MemorySegment.copy(heap, 0, buffer, ValueLayout.JAVA_BYTE, 0, heap.length);
                buffer.set(ValueLayout.JAVA_BYTE, 16 + size + 3, (byte)(heap[16 + size + 3] ^ 1));
                assertThat(openSslOpen.openAt(1, buffer.address(), heap.length, counter + 1)).as("tag changed")
                    .isEqualTo(-1);
                counter += 2;
            }
        }
    }
}
