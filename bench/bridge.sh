#!/usr/bin/env bash
# End-to-end bench: the same workload between two namespaces through (1) the Linux kernel bridge, (2) a minimal
# C TAP forwarder (bench/reference/tapfwd.c: what the TAP path itself allows), (3) l2mesh on TAP ports and
# (4) l2mesh on raw AF_PACKET ports over veth pairs, in one invocation, printing all and the ratios.
#
#   iperf3 TCP, 1 stream and 4 streams, DURATION s each
#   iperf3 UDP, 64-byte payloads at full rate: packets/s received
#   ping RTT p50/p99 over PINGS pings at 10 ms intervals
#   l2mesh only: bytes allocated by the datapath threads during the UDP flood (JFR ThreadAllocationStatistics)
#
# usage: sudo bench/bridge.sh [DURATION_S=10] [PINGS=1000]     (build first: mvn -q -B -DskipTests package)
# Results go to bench/results/bridge-<git sha>-<utc time>.txt as well as stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10}"
pings="${2:-1000}"
id=$$
ns_a=bench-a-$id ns_b=bench-b-$id ns_sw=bench-sw-$id
tap_a=l2ba$id tap_b=l2bb$id
addr_a=198.18.20.1 addr_b=198.18.20.2
sha=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$here/bench/results"
out="$here/bench/results/bridge-$sha-$(date -u +%Y%m%dT%H%M%SZ).txt"
work=$(mktemp -d)
daemon=

for tool in iperf3 ping python3 ip gcc; do command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }; done
java_home=$(dirname "$(dirname "$(readlink -f /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)")")

cleanup() {
    [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    for ns in $ns_a $ns_b $ns_sw; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

. "$here/bench/lib.sh"

measure() { # label
    ip netns exec $ns_a ping -c 3 -i 0.2 -W 1 $addr_b >/dev/null
    local t1 t4 u r
    t1=$(tcp 1); t4=$(tcp 4); u=$(udp64); r=$(rtt)
    echo "$1 $t1 $t4 $u $r" >> "$work/results"
}

echo "bench: $(nproc) cores, $(uname -r), l2mesh $sha, ${duration}s per iperf3 run, $pings pings" | tee "$out"

# 1. Kernel bridge in a namespace of its own, hosts on veth pairs.
hosts
ip netns add $ns_sw
ip -n $ns_sw link add br0 type bridge; ip -n $ns_sw link set br0 up
for side in a b; do
    ns_var=ns_$side addr_var=addr_$side
    ip link add v$side$id type veth peer name s$side$id
    ip link set v$side$id netns ${!ns_var}; ip link set s$side$id netns $ns_sw
    ip -n $ns_sw link set s$side$id master br0; ip -n $ns_sw link set s$side$id up
    ip -n ${!ns_var} addr add ${!addr_var}/24 dev v$side$id; ip -n ${!ns_var} link set v$side$id up
done
measure kernel-bridge
unhost

# 2. The C reference forwarder on two TAPs.
gcc -O2 -pthread -o "$work/tapfwd" "$here/bench/reference/tapfwd.c"
"$work/tapfwd" $tap_a $tap_b > "$work/tapfwd.log" 2>&1 &
daemon=$!
for _ in $(seq 50); do grep -q ready "$work/tapfwd.log" && break; sleep 0.1; done
hosts
ip link set $tap_a netns $ns_a; ip -n $ns_a addr add $addr_a/24 dev $tap_a; ip -n $ns_a link set $tap_a up
ip link set $tap_b netns $ns_b; ip -n $ns_b addr add $addr_b/24 dev $tap_b; ip -n $ns_b link set $tap_b up
measure c-tapfwd
kill -TERM $daemon; wait $daemon 2>/dev/null || true; daemon=
unhost

# 3. l2mesh with two TAP ports, hosts on the TAPs.
cat > "$work/l2mesh.yaml" <<YAML
ports:
  - name: $tap_a
  - name: $tap_b
control:
  socket: $work/ctl.sock
YAML
"$here/bin/l2mesh" run -c "$work/l2mesh.yaml" > "$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do grep -q "l2mesh: ready" "$work/daemon.log" && break; sleep 0.1; done
grep -q "l2mesh: ready" "$work/daemon.log" || { cat "$work/daemon.log"; exit 1; }
hosts
ip link set $tap_a netns $ns_a; ip -n $ns_a addr add $addr_a/24 dev $tap_a; ip -n $ns_a link set $tap_a up
ip link set $tap_b netns $ns_b; ip -n $ns_b addr add $addr_b/24 dev $tap_b; ip -n $ns_b link set $tap_b up
measure l2mesh

# Allocation during a 64-byte UDP flood, per datapath thread, from JFR's ThreadAllocationStatistics: the JVM's
# exact per-thread allocated-bytes counter, sampled when the recording starts and ends (read as JSON: the text
# form rounds to 0.1 MB). The TCP and UDP runs above have warmed the JIT up.
"$java_home/bin/jcmd" $daemon JFR.start name=alloc settings=profile > /dev/null
udp_pps=$(udp64)
"$java_home/bin/jcmd" $daemon JFR.stop name=alloc filename="$work/alloc.jfr" > /dev/null
"$java_home/bin/jfr" print --json --events jdk.ThreadAllocationStatistics "$work/alloc.jfr" > "$work/alloc.json"
alloc=$(python3 -c '
import json, sys
per = {}
for event in json.load(open(sys.argv[1]))["recording"]["events"]:
    thread = (event["values"].get("thread") or {}).get("javaName") or ""
    if thread.startswith("l2mesh-dp-"):
        per.setdefault(thread, []).append(event["values"]["allocated"])
samples = min((len(v) for v in per.values()), default=0)
if samples < 2:
    print("n/a n/a 0")  # a delta needs a sample at both ends of the recording
else:
    total = sum(max(v) - min(v) for v in per.values())
    frames = float(sys.argv[2]) * float(sys.argv[3])
    print("%d %.4f %d/%d" % (total, total / frames if frames else 0, len(per), samples))' "$work/alloc.json" "$udp_pps" "$duration")

# 4. l2mesh with raw (AF_PACKET) ports on the host ends of veth pairs, as the kernel bridge had.
kill -TERM $daemon; wait $daemon 2>/dev/null || true; daemon=
unhost
raw_hosts "$work/ctl-raw.sock"
"$here/bin/l2mesh" run -c "$work/raw.yaml" > "$work/daemon-raw.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do grep -q "l2mesh: ready" "$work/daemon-raw.log" && break; sleep 0.1; done
grep -q "l2mesh: ready" "$work/daemon-raw.log" || { cat "$work/daemon-raw.log"; exit 1; }
measure l2mesh-raw

python3 - "$work/results" "$alloc" "$duration" <<'PY' | tee -a "$out"
import sys
rows = {line.split()[0]: line.split()[1:] for line in open(sys.argv[1])}
k, c, l, r = rows["kernel-bridge"], rows["c-tapfwd"], rows["l2mesh"], rows["l2mesh-raw"]
names = ["TCP 1 stream Gbit/s", "TCP 4 streams Gbit/s", "UDP 64 B received pkt/s", "ping RTT p50 us", "ping RTT p99 us"]
print("%-24s %13s %9s %9s %9s %10s %7s %9s" % ("metric", "kernel bridge", "C tapfwd", "l2mesh", "l2m raw",
      "l2m/bridge", "l2m/C", "raw/bridge"))
for i, name in enumerate(names):
    kv, cv, lv, rv = float(k[i]), float(c[i]), float(l[i]), float(r[i])
    print("%-24s %13s %9s %9s %9s %10.2f %7.2f %9.2f" % (name, k[i], c[i], l[i], r[i], lv / kv if kv else 0,
          lv / cv if cv else 0, rv / kv if kv else 0))
total, per_frame, threads = sys.argv[2].split()
print("l2mesh datapath allocation during a %ss 64 B UDP flood: %s bytes in %s threads/samples each = %s bytes/frame" %
      (sys.argv[3], total, threads, per_frame))
PY
echo "bench: results in ${out#$here/}"
