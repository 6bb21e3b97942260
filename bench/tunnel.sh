#!/usr/bin/env bash
# Tunnel bench: the same workload between two hosts across (a) the kernel's vxlan between two node namespaces,
# (b) l2mesh VXLAN ports, (c) the l2mesh encrypted tunnel, (d) the encrypted tunnel with FEC (10, 4), in one
# invocation, printing each and the ratios to (a); plus references measured the same way: a C TAP-over-UDP
# forwarder (bench/reference/tapudp.c: what one userspace hop per node costs on this machine), wireguard-go and
# tinc in switch mode (Debian's packages; skipped with a note when not installed); and the encrypted tunnel in the
# opt-in low-latency mode (switch.busy-poll-us). BENCH_SETUPS="..." runs some;
# BENCH_ALLOCATION_SITES=1 adds the datapath's sampled allocation stacks to the results. The nodes are
# namespaces joined by a veth; with l2mesh, each node runs a daemon bridging a host namespace on a TAP (MTU 1380,
# the tunnel's inner MTU; 1450 for VXLAN).
#
#   iperf3 TCP, 1 stream, DURATION s;  iperf3 UDP with 64-byte payloads at full rate: packets/s received;
#   ping RTT p50/p99 over PINGS pings at 10 ms intervals. Each setup gets 10 s of TCP (BENCH_WARMUP_S) and 3 s
#   of 64 B UDP first, not recorded, so l2mesh's JVMs are warm (JIT) when measured. For l2mesh: node b's TAP
#   writes per GB during the TCP run, and for the encrypted tunnel the bytes its datapath threads allocate per
#   frame during a second 64 B UDP run (JFR).
#
# usage: sudo bench/tunnel.sh [DURATION_S=10] [PINGS=500]     (build first: mvn -q -B -DskipTests package)
# Results go to bench/results/tunnel-<git sha>-<utc time>.txt as well as stdout.
set -euo pipefail
# FEC is switched on at run time (fec set), not in the config, so the nodes load the SIMD coding loop's module.
export L2MESH_FEC_SIMD=${L2MESH_FEC_SIMD:-1}
here="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10}"
pings="${2:-500}"
id=$$
ns_a=tb-ha-$id ns_b=tb-hb-$id ns_sw=tb-none-$id
ua=tb-ua-$id ub=tb-ub-$id
addr_a=198.18.92.1 addr_b=198.18.92.2
sha=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$here/bench/results"
out="$here/bench/results/tunnel-$sha-$(date -u +%Y%m%dT%H%M%SZ).txt"
work=$(mktemp -d)
l2mesh="$here/bin/l2mesh"
daemons=()
for tool in iperf3 ping python3 ip gcc; do command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }; done
. "$here/bench/lib.sh"

stop_daemons() {
    for pid in "${daemons[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${daemons[@]}"; do wait "$pid" 2>/dev/null || true; done
    daemons=()
}
teardown() {
    stop_daemons
    for ns in $ns_a $ns_b $ua $ub; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap 'teardown; rm -rf "$work"' EXIT

underlay() { # node namespaces joined by a veth: 198.18.93.1 (ua) and .2 (ub)
    for ns in $ua $ub; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
    ip link add tbva$id type veth peer name tbvb$id
    ip link set tbva$id netns $ua; ip link set tbvb$id netns $ub
    ip -n $ua addr add 198.18.93.1/24 dev tbva$id; ip -n $ub addr add 198.18.93.2/24 dev tbvb$id
    ip -n $ua link set tbva$id up; ip -n $ub link set tbvb$id up
}

measure() { # label
    ip netns exec $ns_a ping -c 3 -i 0.2 -W 2 $addr_b >/dev/null
    # Warm-up (not recorded): a JVM compiles its hot paths during the first seconds of traffic; C2 used about
    # one core for ~10 s after start (measured per thread), which on 2 cores is half the machine. TCP, then the
    # 64-byte UDP path, which compiles code of its own.
    ip netns exec $ns_b iperf3 -s -1 -D -B $addr_b; sleep 0.3
    ip netns exec $ns_a iperf3 -c $addr_b -t "${BENCH_WARMUP_S:-10}" > /dev/null
    ip netns exec $ns_b iperf3 -s -1 -D -B $addr_b; sleep 0.3
    ip netns exec $ns_a iperf3 -c $addr_b -u -b 0 -l 64 -t 3 > /dev/null
    local t u r
    node_stats > "$work/stats-before.json"
    t=$(tcp 1)
    node_stats > "$work/stats-after.json"
    u=$(udp64); r=$(rtt)
    echo "$1 $t $u $r" | tee -a "$work/results"
    tap_writes "$1"
}

node_stats() { # node b's port counters as JSON, or nothing when node b is not an l2mesh daemon
    [ -S "$work/b.sock" ] && [ ${#daemons[@]} -gt 0 ] && \
        ip netns exec $ub "$l2mesh" ctl --socket "$work/b.sock" --json stats 2>/dev/null || true
}

tap_writes() { # label: during the TCP run, node b's TAP writes per GB it wrote, and segments it coalesced
    [ -s "$work/stats-after.json" ] || return 0
    python3 - "$work/stats-before.json" "$work/stats-after.json" "$1" <<'PY' | tee -a "$out"
import json, sys
def ports(path):
    try:
        doc = json.load(open(path))
    except ValueError:
        return {}
    doc = doc.get("result", doc) if isinstance(doc, dict) else doc
    return {p["port"]: p for p in doc}
before, after = ports(sys.argv[1]), ports(sys.argv[2])
d = lambda name, key: after[name].get(key, 0) - before.get(name, {}).get(key, 0)
for name in after:
    if name.startswith("tbt"):
        writes, data = d(name, "tx_packets"), d(name, "tx_bytes")
        tunnel = [n for n in after if not n.startswith("tbt")]
        merged = sum(d(n, "rx_coalesced") for n in tunnel)
        segments = sum(d(n, "rx_packets") for n in tunnel) + merged
        print("bench: %s node b TAP: %d writes for %.2f GB = %.0f writes/GB, %.1f KB/write; %d of %d received "
              "segments coalesced" % (sys.argv[3], writes, data / 1e9, writes / max(data / 1e9, 1e-9),
                                      data / max(writes, 1) / 1e3, merged, segments))
PY
}

l2mesh_nodes() { # port YAML for node a, for node b; hosts on TAPs of MTU $3
    local node yaml
    for node in a b; do
        if [ $node = a ]; then yaml=$1; else yaml=$2; fi
        printf 'switch:\n  loops: %s\n  busy-poll-us: %s\nports:\n  - name: tbt%s%s\n%s\n' \
            "${loops:-2}" "${busy_poll_us:-0}" $node $id "$yaml" > "$work/$node.yaml"
        printf 'control:\n  socket: %s/%s.sock\nstate-dir: %s/%s-state\n' "$work" $node "$work" $node \
            >> "$work/$node.yaml"
        local ns=$ua
        [ $node = b ] && ns=$ub
        ip netns exec $ns "$l2mesh" run -c "$work/$node.yaml" > "$work/$node.log" 2>&1 &
        daemons+=($!)
    done
    hosts
    for node in a b; do
        local ns=$ua host=$ns_a addr=$addr_a
        [ $node = b ] && ns=$ub host=$ns_b addr=$addr_b
        for _ in $(seq 150); do grep -q "l2mesh: ready" "$work/$node.log" && break; sleep 0.1; done
        grep -q "l2mesh: ready" "$work/$node.log" || { cat "$work/$node.log"; exit 1; }
        ip -n $ns link set tbt$node$id netns $host
        ip -n $host addr add $addr/24 dev tbt$node$id
        ip -n $host link set tbt$node$id mtu "$3" up
    done
}

echo "bench: $(nproc) cores, $(uname -r), l2mesh $sha, ${duration}s per iperf3 run, $pings pings" | tee "$out"

# Each setup runs on a fresh underlay; BENCH_SETUPS picks some (default: all of them, in this order).
setups="${BENCH_SETUPS:-kernel-vxlan c-tap-udp wireguard-go tinc-switch l2mesh-vxlan l2mesh-tunnel l2mesh-busy-poll}"

as_node_hosts() { # measure with the node namespaces as the hosts (for the kernel's vxlan and L3 tunnels)
    local saved_a=$ns_a saved_b=$ns_b
    ns_a=$ua ns_b=$ub
    measure "$1"
    ns_a=$saved_a ns_b=$saved_b
}

run_kernel_vxlan() { # (a) the kernel's vxlan between the node namespaces
    for side in a b; do
        ns=$ua local=198.18.93.1 remote=198.18.93.2 addr=$addr_a dev=tbva$id
        [ $side = b ] && ns=$ub local=198.18.93.2 remote=198.18.93.1 addr=$addr_b dev=tbvb$id
        ip -n $ns link add vx0 type vxlan id 42 local $local remote $remote dstport 4789 dev $dev
        ip -n $ns addr add $addr/24 dev vx0; ip -n $ns link set vx0 up
    done
    as_node_hosts kernel-vxlan
}

run_c_tap_udp() { # the C TAP-over-UDP reference forwarder (bench/reference/tapudp.c): no crypto, no offloads,
    # one thread per direction per node. Hosts on TAPs of MTU 1380 like the tunnel's.
    gcc -O2 -pthread -o "$work/tapudp" "$here/bench/reference/tapudp.c"
    hosts
    for node in a b; do
        ns=$ua local=198.18.93.1 remote=198.18.93.2 host=$ns_a addr=$addr_a
        [ $node = b ] && ns=$ub local=198.18.93.2 remote=198.18.93.1 host=$ns_b addr=$addr_b
        ip netns exec $ns "$work/tapudp" tbc$node$id $local 51821 $remote > "$work/c-$node.log" 2>&1 &
        daemons+=($!)
        for _ in $(seq 50); do grep -q ready "$work/c-$node.log" && break; sleep 0.1; done
        grep -q ready "$work/c-$node.log" || { cat "$work/c-$node.log"; exit 1; }
        ip -n $ns link set tbc$node$id netns $host
        ip -n $host addr add $addr/24 dev tbc$node$id
        ip -n $host link set tbc$node$id mtu 1380 up
    done
    measure c-tap-udp
}

run_wireguard_go() { # wireguard-go (Debian's package), an L3 tunnel: the node namespaces are the hosts
    command -v wireguard-go > /dev/null && command -v wg > /dev/null || {
        echo "bench: wireguard-go skipped (apt-get install wireguard-go wireguard-tools)" | tee -a "$out"; return; }
    for node in a b; do
        ns=$ua local=198.18.93.1 remote=198.18.93.2 addr=$addr_a other=b
        [ $node = b ] && ns=$ub local=198.18.93.2 remote=198.18.93.1 addr=$addr_b other=a
        (umask 077; wg genkey > "$work/wg-$node.key")
        wg pubkey < "$work/wg-$node.key" > "$work/wg-$node.pub"
    done
    for node in a b; do
        ns=$ua remote=198.18.93.2 addr=$addr_a other=b
        [ $node = b ] && ns=$ub remote=198.18.93.1 addr=$addr_b other=a
        ip netns exec $ns env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go -f tbw$node$id \
            > "$work/wg-$node.log" 2>&1 &
        daemons+=($!)
        for _ in $(seq 50); do ip -n $ns link show tbw$node$id > /dev/null 2>&1 && break; sleep 0.1; done
        ip netns exec $ns wg set tbw$node$id private-key "$work/wg-$node.key" listen-port 51822 \
            peer "$(cat "$work/wg-$other.pub")" endpoint $remote:51822 allowed-ips 198.18.92.0/24
        ip -n $ns addr add $addr/24 dev tbw$node$id; ip -n $ns link set tbw$node$id up
    done
    as_node_hosts wireguard-go
}

run_tinc_switch() { # tinc 1.0 in switch mode (Debian's package, its default cipher and digest), on its TAP
    command -v tincd > /dev/null || { echo "bench: tinc skipped (apt-get install tinc)" | tee -a "$out"; return; }
    for node in a b; do
        local dir="$work/tinc-$node" local_addr=198.18.93.1
        [ $node = b ] && local_addr=198.18.93.2
        mkdir -p "$dir/hosts"
        printf 'Name = %s\nMode = switch\nDeviceType = tap\nInterface = tbn%s%s\nAddressFamily = ipv4\n' \
            $node $node $id > "$dir/tinc.conf"
        printf 'BindToAddress = %s\nPort = 655\nConnectTo = %s\n' $local_addr "$([ $node = a ] && echo b || echo a)" \
            >> "$dir/tinc.conf"
        printf 'Address = %s\nPort = 655\n' $local_addr > "$dir/hosts/$node"
        tincd -c "$dir" -K 2048 < /dev/null > /dev/null 2>&1
    done
    cp "$work/tinc-a/hosts/a" "$work/tinc-b/hosts/a"; cp "$work/tinc-b/hosts/b" "$work/tinc-a/hosts/b"
    hosts
    for node in a b; do
        ns=$ua host=$ns_a addr=$addr_a
        [ $node = b ] && ns=$ub host=$ns_b addr=$addr_b
        ip netns exec $ns tincd -c "$work/tinc-$node" -D --pidfile="$work/tinc-$node/pid" \
            --logfile="$work/tinc-$node.log" > /dev/null 2>&1 &
        daemons+=($!)
        for _ in $(seq 50); do ip -n $ns link show tbn$node$id > /dev/null 2>&1 && break; sleep 0.1; done
        ip -n $ns link set tbn$node$id netns $host
        ip -n $host addr add $addr/24 dev tbn$node$id; ip -n $host link set tbn$node$id up
    done
    for _ in $(seq 100); do ip netns exec $ns_a ping -c 1 -W 1 $addr_b > /dev/null 2>&1 && break; sleep 0.1; done
    measure tinc-switch
}

run_l2mesh_vxlan() { # (b) l2mesh VXLAN ports
    l2mesh_nodes "  - {name: vx0, type: vxlan, local: 198.18.93.1, vni: 42, remotes: [198.18.93.2]}" \
        "  - {name: vx0, type: vxlan, local: 198.18.93.2, vni: 42, remotes: [198.18.93.1]}" 1450
    measure l2mesh-vxlan
}

tunnel_yaml() { # node, its address, the other node, its address
    printf '  - name: mesh0\n    type: tunnel\n    listen: %s:51820\n    private-key-file: %s/%s.key\n' \
        "$2" "$work" "$1"
    printf '    peers:\n      - {name: %s, public-key: "%s", endpoint: "%s:51820"}\n' "$3" "$(cat "$work/$3.pub")" "$4"
}

tunnel_nodes() {
    (umask 077; "$l2mesh" keygen > "$work/a.key"; "$l2mesh" keygen > "$work/b.key")
    "$l2mesh" pubkey < "$work/a.key" > "$work/a.pub"; "$l2mesh" pubkey < "$work/b.key" > "$work/b.pub"
    l2mesh_nodes "$(tunnel_yaml a 198.18.93.1 b 198.18.93.2)" "$(tunnel_yaml b 198.18.93.2 a 198.18.93.1)" 1380
}

tunnel_allocation() { # label: bytes both daemons' datapath threads allocate per frame during a 64 B UDP run
    # JFR's ThreadAllocationStatistics (the JVM's exact per-thread counters) at the start and end of a recording;
    # the runs before have warmed the JIT. Frames: what node b's iperf3 received (each was sealed and opened once).
    local jcmd=/usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd jfr=/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr pid pps
    for pid in "${daemons[@]}"; do "$jcmd" "$pid" JFR.start name=alloc settings=profile > /dev/null; done
    pps=$(udp64)
    for pid in "${daemons[@]}"; do
        "$jcmd" "$pid" JFR.stop name=alloc filename="$work/alloc-$pid.jfr" > /dev/null
        "$jfr" print --json --events jdk.ThreadAllocationStatistics "$work/alloc-$pid.jfr" > "$work/alloc-$pid.json"
        if [ -n "${BENCH_ALLOCATION_SITES:-}" ]; then # where the datapath allocates, for whoever hunts it down
            "$jfr" print --events jdk.ObjectAllocationSample --stack-depth 8 "$work/alloc-$pid.jfr" |
                grep -A9 'eventThread = "l2mesh-dp-' >> "$out" || echo "bench: no allocation samples on $pid"
        fi
    done
    python3 - "$pps" "$duration" "$1" "$work"/alloc-*.json <<'PY' | tee -a "$out"
import json, sys
pps, seconds, label = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
total, threads = 0, 0
for path in sys.argv[4:]:
    per = {}
    for event in json.load(open(path))["recording"]["events"]:
        name = (event["values"].get("thread") or {}).get("javaName") or ""
        if name.startswith("l2mesh-dp-"):
            per.setdefault(name, []).append(event["values"]["allocated"])
    for values in per.values():
        if len(values) >= 2:
            total += max(values) - min(values)
            threads += 1
frames = pps * seconds
print("bench: %s allocation: %d bytes on %d datapath threads for %.0f frames = %.1f bytes per frame (sealed and "
      "opened once each)" % (label, total, threads, frames, total / frames if frames else 0))
PY
    rm -f "$work"/alloc-*
}

run_l2mesh_tunnel() { # (c) and (d) the encrypted tunnel, then with FEC (10, 4) switched on at run time
    tunnel_nodes
    measure l2mesh-tunnel
    tunnel_allocation l2mesh-tunnel
    for node in a b; do ip netns exec $([ $node = a ] && echo $ua || echo $ub) "$l2mesh" ctl \
        --socket "$work/$node.sock" fec set mesh0 10 4 > /dev/null; done
    # With ISA-L (libisal2) the nodes code natively at once; without it the first FEC frames start the SIMD
    # loop's warm-up (fec/WarmingCodingLoop): measure once both nodes use a fast loop.
    ip netns exec $ns_a ping -c 20 -i 0.01 $addr_b > /dev/null
    for node in a b; do
        for _ in $(seq 300); do
            ip netns exec $([ $node = a ] && echo $ua || echo $ub) "$l2mesh" ctl --socket "$work/$node.sock" \
                fec show | grep -q "coding loop: \(vector\|isa-l\)" && break
            sleep 0.1
        done
        echo "bench: node $node $(ip netns exec $([ $node = a ] && echo $ua || echo $ub) "$l2mesh" ctl \
            --socket "$work/$node.sock" fec show | grep "coding loop")" | tee -a "$out"
    done
    measure l2mesh-tunnel-fec
}

run_l2mesh_busy_poll() { # the encrypted tunnel with the opt-in low-latency mode: loops poll for 100 ms after
    # their last frame instead of sleeping (switch.busy-poll-us), so a ping every 10 ms finds them running. Same 2
    # loops per node as the other setups (BUSY_POLL_LOOPS=1 gives each node's one loop a core of its own).
    loops=${BUSY_POLL_LOOPS:-2} busy_poll_us=100000 tunnel_nodes
    measure l2mesh-busy-poll
}

for setup in $setups; do
    underlay
    "run_${setup//-/_}"
    teardown
done

python3 - "$work/results" <<'PY' | tee -a "$out"
import sys
rows = {line.split()[0]: [float(v) for v in line.split()[1:]] for line in open(sys.argv[1])}
ref, c = rows.get("kernel-vxlan"), rows.get("c-tap-udp")
print("%-20s %12s %14s %9s %9s %10s %10s %9s %11s" % ("setup", "TCP Gbit/s", "64B UDP pk/s", "RTT p50", "RTT p99",
      "TCP/(a)", "UDP/(a)", "TCP/C", "RTT p50/C"))
ratio = lambda a, b: "%.2f" % (a / b) if b else "-"
for name, v in rows.items():
    print("%-20s %12.2f %14.0f %9.0f %9.0f %10s %10s %9s %11s" % (name, v[0], v[1], v[2], v[3],
          ratio(v[0], ref and ref[0]), ratio(v[1], ref and ref[1]), ratio(v[0], c and c[0]),
          ratio(v[2], c and c[2])))
for mine in ("l2mesh-tunnel", "l2mesh-busy-poll"):
    for other in ("wireguard-go", "tinc-switch"):
        if mine in rows and other in rows:
            t, o = rows[mine], rows[other]
            print("%s vs %s: TCP %.2fx, 64 B UDP %.2fx, RTT p50 %.2fx" % (mine, other, t[0] / o[0], t[1] / o[1],
                  t[2] / o[2]))
fec, plain = rows.get("l2mesh-tunnel-fec"), rows.get("l2mesh-tunnel")
if fec and plain:
    print("FEC (10, 4) keeps %.0f %% of the encrypted tunnel's TCP throughput" % (100 * fec[0] / plain[0]))
PY
echo "bench: results in ${out#$here/}"
