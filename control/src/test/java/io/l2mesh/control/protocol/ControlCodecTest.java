package io.l2mesh.control.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlCodecTest
{
    private static Request decode(final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ControlCodec.decodeRequest(bytes, bytes.length);
    }

    private static void assertRefused(final String text, final ErrorCode code, final String message)
    {
        assertThatThrownBy(() -> decode(text)).isInstanceOf(ControlException.class)
            .hasMessageContaining(message)
            .satisfies(ex -> assertThat(((ControlException)ex).code()).isEqualTo(code));
    }

    @Test
    void shouldRoundTripRequest()
    {
        final byte[] bytes = ControlCodec.request("fdb.show", ControlCodec.JSON.createObjectNode().put("vlan", 10));
        final Request request = ControlCodec.decodeRequest(bytes, bytes.length);
        assertThat(request.command()).isEqualTo("fdb.show");
        assertThat(request.number("vlan", 0, 0, 4094)).isEqualTo(10);
        assertThat(request.text("port", "any")).isEqualTo("any");
    }

    @Test
    void shouldRefuseMalformedRequestsWithCodes()
    {
        assertRefused("{oops", ErrorCode.BAD_REQUEST, "not valid JSON");
        assertRefused("\"status\"", ErrorCode.BAD_REQUEST, "a request must be a JSON object");
        assertRefused("{\"v\":1}", ErrorCode.BAD_REQUEST, "a request needs \"cmd\"");
        assertRefused("{\"cmd\":5}", ErrorCode.BAD_REQUEST, "a request needs \"cmd\"");
        assertRefused("{\"cmd\":\"status\",\"args\":[1]}", ErrorCode.BAD_REQUEST, "\"args\" must be an object");
        assertRefused("{\"v\":2,\"cmd\":\"status\"}", ErrorCode.UNSUPPORTED_VERSION, "protocol version 2");
    }

    @Test
    void shouldRefuseArgumentsOfWrongTypeOrRange()
    {
        final Request request = decode("{\"cmd\":\"x\",\"args\":{\"port\":3,\"vlan\":5000,\"count\":1.5}}");
        assertThatThrownBy(() -> request.text("port", null)).hasMessage("args.port must be a string, got number");
        assertThatThrownBy(() -> request.number("vlan", 0, 0, 4094)).hasMessage("args.vlan=5000 out of range 0..4094");
        assertThatThrownBy(() -> request.number("count", 0, 0, 10))
            .hasMessage("args.count must be a whole number, got number");
    }

    @Test
    void shouldEncodeResultsErrorsAndStreams() throws Exception
    {
        final JsonNode error = ControlCodec.JSON.readTree(ControlCodec.error(ErrorCode.NOT_FOUND, "no port named 'x'"));
        assertThat(error.toString())
            .isEqualTo("{\"v\":1,\"ok\":false,\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no port named 'x'\"}}");
        assertThat(new String(ControlCodec.streamEnd(), StandardCharsets.UTF_8))
            .isEqualTo("{\"v\":1,\"ok\":true,\"end\":true}");
        assertThat(new String(ControlCodec.result(ControlCodec.JSON.createArrayNode()), StandardCharsets.UTF_8))
            .isEqualTo("{\"v\":1,\"ok\":true,\"result\":[]}");
    }
}
