package io.l2mesh.control.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One control request: {@code {"v": 1, "cmd": "fdb.show", "args": {...}}}. Typed accessors refuse wrong types
 * with {@link ErrorCode#BAD_REQUEST} naming the field.
 */
public record Request(int version, String command, ObjectNode args)
{
    public String text(final String name, final String defaultValue)
    {
        final JsonNode value = args.get(name);
        if (value == null || value.isNull())
        {
            return defaultValue;
        }
        if (!value.isTextual())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args." + name + " must be a string, got " +
                value.getNodeType().name().toLowerCase());
        }
        return value.textValue();
    }

    public long number(final String name, final long defaultValue, final long min, final long max)
    {
        final JsonNode value = args.get(name);
        if (value == null || value.isNull())
        {
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong())
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args." + name + " must be a whole number, got " +
                value.getNodeType().name().toLowerCase());
        }
        final long v = value.longValue();
        if (v < min || v > max)
        {
            throw new ControlException(ErrorCode.BAD_REQUEST, "args." + name + "=" + v + " out of range " + min +
                ".." + max);
        }
        return v;
    }
}
