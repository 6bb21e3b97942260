# Two l2mesh nodes joined by an encrypted tunnel (sourced by run.sh here and by ../lossy-link/run.sh).
#
# Layout (PREFIX defaults to ovl-$$; addresses in 198.18.0.0/15, the benchmarking range):
#   namespace $PREFIX-ua  198.18.90.1 --veth (the "internet") -- 198.18.90.2  namespace $PREFIX-ub
#     node A: bin/l2mesh in ua, tunnel on 198.18.90.1:51820   node B: in ub, tunnel on 198.18.90.2:51820
#   namespace $PREFIX-ha  198.18.91.1 on node A's TAP          namespace $PREFIX-hb  198.18.91.2 on B's TAP
# Keys come from `l2mesh keygen` / `l2mesh pubkey`; the daemons' configs, keys and logs are in $WORK.
# Call nodes_up [extra tunnel settings as YAML lines], then use node_ctl a|b ..., host_exec a|b ...;
# nodes_down runs on exit.

L2MESH="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/bin/l2mesh"
PREFIX=${PREFIX:-ovl-$$}
WORK=$(mktemp -d)
NODE_PIDS=()

nodes_down() {
    set +e
    for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    wait 2>/dev/null
    for ns in ua ub ha hb; do ip netns del "$PREFIX-$ns" 2>/dev/null; done
    rm -rf "$WORK"
}

node_ctl() { # a|b, ctl arguments...
    local node=$1
    shift
    ip netns exec "$PREFIX-u$node" "$L2MESH" ctl --socket "$WORK/$node.sock" "$@"
}

host_exec() { # a|b, command...
    local node=$1
    shift
    ip netns exec "$PREFIX-h$node" "$@"
}

nodes_up() { # extra YAML lines for both tunnel ports (indented 4 spaces), optional
    local extra=${1:-}
    for ns in ua ub ha hb; do ip netns add "$PREFIX-$ns"; ip -n "$PREFIX-$ns" link set lo up; done
    ip link add "$PREFIX-va" type veth peer name "$PREFIX-vb"
    ip link set "$PREFIX-va" netns "$PREFIX-ua"
    ip link set "$PREFIX-vb" netns "$PREFIX-ub"
    ip -n "$PREFIX-ua" addr add 198.18.90.1/24 dev "$PREFIX-va"
    ip -n "$PREFIX-ub" addr add 198.18.90.2/24 dev "$PREFIX-vb"
    ip -n "$PREFIX-ua" link set "$PREFIX-va" up
    ip -n "$PREFIX-ub" link set "$PREFIX-vb" up

    (umask 077; "$L2MESH" keygen > "$WORK/a.key"; "$L2MESH" keygen > "$WORK/b.key")
    "$L2MESH" pubkey < "$WORK/a.key" > "$WORK/a.pub"
    "$L2MESH" pubkey < "$WORK/b.key" > "$WORK/b.pub"

    local node other address other_address
    for node in a b; do
        if [ $node = a ]; then other=b address=198.18.90.1 other_address=198.18.90.2
        else other=a address=198.18.90.2 other_address=198.18.90.1; fi
        cat > "$WORK/$node.yaml" <<YAML
switch:
  loops: 2
state-dir: $WORK/$node-state    # the tunnel keeps its peers' newest handshake timestamps here
ports:
  - name: ${PREFIX:0:8}t$node
    mac: 02:00:00:00:91:0$node    # stable, so a restarted node's host keeps its MAC (and the others' ARP entries)
  - name: mesh0
    type: tunnel
    listen: $address:51820
    private-key-file: $WORK/$node.key
$extra
    peers:
      - name: $other
        public-key: "$(cat "$WORK/$other.pub")"
        endpoint: $other_address:51820
control:
  socket: $WORK/$node.sock
YAML
        ip netns exec "$PREFIX-u$node" "$L2MESH" run -c "$WORK/$node.yaml" > "$WORK/$node.log" 2>&1 &
        NODE_PIDS+=($!)
    done
    for node in a b; do
        node_attach $node
    done
}

node_attach() { # a|b: wait for the node's daemon, move its TAP to the host namespace
    local node=$1 tap=${PREFIX:0:8}t$1 host=198.18.91.1/24
    [ "$node" = b ] && host=198.18.91.2/24
    for _ in $(seq 150); do grep -q "l2mesh: ready" "$WORK/$node.log" && break; sleep 0.1; done
    grep -q "l2mesh: ready" "$WORK/$node.log" || { cat "$WORK/$node.log"; return 1; }
    ip -n "$PREFIX-u$node" link set "$tap" netns "$PREFIX-h$node"
    ip -n "$PREFIX-h$node" addr add $host dev "$tap"
    ip -n "$PREFIX-h$node" link set "$tap" mtu 1380 up
}

node_restart() { # a|b: kill -9 the node's daemon (its TAP and sessions die with it) and start it again
    local node=$1 index=0
    [ "$node" = b ] && index=1
    kill -9 "${NODE_PIDS[$index]}" 2>/dev/null
    wait "${NODE_PIDS[$index]}" 2>/dev/null || true
    ip netns exec "$PREFIX-u$node" "$L2MESH" run -c "$WORK/$node.yaml" > "$WORK/$node.log" 2>&1 &
    NODE_PIDS[$index]=$!
    node_attach "$node"
}
