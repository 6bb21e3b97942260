package io.l2mesh.control.config;

/**
 * A config file that cannot be used: where (file and line) and what is wrong.
 */
public final class ConfigException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public ConfigException(final String source, final int line, final String message)
    {
        super(source + (line > 0 ? ":" + line : "") + ": " + message, null, false, false);
    }
}
