package io.l2mesh.control.server;

import io.l2mesh.tuntap.PeerCred;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Decides who may use the control socket: root, or a member of the configured group (its gid as the peer's
 * group, or the peer's user name listed in {@code /etc/group}).
 */
public final class Authorizer
{
    private final String groupName;
    private final int gid;
    private final Path groupFile;
    private final Path passwdFile;

    /**
     * @param groupName allowed group, or null for root only.
     */
    public Authorizer(final String groupName, final Path groupFile, final Path passwdFile)
    {
        this.groupName = groupName;
        this.groupFile = groupFile;
        this.passwdFile = passwdFile;
        this.gid = groupName == null ? -1 : lookupGid(groupName, groupFile);
    }

    public static Authorizer system(final String groupName)
    {
        return new Authorizer(groupName, Path.of("/etc/group"), Path.of("/etc/passwd"));
    }

    /**
     * @return the allowed group's gid, or -1 for root only.
     */
    public int gid()
    {
        return gid;
    }

    public boolean allows(final PeerCred peer)
    {
        if (peer.uid() == 0)
        {
            return true;
        }
        if (gid < 0)
        {
            return false;
        }
        return peer.gid() == gid || members().contains(userName(peer.uid()));
    }

    public String refusal(final PeerCred peer)
    {
        return "uid " + peer.uid() + " may not use the control socket: it needs root" +
            (groupName == null ? "" : " or membership of group '" + groupName + "'");
    }

    private Set<String> members()
    {
        for (final String line : lines(groupFile))
        {
            final String[] fields = line.split(":", -1);
            if (fields.length >= 4 && fields[0].equals(groupName))
            {
                return Set.of(fields[3].isEmpty() ? new String[0] : fields[3].split(","));
            }
        }
        return Set.of();
    }

    private String userName(final int uid)
    {
        for (final String line : lines(passwdFile))
        {
            final String[] fields = line.split(":", -1);
            if (fields.length >= 3 && fields[2].equals(Integer.toString(uid)))
            {
                return fields[0];
            }
        }
        return "";
    }

    private static int lookupGid(final String groupName, final Path groupFile)
    {
        for (final String line : lines(groupFile))
        {
            final String[] fields = line.split(":", -1);
            if (fields.length >= 3 && fields[0].equals(groupName))
            {
                return Integer.parseInt(fields[2]);
            }
        }
        throw new IllegalArgumentException("control group '" + groupName + "' does not exist in " + groupFile);
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.readAllLines(file);
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }
}
