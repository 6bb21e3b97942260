#!/usr/bin/env bash
# A mesh that forms itself: Debian's etcd in a namespace, a mesh authority, and N l2mesh nodes in namespaces
# of their own on one underlay bridge, each with only the registry in its config (no static peer). The script
# waits until every host reaches every other over the overlay and prints
#
#   mesh-etcd: N nodes, all N*(N-1) pairs reachable in S s
#
# (S counted from the moment the last node was ready; or which pairs are not, and exit 1), then the join time of
# one more node as seen by all, the removal time of a node killed with -9, memory per node, the CPU of the idle
# mesh, and what a broadcast costs the mesh. Everything is removed at the end. Run as root after building.
#
#   sudo examples/mesh-etcd/run.sh [N]        (N from 2 to 200, default 5)
#
# MEASURE=0 leaves out the memory, idle-CPU and broadcast measurements; TTL sets the lease (default 5 s);
# HOLD=S keeps the converged mesh up for S seconds, to look at; AOT=1 first records a JDK 25 AOT cache in a
# training run of one node and starts every node with it; KEEP_LOGS=DIR copies the daemons' logs there at the end.
#
# Layout (PREFIX defaults to me-$$; addresses in 198.18.0.0/15):
#   namespace $PREFIX-net: bridge br0, one veth per node and one for etcd (the underlay)
#   namespace $PREFIX-etcd: etcd on 198.18.96.254:2379
#   namespace $PREFIX-nI: node I's daemon, underlay 198.18.96.I/24, tunnel on 0.0.0.0:51820
#   namespace $PREFIX-hI: node I's host, 198.18.97.I/24 on the node's TAP
# The JVM of each node runs with L2MESH_JVM_OPTS (default below: a small heap and C1 only, see
# docs/BENCHMARKS.md for what each flag saves).
set -euo pipefail
N=${1:-5}
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 2 ] && [ "$N" -le 200 ] || { echo "usage: $0 [N: 2..200]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "mesh-etcd: needs root (namespaces, TAP devices)" >&2; exit 2; }
command -v etcd > /dev/null || { echo "mesh-etcd: needs etcd (apt-get install etcd-server)" >&2; exit 2; }
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
L2MESH="$HERE/../../bin/l2mesh"
PREFIX=${PREFIX:-me-$$}
WORK=$(mktemp -d)
export L2MESH_JVM_OPTS=${L2MESH_JVM_OPTS:--Xms8m -Xmx32m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k \
-XX:ReservedCodeCacheSize=24m}
PIDS=()
ETCD_PID=
TTL=${TTL:-5}

# The kernel's ARP table is one for all namespaces, 1024 entries by default (gc_thresh3): N hosts that each
# know N-1 others, plus the underlay, need about N*N. Beyond it the kernel drops with "neighbor table overflow"
# and sendmsg fails with ENOBUFS. Raised for the run, put back at the end.
NEIGH=net.ipv4.neigh.default
OLD_THRESH=$(sysctl -n $NEIGH.gc_thresh1 $NEIGH.gc_thresh2 $NEIGH.gc_thresh3 | tr '\n' ' ')
need=$(( 2 * (N + 1) * (N + 1) + 1024 ))
if [ "$need" -gt "$(sysctl -n $NEIGH.gc_thresh3)" ]; then
    sysctl -q -w $NEIGH.gc_thresh1=$(( need / 4 )) $NEIGH.gc_thresh2=$(( need / 2 )) $NEIGH.gc_thresh3=$need
fi

cleanup() {
    set +e
    read -r t1 t2 t3 <<< "$OLD_THRESH"
    sysctl -q -w $NEIGH.gc_thresh1="$t1" $NEIGH.gc_thresh2="$t2" $NEIGH.gc_thresh3="$t3"
    for pid in "${PIDS[@]}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; done
    [ -n "$ETCD_PID" ] && kill -TERM "$ETCD_PID" 2>/dev/null
    wait 2>/dev/null
    for ns in $(ip netns list | awk '{print $1}' | grep "^$PREFIX-"); do ip netns del "$ns" 2>/dev/null; done
    [ -n "${KEEP_LOGS:-}" ] && mkdir -p "$KEEP_LOGS" && cp "$WORK"/*.log "$KEEP_LOGS"/ 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

ip netns add "$PREFIX-net"
ip -n "$PREFIX-net" link add br0 type bridge
ip -n "$PREFIX-net" link set br0 up
underlay() { # NAMESPACE ADDRESS: a veth from the bridge into NAMESPACE
    local ns=$1 address=$2
    local end="u${ns##*-}"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$PREFIX-net" link add "b-$end" type veth peer name "$end"
    ip -n "$PREFIX-net" link set "$end" netns "$ns"
    ip -n "$PREFIX-net" link set "b-$end" master br0 up
    ip -n "$ns" addr add "$address/24" dev "$end"
    ip -n "$ns" link set "$end" up
}

underlay "$PREFIX-etcd" 198.18.96.254
ip netns exec "$PREFIX-etcd" etcd --name mesh --data-dir "$WORK/etcd" --log-level warn \
    --listen-client-urls http://198.18.96.254:2379 --advertise-client-urls http://198.18.96.254:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster mesh=http://127.0.0.1:2380 > "$WORK/etcd.log" 2>&1 &
ETCD_PID=$!

"$L2MESH" authority keygen --out "$WORK/authority" > /dev/null

node_config() { # I: keys, certificate and config of node I
    local i=$1
    (umask 077; "$L2MESH" keygen > "$WORK/n$i.key")
    "$L2MESH" pubkey < "$WORK/n$i.key" > "$WORK/n$i.pub"
    "$L2MESH" authority sign --name "n$i" --public-key "$(cat "$WORK/n$i.pub")" --expires 1d \
        --key "$WORK/authority.key" > "$WORK/n$i.cert"
    cat > "$WORK/n$i.yaml" <<YAML
switch:
  loops: 1
state-dir: $WORK/n$i-state
ports:
  - name: t$i
    mac: 02:00:00:97:$(printf %02x $((i / 256))):$(printf %02x $((i % 256)))
  - name: mesh0
    type: tunnel
    listen: 0.0.0.0:51820
    private-key-file: $WORK/n$i.key
    registry: true
    peers: []
registry:
  etcd: ["http://198.18.96.254:2379"]
  mesh: demo
  lease-ttl: $TTL
  authority: $WORK/authority.pub
  certificate: $WORK/n$i.cert
control:
  socket: $WORK/n$i.sock
YAML
}

node_start() { # I
    local i=$1
    [ -e "/run/netns/$PREFIX-n$i" ] || underlay "$PREFIX-n$i" "198.18.96.$i"
    ip netns exec "$PREFIX-n$i" "$L2MESH" run -c "$WORK/n$i.yaml" > "$WORK/n$i.log" 2>&1 &
    PIDS[$i]=$!
}

node_attach() { # I: wait for "ready", move the TAP into the host namespace
    local i=$1
    for _ in $(seq 1200); do grep -q "l2mesh: ready" "$WORK/n$i.log" && break; sleep 0.1; done
    grep -q "l2mesh: ready" "$WORK/n$i.log" || { echo "node n$i did not start:"; cat "$WORK/n$i.log"; exit 1; }
    ip netns add "$PREFIX-h$i"
    ip -n "$PREFIX-h$i" link set lo up
    ip -n "$PREFIX-n$i" link set "t$i" netns "$PREFIX-h$i"
    ip -n "$PREFIX-h$i" addr add "198.18.97.$i/24" dev "t$i"
    ip -n "$PREFIX-h$i" link set "t$i" mtu 1380 up
    ip netns exec "$PREFIX-h$i" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
}

reach_all() { # I TARGETS... : from host I, ping each target until it answers (until DEADLINE); print failures
    local i=$1
    shift
    # One shell inside the host's namespace for all its targets: no namespace switch per attempt.
    ip netns exec "$PREFIX-h$i" bash -c '
        deadline=$1 i=$2
        shift 2
        for j in "$@"; do
            until ping -c 1 -W 1 "198.18.97.$j" > /dev/null 2>&1; do
                [ $(( $(date +%s%N) / 1000000 )) -lt "$deadline" ] || { echo "n$i -> n$j"; break; }
                sleep 0.2 # a ping that fails at once (no route yet) must not spin
            done
        done' reach "$DEADLINE" "$i" "$@"
}

sockets() { # I...: control sockets of these nodes
    local i
    for i in "$@"; do echo "$WORK/n$i.sock"; done
}

cpu_ticks() { # PIDS...: utime+stime of these processes and their threads, in clock ticks
    local total=0 pid
    for pid in "$@"; do
        total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

for _ in $(seq 100); do ip netns exec "$PREFIX-etcd" etcdctl --endpoints http://198.18.96.254:2379 endpoint health \
    > /dev/null 2>&1 && break; sleep 0.2; done
for i in $(seq "$N"); do node_config "$i"; done
if [ "${AOT:-0}" = 1 ]; then
    # A training run of node 1 (start, 8 s of life, stop) records the classes and profiles every node then uses.
    underlay "$PREFIX-n1" 198.18.96.1
    (export L2MESH_JVM_OPTS="$L2MESH_JVM_OPTS -XX:AOTCacheOutput=$WORK/l2mesh.aot"
     ip netns exec "$PREFIX-n1" "$L2MESH" run -c "$WORK/n1.yaml" > "$WORK/aot.log" 2>&1 &
     pid=$!; sleep 8; kill -TERM $pid; wait $pid) || true
    [ -s "$WORK/l2mesh.aot" ] || { echo "mesh-etcd: no AOT cache was written:"; tail -5 "$WORK/aot.log"; exit 1; }
    export L2MESH_JVM_OPTS="$L2MESH_JVM_OPTS -XX:AOTCache=$WORK/l2mesh.aot"
    ip netns exec "$PREFIX-etcd" etcdctl --endpoints http://198.18.96.254:2379 del --prefix /l2mesh/ > /dev/null
fi
started=$(now_ms)
# In waves of as many nodes as there are CPUs: fifty JVMs starting at once on two cores spend five times the
# CPU each (measured: 11 s against 2 s) and take minutes.
wave=$(nproc)
for first in $(seq 1 "$wave" "$N"); do
    last=$(( first + wave - 1 < N ? first + wave - 1 : N ))
    for i in $(seq "$first" "$last"); do node_start "$i"; done
    for i in $(seq "$first" "$last"); do node_attach "$i"; done
done
ready=$(now_ms)
echo "mesh-etcd: $N nodes started and ready in $(( (ready - started) / 1000 )).$(( (ready - started) % 1000 / 100 )) s"

# First every session (N*(N-1) of them, counted on both ends), then every pair over the overlay.
up=0
while [ "$(now_ms)" -lt $(( ready + 120000 )) ]; do
    # shellcheck disable=SC2046
    up=$(python3 "$HERE/peers.py" --up $(sockets $(seq "$N")))
    [ "$up" -ge $(( N * (N - 1) )) ] && break
    sleep 0.5
done
sessions=$(( $(now_ms) - ready ))
echo "mesh-etcd: $up of $((N * (N - 1))) sessions up $(( sessions / 1000 )).$(( sessions % 1000 / 100 )) s after" \
    "the last node was ready"
DEADLINE=$(( $(now_ms) + 120000 ))
: > "$WORK/unreachable"
for i in $(seq "$N"); do
    reach_all "$i" $(seq "$N" | grep -vx "$i") >> "$WORK/unreachable" &
done
# On peers.py's output (SOCKET COUNT name,name,...): every daemon answered, and lists NAME / none lists it.
all_list() { awk -v n="$1" '$2 < 0 || index("," $3 ",", "," n ",") == 0 {bad = 1} END {exit bad}'; }
none_lists() { awk -v n="$1" '$2 < 0 || index("," $3 ",", "," n ",") > 0 {bad = 1} END {exit bad}'; }

wait_jobs() { local pid; for pid in $(jobs -p); do case " ${PIDS[*]} $ETCD_PID " in *" $pid "*) ;; *) wait "$pid" || true;; esac; done; }
wait_jobs
converged=$(now_ms)
seconds=$(( (converged - ready) / 1000 )).$(( (converged - ready) % 1000 / 100 ))
status=0
if [ -s "$WORK/unreachable" ]; then
    echo "mesh-etcd: $N nodes, $(wc -l < "$WORK/unreachable") of $((N * (N - 1))) pairs NOT reachable after $seconds s:"
    sed 's/^/  /' "$WORK/unreachable" | head -50
    exit 1
fi
echo "mesh-etcd: $N nodes, all $((N * (N - 1))) pairs reachable in $seconds s"
if [ -n "${HOLD:-}" ]; then echo "mesh-etcd: holding for $HOLD s (work directory $WORK)"; sleep "$HOLD"; fi

if [ "${MEASURE:-1}" = 1 ]; then
    # Memory and idle CPU of the mesh.
    rss=0
    for i in $(seq "$N"); do rss=$(( rss + $(awk '/VmRSS/ {print $2}' "/proc/${PIDS[$i]}/status") )); done
    echo "mesh-etcd: memory per node $(( rss / N / 1024 )) MiB RSS (JVM options: $L2MESH_JVM_OPTS)"
    sleep 5
    hz=$(getconf CLK_TCK)
    t0=$(now_ms)
    before=$(cpu_ticks "${PIDS[@]}")
    sleep 10
    after=$(cpu_ticks "${PIDS[@]}")
    idle_us_per_s=$(( (after - before) * 1000000 / hz * 1000 / ($(now_ms) - t0) ))
    echo "mesh-etcd: idle mesh CPU $(( idle_us_per_s / 10000 )).$(( idle_us_per_s / 1000 % 10 )) % of one core" \
        "for all $N nodes ($(( idle_us_per_s / N )) us/s per node)"

    # What a broadcast costs: 100 broadcasts/s from host 1 for 10 s, each flooded to the N-1 other nodes.
    tx_before=$(python3 "$HERE/peers.py" --tx "$WORK/n1.sock")
    t0=$(now_ms)
    before=$(cpu_ticks "${PIDS[@]}")
    ip netns exec "$PREFIX-h1" ping -b -q -c 1000 -i 0.01 -W 1 198.18.97.255 > /dev/null 2>&1 || true
    after=$(cpu_ticks "${PIDS[@]}")
    elapsed=$(( $(now_ms) - t0 ))
    copies=$(( $(python3 "$HERE/peers.py" --tx "$WORK/n1.sock") - tx_before ))
    busy_us=$(( (after - before) * 1000000 / hz - idle_us_per_s * elapsed / 1000 ))
    echo "mesh-etcd: 1000 broadcasts from n1 left as $copies datagrams ($(( copies / 1000 )) per broadcast);" \
        "they cost the mesh $(( busy_us / 1000 )) us of CPU each beyond idle" \
        "($(( busy_us / (copies > 0 ? copies : 1) )) us per copy, sending and receiving)"
fi

# One more node joins: time until every existing host reaches it.
J=$((N + 1))
node_config "$J"
node_start "$J"
node_attach "$J"
joined=$(now_ms)
# Seen by all: first in every other node's peer list (the registry's part), then reached from every host.
listed=
while [ "$(now_ms)" -lt $(( joined + 60000 )) ]; do
    # shellcheck disable=SC2046
    if python3 "$HERE/peers.py" $(sockets $(seq "$N")) | all_list "n$J"; then listed=$(now_ms); break; fi
    sleep 0.1
done
DEADLINE=$(( joined + 60000 ))
: > "$WORK/unreachable"
for i in $(seq "$N"); do reach_all "$i" "$J" >> "$WORK/unreachable" & done
wait_jobs
if [ -s "$WORK/unreachable" ]; then
    echo "mesh-etcd: node n$J NOT reachable from: $(tr '\n' ' ' < "$WORK/unreachable")"; status=1
else
    join_ms=$(( $(now_ms) - joined ))
    list_ms=$(( ${listed:-0} - joined ))
    echo "mesh-etcd: node n$J joined: every host reached it $(( join_ms / 1000 )).$(( join_ms % 1000 / 100 )) s" \
        "after it was ready; it was in every peer list after" \
        "$( [ -n "$listed" ] && echo "$(( list_ms / 1000 )).$(( list_ms % 1000 / 100 )) s" || echo "(never)")"
fi

# A node killed with -9: time until it is gone from every other node's peer list (its lease expires). A node
# whose control socket does not answer counts as still listing it.
# shellcheck disable=SC2046
python3 "$HERE/peers.py" $(sockets $(seq 2 "$J")) | all_list n1 || {
    echo "mesh-etcd: n1 was not in every peer list before the kill"; status=1; }
kill -9 "${PIDS[1]}"
wait "${PIDS[1]}" 2>/dev/null || true
PIDS[1]=
killed=$(now_ms)
others=$(sockets $(seq 2 "$J"))
gone=
while [ "$(now_ms)" -lt $(( killed + TTL * 1000 + 30000 )) ]; do
    # shellcheck disable=SC2086
    if python3 "$HERE/peers.py" $others | none_lists n1; then gone=$(now_ms); break; fi
    sleep 0.1
done
if [ -n "$gone" ]; then
    echo "mesh-etcd: node n1 killed with -9 left every peer list after" \
        "$(( (gone - killed) / 1000 )).$(( (gone - killed) % 1000 / 100 )) s (lease-ttl $TTL s)"
else
    echo "mesh-etcd: node n1 killed with -9 is still someone's peer"; status=1
fi
exit $status
