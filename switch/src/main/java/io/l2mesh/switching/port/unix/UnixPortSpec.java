package io.l2mesh.switching.port.unix;

import io.l2mesh.switching.fdb.MacLimits;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.tuntap.UnixAddress;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What a unix port for a QEMU VM should be.
 *
 * @param name      port name.
 * @param path      socket path l2mesh binds (the VM's {@code -netdev} points at it).
 * @param framing   QEMU's {@code -netdev dgram} or {@code -netdev stream}.
 * @param fileMode  mode of the socket file: who may attach a VM (e.g. 0660, or 0666 for any local user).
 * @param vlanRules access or trunk rules (the VM sees tags on a trunk).
 * @param mtu       largest L3 payload sent to the VM (the VM's NIC MTU; GSO frames are segmented to it).
 * @param macLimit  most MACs learned on this port.
 */
public record UnixPortSpec(
    String name, Path path, Framing framing, int fileMode, VlanRules vlanRules, int mtu, int macLimit)
{
    public static final int DEFAULT_MTU = 1500;
    public static final int DEFAULT_FILE_MODE = 0660;
    public static final int MAX_MTU = UnixStreamPort.MAX_FRAME - 18;

    /**
     * QEMU's two unix socket framings.
     */
    public enum Framing
    {
        DGRAM,
        STREAM;

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @throws IllegalArgumentException for anything but "dgram" or "stream".
         */
        public static Framing of(final String label)
        {
            return switch (label)
            {
                case "dgram" -> DGRAM;
                case "stream" -> STREAM;
                default -> throw new IllegalArgumentException("unknown framing '" + label +
                    "' (expected dgram or stream, as in QEMU's -netdev)");
            };
        }
    }

    public UnixPortSpec
    {
        UnixAddress.check(path);
        if (mtu < 68 || mtu > MAX_MTU)
        {
            throw new IllegalArgumentException("mtu=" + mtu + " out of range 68.." + MAX_MTU);
        }
        if (fileMode < 0 || fileMode > 0777 || (fileMode & 0600) != 0600)
        {
            throw new IllegalArgumentException("socket-mode " + Integer.toOctalString(fileMode) +
                " must be 0600..0777 and let the owner read and write");
        }
        if (macLimit < 1)
        {
            throw new IllegalArgumentException("mac-limit=" + macLimit + " must be at least 1");
        }
    }

    public static UnixPortSpec access(final String name, final Path path, final Framing framing, final int vlan)
    {
        return new UnixPortSpec(name, path, framing, DEFAULT_FILE_MODE, VlanRules.access(vlan), DEFAULT_MTU,
            MacLimits.UNLIMITED);
    }

    public UnixPortSpec withVlanRules(final VlanRules rules)
    {
        return new UnixPortSpec(name, path, framing, fileMode, rules, mtu, macLimit);
    }

    public UnixPortSpec withMacLimit(final int limit)
    {
        return new UnixPortSpec(name, path, framing, fileMode, vlanRules, mtu, limit);
    }
}
