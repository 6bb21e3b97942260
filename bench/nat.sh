#!/usr/bin/env bash
# NAT bench: throughput and RTT of three paths of one l2mesh mesh, in one invocation (docs/nat.md):
#   (a) direct, no NAT:      c and p, both on the underlay's "internet" with public addresses;
#   (b) direct through NATs: a and b, each behind its own cone NAT (nftables masquerade), punched through;
#   (c) relayed:             s, behind a symmetric NAT (masquerade random,fully-random), and b, through p
#                            (relay: {pair-mbps: BENCH_PAIR_MBPS}, default 100000: uncapped; the product's
#                            default allowance is 200 Mbit/s per pair);
# and the ratios of (b) and (c) to (a). etcd runs on the internet namespace; every node has only the registry
# in its config. Each path: 10 s of TCP first (BENCH_WARMUP_S, JIT), then iperf3 TCP, 1 stream, DURATION s,
# and ping RTT p50/p99 over PINGS pings at 10 ms intervals. The script checks each pair's path (peer list)
# before measuring it and stops if it is not the one named.
#
# usage: sudo bench/nat.sh [DURATION_S=10] [PINGS=500]     (build first: mvn -q -B -DskipTests package)
# Results go to bench/results/nat-<git sha>-<utc time>.txt as well as stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10}"
pings="${2:-500}"
warmup="${BENCH_WARMUP_S:-10}"
# The relay's allowance per pair (RelaySpec: default 200 Mbit/s); the bench measures what the relay can carry.
pair_mbps="${BENCH_PAIR_MBPS:-100000}"
id=$$
P=nb$id
sha=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$here/bench/results"
out="$here/bench/results/nat-$sha-$(date -u +%Y%m%dT%H%M%SZ).txt"
work=$(mktemp -d)
l2mesh="$here/bin/l2mesh"
pids=()
for tool in iperf3 ping python3 ip nft etcd; do command -v $tool >/dev/null || { echo "bench: needs $tool" >&2; exit 2; }; done
namespaces=()

teardown() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "${namespaces[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}
trap 'teardown; rm -rf "$work"' EXIT

newns() { ip netns add "$1"; ip -n "$1" link set lo up; namespaces+=("$1")
    ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1; }
n=0
plug() { # NS ADDRESS: a veth from NS to the internet's bridge
    n=$((n + 1))
    ip link add "$P-w$n" type veth peer name "$P-b$n"
    ip link set "$P-b$n" netns "$P-inet"; ip -n "$P-inet" link set "$P-b$n" master br0 up
    ip link set "$P-w$n" netns "$1"; ip -n "$1" addr add "$2/24" dev "$P-w$n"; ip -n "$1" link set "$P-w$n" up
    ip -n "$1" route add default via 198.18.200.254 2>/dev/null || true
}
site() { # NAME WAN-LAST LAN NAT-RULE: a router doing NAT-RULE for 198.18.LAN.0/24, a host at .2 behind it
    newns "$P-$1r"; newns "$P-$1"
    plug "$P-$1r" "198.18.200.$2"
    ip link add "$P-$1l" type veth peer name "$P-$1h"
    ip link set "$P-$1l" netns "$P-$1r"; ip link set "$P-$1h" netns "$P-$1"
    ip -n "$P-$1r" addr add "198.18.$3.1/24" dev "$P-$1l"; ip -n "$P-$1r" link set "$P-$1l" up
    ip -n "$P-$1" addr add "198.18.$3.2/24" dev "$P-$1h"; ip -n "$P-$1" link set "$P-$1h" up
    ip -n "$P-$1" route add default via "198.18.$3.1"
    ip netns exec "$P-$1r" sysctl -q -w net.ipv4.ip_forward=1
    local wan="$P-w$n"
    ip netns exec "$P-$1r" nft -f - <<NFT
table ip l2bench {
  chain post { type nat hook postrouting priority srcnat; policy accept; oifname "$wan" $4; oifname "$wan" masquerade; }
  chain input { type filter hook input priority 0; policy drop; ct state established,related accept; iifname "lo" accept; iifname != "$wan" accept; }
}
NFT
}

newns "$P-inet"
ip -n "$P-inet" link add br0 type bridge; ip -n "$P-inet" addr add 198.18.200.254/24 dev br0
ip -n "$P-inet" link set br0 up
ip netns exec "$P-inet" etcd --name nat --data-dir "$work/etcd" --log-level warn \
    --listen-client-urls http://198.18.200.254:2379 --advertise-client-urls http://198.18.200.254:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster nat=http://127.0.0.1:2380 > "$work/etcd.log" 2>&1 &
pids+=($!)
newns "$P-p"; plug "$P-p" 198.18.200.1
newns "$P-c"; plug "$P-c" 198.18.200.4
site a 2 201 masquerade
site b 3 202 masquerade
site s 5 203 "masquerade random,fully-random"
"$l2mesh" authority keygen --out "$work/authority" > /dev/null

node() { # NAME OVERLAY-LAST [TUNNEL-EXTRA]: a node in namespace $P-NAME with the registry only
    local name=$1
    (umask 077; "$l2mesh" keygen > "$work/$name.key")
    local relay=""
    [ "$name" = p ] && relay=--relay # the authority lets p's entry say it relays
    "$l2mesh" authority sign --name "$name" --public-key "$("$l2mesh" pubkey < "$work/$name.key")" --expires 1d \
        $relay --key "$work/authority.key" > "$work/$name.cert"
    cat > "$work/$name.yaml" <<YAML
switch:
  loops: 1
state-dir: $work/$name-state
ports:
  - name: t$name
    mac: 02:00:00:98:00:$(printf %02x "$2")
  - name: mesh0
    type: tunnel
    listen: 0.0.0.0:51820
    private-key-file: $work/$name.key
    registry: true
${3:-}    peers: []
registry:
  etcd: ["http://198.18.200.254:2379"]
  mesh: bench
  lease-ttl: 10
  authority: $work/authority.pub
  certificate: $work/$name.cert
control:
  socket: $work/$name.sock
YAML
    ip netns exec "$P-$name" "$l2mesh" run -c "$work/$name.yaml" > "$work/$name.log" 2>&1 &
    pids+=($!)
}
node p 1 "    relay: {pair-mbps: $pair_mbps}
"
for name in c a b s; do node $name $(( $(printf '%d' "'$name") - 96 + 10 )); done
for name in p c a b s; do
    for _ in $(seq 600); do grep -q "l2mesh: ready" "$work/$name.log" && break; sleep 0.1; done
    grep -q "l2mesh: ready" "$work/$name.log" || { echo "node $name did not start:"; cat "$work/$name.log"; exit 1; }
done
overlay() { # NAME -> its overlay address
    case $1 in p) echo 198.19.0.1;; *) echo 198.19.0.$(( $(printf '%d' "'$1") - 96 + 10 ));; esac
}
for name in p c a b s; do
    ip -n "$P-$name" addr add "$(overlay $name)/24" dev "t$name"; ip -n "$P-$name" link set "t$name" mtu 1380 up
done

path() { # FROM TO -> FROM's path to TO
    "$l2mesh" ctl --socket "$work/$1.sock" peer list --json | python3 -c '
import json, sys
print(next((p["path"] for p in json.load(sys.stdin) if p["name"] == sys.argv[1]), "none"))' "$2"
}
await_path() { # FROM TO PREFIX: until FROM's path to TO starts with PREFIX (60 s)
    for _ in $(seq 600); do case "$(path "$1" "$2")" in "$3"*) return 0;; esac; sleep 0.1; done
    echo "bench: $1's path to $2 is '$(path "$1" "$2")', not '$3...'" >&2
    "$l2mesh" ctl --socket "$work/$1.sock" peer list >&2; exit 1
}
measure() { # LABEL FROM TO PATH-PREFIX -> "LABEL gbit p50 p99" on stdout
    local from=$1 to=$2 label=$4
    await_path "$from" "$to" "$3"; await_path "$to" "$from" "$3"
    ip netns exec "$P-$to" iperf3 -s -1 -D -B "$(overlay "$to")"; sleep 0.3
    ip netns exec "$P-$from" iperf3 -c "$(overlay "$to")" -t "$warmup" > /dev/null
    ip netns exec "$P-$to" iperf3 -s -1 -D -B "$(overlay "$to")"; sleep 0.3
    ip netns exec "$P-$from" iperf3 -c "$(overlay "$to")" -t "$duration" -J > "$work/tcp.json"
    local gbit rtts
    gbit=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]/1e9))' "$work/tcp.json")
    ip netns exec "$P-$from" ping -c "$pings" -i 0.01 "$(overlay "$to")" > "$work/ping.txt"
    rtts=$(python3 -c '
import re, sys
v = sorted(float(x) * 1000 for x in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read()))
print("%.0f %.0f" % (v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))]))' "$work/ping.txt")
    echo "$label $gbit $rtts $(path "$from" "$to" | tr ' ' '=')"
}

flags=$(grep -o -w 'avx2\|avx512f\|avx512vl\|gfni\|vaes' /proc/cpuinfo | sort -u | tr '\n' ' ')
{
    echo "nat bench $sha $(date -u +%FT%TZ): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) vCPU, $flags"
    echo "iperf3 TCP 1 stream ${duration} s (after ${warmup} s warm-up), ping ${pings} x 10 ms, keepalive 5 s, MTU 1380, relay pair-mbps $pair_mbps"
} | tee "$out"
results=$(
    measure c p "direct " "no-NAT"
    measure a b "direct 198.18.200." "NAT-direct"
    measure s b "relay p" "relayed"
)
[ "$(echo "$results" | wc -l)" -eq 3 ] || { echo "bench: a path was not measured: $results" >&2; exit 1; }
python3 - "$results" <<'PY' | tee -a "$out"
import sys
rows = [line.split() for line in sys.argv[1].splitlines()]
base = float(rows[0][1])
print("%-11s %10s %9s %9s %8s  %s" % ("path", "TCP Gbit/s", "p50 us", "p99 us", "vs (a)", "peer list path"))
for label, gbit, p50, p99, path in rows:
    print("%-11s %10s %9s %9s %7.2fx  %s" % (label, gbit, p50, p99, float(gbit) / base, path.replace("=", " ")))
PY
echo "bench: results in $out"
