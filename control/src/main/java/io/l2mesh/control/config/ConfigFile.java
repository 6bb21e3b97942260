package io.l2mesh.control.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.l2mesh.switching.SwitchContext;
import io.l2mesh.switching.vlan.VlanRules;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the YAML config and checks every value, so that a bad file is refused with its file, line and what is
 * wrong ("l2mesh.yaml:12: ports[1].vlan: 5000 out of range 1..4094") before anything is started.
 * <p>
 * Each section parses itself through a {@link ConfigReader}: {@link SwitchSection}, {@link PortSection} (with
 * {@link TunnelSection} and {@link VxlanSection} for those kinds), {@link ControlSection}, {@link RegistrySection},
 * {@link MetricsSection}, and the static MACs here. Unknown keys and duplicate keys are errors, and an unknown
 * key's error lists the keys of its own section: a typo must not silently lose a setting.
 */
public final class ConfigFile
{
    public static final String DEFAULT_RESOURCE = "/l2mesh-default.yaml";

    private static final Set<String> TOP_KEYS = Set.of("switch", "ports", "static-macs", "control", "state-dir",
        "registry", "metrics");
    private static final Set<String> STATIC_KEYS = Set.of("mac", "vlan", "port");

    private ConfigFile()
    {
    }

    public static L2meshConfig load(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file.toString(), 0, "cannot read: " + ex.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static L2meshConfig loadDefault()
    {
        return parse("(embedded default)" + DEFAULT_RESOURCE, defaultText());
    }

    public static String defaultText()
    {
        try (InputStream in = ConfigFile.class.getResourceAsStream(DEFAULT_RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("embedded default config " + DEFAULT_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("embedded default config is unreadable", ex);
        }
    }

    public static L2meshConfig parse(final String source, final String text)
    {
        final ConfigReader in = new ConfigReader(source);
        final JsonNode root = in.parse(text);
        if (root == null)
        {
            throw new ConfigException(source, 1, "the file is empty; it needs at least 'ports:'");
        }
        in.requireObject(root, "", TOP_KEYS);

        final SwitchContext context = new SwitchContext();
        final int loopsSetting = SwitchSection.read(in, root.get("switch"), context);
        context.conclude();

        final List<PortConfig> ports = new ArrayList<>();
        final JsonNode portList = root.get("ports");
        if (portList == null || !portList.isArray() || portList.isEmpty())
        {
            throw in.error(portList == null ? "" : "ports", "'ports' must be a list with at least one port");
        }
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < portList.size(); i++)
        {
            final PortConfig port = PortSection.read(in, portList.get(i), "ports[" + i + "]");
            if (!names.add(port.name()))
            {
                throw in.error("ports[" + i + "].name", "port name '" + port.name() + "' is used twice");
            }
            ports.add(port);
        }
        final RegistryConfig registry = RegistrySection.read(in, root.get("registry"));
        RegistrySection.check(in, registry, ports);
        return new L2meshConfig(source, context, loopsSetting, List.copyOf(ports),
            staticMacs(in, root.get("static-macs"), names), ControlSection.read(in, root.get("control")),
            in.directory(root, "", "state-dir", L2meshConfig.STATE_DIR_DEFAULT), registry,
            MetricsSection.read(in, root.get("metrics")));
    }

    private static List<StaticMacConfig> staticMacs(final ConfigReader in, final JsonNode statics,
        final Set<String> portNames)
    {
        if (statics == null)
        {
            return List.of();
        }
        if (!statics.isArray())
        {
            throw in.error("static-macs", "'static-macs' must be a list of {mac, vlan, port}");
        }
        final List<StaticMacConfig> entries = new ArrayList<>();
        for (int i = 0; i < statics.size(); i++)
        {
            final String path = "static-macs[" + i + "]";
            final JsonNode node = statics.get(i);
            in.requireObject(node, path, STATIC_KEYS);
            final long mac = in.mac(node, path, true);
            final int vlan = in.intValue(node, path, "vlan", VlanRules.DEFAULT_VLAN, VlanRules.MIN_VID,
                VlanRules.MAX_VID);
            final String port = in.text(node, path, "port", null);
            if (!portNames.contains(port))
            {
                throw in.error(path + ".port", "no port named '" + port + "' (ports: " + new TreeSet<>(portNames) +
                    ")");
            }
            entries.add(new StaticMacConfig(mac, vlan, port));
        }
        return List.copyOf(entries);
    }

    /**
     * Checks one port given as a JSON object (a control request's arguments) with the config file's rules.
     *
     * @throws ConfigException naming {@code what.key} and what is wrong.
     */
    public static PortConfig parsePort(final String what, final JsonNode node)
    {
        return parsePort(what, node, true);
    }

    /**
     * @param trusted false for a request from a client other than root: see {@link SecretFile}.
     */
    public static PortConfig parsePort(final String what, final JsonNode node, final boolean trusted)
    {
        return PortSection.read(new ConfigReader("request", trusted), node, what);
    }
}
