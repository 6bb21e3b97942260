package io.l2mesh.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Test helper scripts shipped as class-path resources, copied to a temp file so a namespace can run them.
 */
public final class Scripts
{
    private Scripts()
    {
    }

    public static String extract(final String resource)
    {
        try (InputStream in = Scripts.class.getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IllegalStateException("missing test resource " + resource);
            }
            final Path file = Files.createTempFile("l2mesh-", "-" + Path.of(resource).getFileName());
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            return file.toString();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @return true if this kernel can make 802.1Q VLAN subinterfaces (CONFIG_VLAN_8021Q).
     */
    public static boolean kernelHasVlanSubinterfaces()
    {
        try (Netns probe = Netns.create("probe"))
        {
            probe.exec("ip", "link", "add", "d0", "type", "dummy");
            return probe.run(5_000, "ip", "link", "add", "link", "d0", "name", "d0.5", "type", "vlan", "id", "5")
                .exitCode() == 0;
        }
        catch (final AssertionError ex)
        {
            try (Netns probe = Netns.create("probe"))
            {
                probe.exec("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1");
                return probe.run(5_000, "ip", "link", "add", "link", "v0", "name", "v0.5", "type", "vlan", "id", "5")
                    .exitCode() == 0;
            }
        }
    }
}
