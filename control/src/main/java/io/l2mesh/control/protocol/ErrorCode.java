package io.l2mesh.control.protocol;

/**
 * Why a control request failed; scripts match on the code, people read the message beside it.
 */
public enum ErrorCode
{
    /** Not JSON, not an object, a field of the wrong type or out of range. */
    BAD_REQUEST,
    /** No such command. */
    UNKNOWN_COMMAND,
    /** A protocol version this daemon does not speak. */
    UNSUPPORTED_VERSION,
    /** Larger than {@link ProtocolVersion#MAX_MESSAGE_BYTES}. */
    MESSAGE_TOO_LARGE,
    /** The peer is neither root nor in the configured group. */
    PERMISSION_DENIED,
    /** The port or entry named does not exist. */
    NOT_FOUND,
    /** The daemon could not do it (the kernel refused, a port failed). */
    FAILED
}
