package io.l2mesh.control.protocol;

/**
 * A request that fails with an {@link ErrorCode}: becomes the error response, never a crash.
 */
public final class ControlException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ControlException(final ErrorCode code, final String message)
    {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code()
    {
        return code;
    }
}
