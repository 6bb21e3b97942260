#!/usr/bin/env bash
# Control-plane bench: status round-trip latency and commands/s from 8 clients (bench ControlLoad), and the
# 64-byte UDP forwarding rate between two namespaces without, then with, `stats --watch` (100 ms) and a capture
# running on one of the two ports, in one invocation.
# usage: sudo bench/control.sh [DURATION_S=10]      (build first: mvn -q -B -DskipTests package)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10}"
id=$$
ns_a=cbench-a-$id ns_b=cbench-b-$id tap_a=l2xa$id tap_b=l2xb$id
work=$(mktemp -d)
socket=$work/ctl.sock
java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
daemon=
cleanup() {
    [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    for ns in $ns_a $ns_b; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
ctl() { "$here/bin/l2mesh" ctl --socket "$socket" "$@"; }

printf 'ports:\n  - name: %s\n  - name: %s\ncontrol:\n  socket: %s\n' $tap_a $tap_b "$socket" > "$work/c.yaml"
"$here/bin/l2mesh" run -c "$work/c.yaml" > "$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do grep -q "l2mesh: ready" "$work/daemon.log" && break; sleep 0.1; done
for side in a b; do
    ns_var=ns_$side tap_var=tap_$side
    ip netns add ${!ns_var}; ip netns exec ${!ns_var} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
    ip link set ${!tap_var} netns ${!ns_var}; ip -n ${!ns_var} link set ${!tap_var} up
done
ip -n $ns_a addr add 198.18.60.1/24 dev $tap_a; ip -n $ns_b addr add 198.18.60.2/24 dev $tap_b
ip netns exec $ns_a ping -c 2 -i 0.2 198.18.60.2 > /dev/null

echo "bench: $(nproc) cores, $(uname -r), l2mesh $(git -C "$here" rev-parse --short HEAD 2>/dev/null)"
"$java" --enable-native-access=ALL-UNNAMED -cp "$here/bench/target/benchmarks.jar" io.l2mesh.bench.ControlLoad \
    "$socket" 5 2>/dev/null

udp() { # -> received packets/s
    ip netns exec $ns_b iperf3 -s -1 -D -B 198.18.60.2; sleep 0.3
    ip netns exec $ns_a iperf3 -c 198.18.60.2 -u -b 0 -l 64 -t "$duration" -J > "$work/udp.json"
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["end"]["sum"]; print("%.0f" % ((s["packets"]-s["lost_packets"])/s["seconds"]))' "$work/udp.json"
}
plain=$(udp)
ctl stats --watch --interval 100 > /dev/null &
watcher=$!
ctl capture start $tap_b "$work/cap.pcap" --duration $((duration + 5)) --snaplen 128 > /dev/null
loaded=$(udp)
captured=$(ctl capture stop $tap_b)
kill $watcher 2>/dev/null || true
python3 -c 'import sys; p, l = float(sys.argv[1]), float(sys.argv[2]); print("UDP 64 B received pkt/s: plain %.0f, with stats --watch and a capture %.0f, ratio %.3f" % (p, l, l / p))' "$plain" "$loaded"
echo "capture: $captured"
