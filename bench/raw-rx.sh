#!/usr/bin/env bash
# Raw-port receive paths against each other: one read() per frame, and a TPACKET_V3 ring (1 MiB blocks,
# retire timer RETIRE_MS), alternating ROUNDS times, raw ports on the host ends of two veth pairs.
# Per run: iperf3 TCP 1 stream and 64-byte UDP (DURATION s each), ping p50/p99 over PINGS pings (10 ms apart).
#
# usage: sudo bench/raw-rx.sh [DURATION_S=8] [ROUNDS=3] [PINGS=300] [RETIRE_MS=1]   (build first)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-8}"
rounds="${2:-3}"
pings="${3:-300}"
retire="${4:-1}"
id=$$
ns_a=rxa-$id ns_b=rxb-$id ns_sw=rxsw-$id
addr_a=198.18.21.1 addr_b=198.18.21.2
work=$(mktemp -d)
daemon=
for tool in iperf3 ping python3 ip; do command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }; done
. "$here/bench/lib.sh"
cleanup() {
    [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    unhost
    rm -rf "$work"
}
trap cleanup EXIT

raw_hosts "$work/ctl.sock"

echo "raw-rx: $(nproc) cores, $(uname -r), $(git -C "$here" rev-parse --short HEAD), ${duration}s runs, $rounds rounds"
for round in $(seq "$rounds"); do
    for mode in read ring; do
        opts=""
        [ $mode = ring ] && opts="-Dl2mesh.raw.ringBlocks=8 -Dl2mesh.raw.ringRetireMs=$retire"
        L2MESH_JVM_OPTS="$opts" "$here/bin/l2mesh" run -c "$work/raw.yaml" > "$work/daemon.log" 2>&1 &
        daemon=$!
        for _ in $(seq 100); do grep -q "l2mesh: ready" "$work/daemon.log" && break; sleep 0.1; done
        grep -q "l2mesh: ready" "$work/daemon.log" || { cat "$work/daemon.log"; exit 1; }
        ip netns exec $ns_a ping -c 3 -i 0.2 -W 1 $addr_b >/dev/null
        t=$(tcp 1); u=$(udp64); r=$(rtt)
        echo "$mode $t $u $r" | tee -a "$work/results"
        kill -TERM $daemon; wait $daemon 2>/dev/null || true; daemon=
    done
done
python3 - "$work/results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    mode, *values = line.split()
    rows.setdefault(mode, []).append([float(v) for v in values])
print("%-5s %10s %12s %8s %8s" % ("path", "TCP Gbit/s", "64B UDP pk/s", "RTT p50", "RTT p99"))
for mode, runs in rows.items():
    means = [statistics.mean(column) for column in zip(*runs)]
    print("%-5s %10.2f %12.0f %8.0f %8.0f" % (mode, *means))
PY
