package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;

/**
 * The {@code metrics:} section ({@link MetricsConfig}): {@code listen: ADDRESS[:PORT]}, an IP literal (no names)
 * and the port, {@value MetricsConfig#DEFAULT_PORT} unless given.
 */
final class MetricsSection
{
    static final Set<String> KEYS = Set.of("listen");

    private MetricsSection()
    {
    }

    static MetricsConfig read(final ConfigReader in, final JsonNode node)
    {
        if (node == null || node.isNull())
        {
            return null;
        }
        final String path = "metrics";
        in.requireObject(node, path, KEYS);
        final String listen = in.text(node, path, "listen", null);
        return new MetricsConfig(in.endpoint(listen, "metrics.listen", MetricsConfig.DEFAULT_PORT));
    }
}
