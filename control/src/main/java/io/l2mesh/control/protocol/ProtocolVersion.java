package io.l2mesh.control.protocol;

/**
 * Versioned limits of the control protocol (docs/control-protocol.md).
 */
public final class ProtocolVersion
{
    public static final int CURRENT = 1;
    public static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private ProtocolVersion()
    {
    }
}
