package io.l2mesh.control;

import io.l2mesh.switching.frame.MacAddresses;
import io.l2mesh.switching.vlan.VlanRules;
import io.l2mesh.testkit.ErrorLogWatch;
import io.l2mesh.testkit.Cmd;
import io.l2mesh.testkit.Iperf3;
import io.l2mesh.testkit.Netns;
import io.l2mesh.tunnel.vxlan.VxlanPort;
import io.l2mesh.tunnel.vxlan.VxlanPortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Interop with the Linux kernel's vxlan device: a namespace behind a kernel VTEP and a namespace behind l2mesh's
 * VXLAN port ping each other both ways and run TCP, over a veth underlay. Needs root.
 */
@Timeout(120)
class VxlanIT
{
    private static final int VNI = 4242;

    @RegisterExtension
    final ErrorLogWatch errorLog = new ErrorLogWatch();
    private Lab lab;

    @BeforeEach
    void start()
    {
        lab = new Lab(errorLog);
    }

    @AfterEach
    void stop()
    {
        lab.close();
    }

    @Test
    void shouldInteroperateWithKernelVxlanBothWays()
    {
        // Underlay: 198.18.70.2 here (l2mesh's VTEP), 198.18.70.1 in namespace k (the kernel's VTEP).
        final Netns kernelSide = lab.namespace("k");
        final String underlayHere = Netns.uniqueLinkName("u");
        final String underlayThere = Netns.uniqueLinkName("u");
        Cmd.check("ip", "link", "add", underlayHere, "type", "veth", "peer", "name", underlayThere);
        Cmd.check("ip", "addr", "add", "198.18.70.2/24", "dev", underlayHere);
        Cmd.check("ip", "link", "set", underlayHere, "up");
        kernelSide.adopt(underlayThere, "198.18.70.1/24");
        // A veth passes the kernel VTEP's inner TCP checksums on unfinished (a NIC would finish them); a UDP
        // socket cannot see that, so the kernel must finish them before the underlay, as for any userspace VTEP.
        kernelSide.exec("ethtool", "-K", underlayThere, "tx", "off");
        kernelSide.exec("ip", "link", "add", "vx0", "type", "vxlan", "id", Integer.toString(VNI), "local",
            "198.18.70.1", "remote", "198.18.70.2", "dstport", "4789", "dev", underlayThere);
        kernelSide.exec("ip", "addr", "add", "198.18.71.1/24", "dev", "vx0");
        kernelSide.exec("ip", "link", "set", "vx0", "up");

        final VxlanPort port = lab.sw().addPort(id -> VxlanPort.open(id, VxlanPortSpec.access("vx" + id,
            new InetSocketAddress("198.18.70.2", 4789), VNI, List.of(new InetSocketAddress("198.18.70.1", 4789)), 1),
            lab.sw().loopCount(), 64));
        final Lab.Host host = lab.host("t", VlanRules.access(1), "198.18.71.2/24");

        assertThat(host.ns().pingResult("198.18.71.1", 3).check().output()).as("l2mesh side to kernel side")
            .contains("3 received");
        assertThat(kernelSide.pingResult("198.18.71.2", 3).check().output()).as("kernel side to l2mesh side")
            .contains("3 received");
        final long kernelMac = MacAddresses.parse(kernelSide.mac("vx0"));
        assertThat(lab.sw().macTable().lookup(1, kernelMac)).as("kernel VTEP's MAC behind the VXLAN port")
            .isEqualTo(port.id());
        assertThat(port.learnedMacs()).isEqualTo(1);

        // TCP from a 1500-byte TAP into a 1450-byte VXLAN port: super-frames are cut to fit.
        // Data moved; how fast is bench/tunnel.sh's to say, not a test's on a shared machine.
        assertThat(Iperf3.tcp(kernelSide, host.ns(), "198.18.71.1", 2)).as("bit/s").isGreaterThan(1e6);
        assertThat(port.counters().totalDrops()).as("drops on the VXLAN port").isZero();
    }
}
