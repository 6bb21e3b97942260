#!/usr/bin/env bash
# Two l2mesh nodes, each in a namespace of its own, joined by an encrypted tunnel over a veth "internet";
# each bridges a host namespace on a TAP. The hosts ping each other through the tunnel, then the nodes show
# their peers. Everything is removed at the end. Run as root after building (see README).
#
#   sudo examples/vpn-overlay/run.sh [--restart]
#
# With --restart, node B is then killed (kill -9) and started again; the script prints how long until host A
# reaches host B once more (node A notices the new sessions by itself).
set -euo pipefail
. "$(dirname "$0")/nodes.sh"
trap nodes_down EXIT

nodes_up
echo "== keys: node A $(cat "$WORK/a.pub"), node B $(cat "$WORK/b.pub")"
status=0
echo "== host A (198.18.91.1) -> host B (198.18.91.2) through the tunnel"
host_exec a ping -c 3 -i 0.2 -W 2 198.18.91.2 | sed 's/^/  /' || status=1
echo "== host B -> host A"
host_exec b ping -c 3 -i 0.2 -W 2 198.18.91.1 | sed 's/^/  /' || status=1
echo "== node A's peers"
node_ctl a peer list
echo "== node A's port counters"
node_ctl a stats | head -5
if [ "${1:-}" = --restart ]; then
    echo "== node B killed (kill -9) and started again"
    start=$(date +%s%N)
    node_restart b
    back=
    for _ in $(seq 100); do
        if host_exec a ping -c 1 -W 1 198.18.91.2 > /dev/null 2>&1; then back=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
    done
    if [ -n "$back" ]; then echo "  host B reachable again ${back} ms after the kill"; else echo "  host B NOT reachable again"; status=1; fi
    node_ctl a peer list
fi
exit $status
