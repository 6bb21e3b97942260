package io.l2mesh.control.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * JSON encoding of requests and responses (docs/control-protocol.md):
 * <pre>
 *  request:  {"v": 1, "cmd": "stats", "args": {"port": "tap0"}}
 *  response: {"v": 1, "ok": true, "result": ...}
 *            {"v": 1, "ok": false, "error": {"code": "NOT_FOUND", "message": "no port named 'tap9'"}}
 *  stream:   {"v": 1, "ok": true, "stream": true, "result": ...} ... then {"v": 1, "ok": true, "end": true}
 * </pre>
 */
public final class ControlCodec
{
    public static final ObjectMapper JSON = new ObjectMapper();

    private ControlCodec()
    {
    }

    public static Request decodeRequest(final byte[] message, final int length)
    {
        final JsonNode root;
        try
        {
            root = JSON.readTree(new String(message, 0, length, StandardCharsets.UTF_8));
        }
        catch (final JsonProcessingException ex)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "not valid JSON: " + ex.getOriginalMessage());
        }
        if (root == null || !root.isObject())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "a request must be a JSON object");
        }
        final JsonNode version = root.get("v");
        if (version != null && (!version.isInt() || version.intValue() != ProtocolVersion.CURRENT))
        {
            throw new ControlException(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + version +
                " is not supported (this daemon speaks " + ProtocolVersion.CURRENT + ")");
        }
        final JsonNode command = root.get("cmd");
        if (command == null || !command.isTextual() || command.textValue().isEmpty())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "a request needs \"cmd\": a command name");
        }
        final JsonNode args = root.get("args");
        if (args != null && !args.isNull() && !args.isObject())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "\"args\" must be an object");
        }
        return new Request(ProtocolVersion.CURRENT, command.textValue(),
            args == null || args.isNull() ? JSON.createObjectNode() : (ObjectNode)args);
    }

    public static byte[] request(final String command, final ObjectNode args)
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("v", ProtocolVersion.CURRENT);
        root.put("cmd", command);
        root.set("args", args == null ? JSON.createObjectNode() : args);
        return bytes(root);
    }

    public static byte[] result(final JsonNode result)
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("v", ProtocolVersion.CURRENT);
        root.put("ok", true);
        root.set("result", result);
        return bytes(root);
    }

    public static byte[] streamItem(final JsonNode result)
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("v", ProtocolVersion.CURRENT);
        root.put("ok", true);
        root.put("stream", true);
        root.set("result", result);
        return bytes(root);
    }

    public static byte[] streamEnd()
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("v", ProtocolVersion.CURRENT);
        root.put("ok", true);
        root.put("end", true);
        return bytes(root);
    }

    public static byte[] error(final ErrorCode code, final String message)
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("v", ProtocolVersion.CURRENT);
        root.put("ok", false);
        final ObjectNode error = root.putObject("error");
        error.put("code", code.name());
        error.put("message", message);
        return bytes(root);
    }

    private static byte[] bytes(final JsonNode node)
    {
        try
        {
            return JSON.writeValueAsBytes(node);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
