package io.l2mesh.control.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target: control requests of any bytes (a SOCK_SEQPACKET message from any local account). Decoding gives a
 * request or a {@link ControlException} with an error code and a message the client is shown; nothing else.
 */
class ControlCodecFuzzTest
{
    @FuzzTest
    void requests(final FuzzedDataProvider data)
    {
        fuzzerTestOneInput(data);
    }

    public static void fuzzerTestOneInput(final FuzzedDataProvider data)
    {
        final byte[] message = data.consumeRemainingAsBytes();
        try
        {
            final Request request = ControlCodec.decodeRequest(message, message.length);
            assertThat(request).isNotNull();
        }
        catch (final ControlException refused)
        {
            assertThat(refused.getMessage()).isNotBlank();
        }
    }
}
