package io.l2mesh.control.config;

import java.net.InetSocketAddress;

/**
 * The {@code metrics:} section (docs/metrics.md): where the Prometheus exporter listens. Absent means off.
 *
 * @param listen the TCP address and port of {@code /metrics}, e.g. 127.0.0.1:9469.
 */
public record MetricsConfig(InetSocketAddress listen)
{
    /** The port of {@code /metrics} when {@code listen} gives none. */
    public static final int DEFAULT_PORT = 9469;

    public MetricsConfig
    {
        java.util.Objects.requireNonNull(listen, "listen");
    }

    /**
     * @return "127.0.0.1:9469" or "[::1]:9469", as the config writes it.
     */
    public String listenText()
    {
        final String host = listen.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + listen.getPort();
    }
}
