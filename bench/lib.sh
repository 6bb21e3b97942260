# Shared by the bench scripts (sourced): end hosts in namespaces and the iperf3/ping workloads.
# Expects: ns_a ns_b ns_sw (namespaces), id (suffix of raw veth names), addr_b, work (temp dir),
# addr_a, duration (s per iperf3 run), pings.

hosts() { # fresh end hosts a and b
    for ns in $ns_a $ns_b; do
        ip netns add "$ns"; ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
    done
}
unhost() { for ns in $ns_a $ns_b $ns_sw; do
    ip link del ra$id 2>/dev/null || true; ip link del rb$id 2>/dev/null || true
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true; done; }

tcp() { # streams -> Gbit/s
    ip netns exec $ns_b iperf3 -s -1 -D -B $addr_b; sleep 0.3
    ip netns exec $ns_a iperf3 -c $addr_b -t "$duration" -P "$1" -J > "$work/tcp.json"
    python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e9))' "$work/tcp.json"
}
udp64() { # -> received packets/s
    ip netns exec $ns_b iperf3 -s -1 -D -B $addr_b; sleep 0.3
    ip netns exec $ns_a iperf3 -c $addr_b -u -b 0 -l 64 -t "$duration" -J > "$work/udp.json"
    python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["end"]["sum"]
print("%.0f" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))' "$work/udp.json"
}
rtt() { # -> "p50 p99" in microseconds
    ip netns exec $ns_a ping -c "$pings" -i 0.01 $addr_b > "$work/ping.txt"
    python3 -c '
import re, sys
v = sorted(float(x) * 1000 for x in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read()))
print("%.0f %.0f" % (v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))]))' "$work/ping.txt"
}
raw_hosts() { # control socket path: end hosts on veth pairs whose host ends ra$id, rb$id become raw ports
    hosts
    for side in a b; do
        ns_var=ns_$side addr_var=addr_$side
        ip link add r$side$id type veth peer name q$side$id
        ip link set q$side$id netns ${!ns_var}
        ip -n ${!ns_var} addr add ${!addr_var}/24 dev q$side$id; ip -n ${!ns_var} link set q$side$id up
    done
    printf 'ports:\n  - {name: ra%s, type: raw}\n  - {name: rb%s, type: raw}\ncontrol:\n  socket: %s\n' \
        $id $id "$1" > "$work/raw.yaml"
}
