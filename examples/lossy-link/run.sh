#!/usr/bin/env bash
# A lossy link, and what FEC does about it: the two nodes of ../vpn-overlay with 5 % random loss impaired on
# both tunnel ports (this kernel has no netem; l2mesh's impairment stage drops the packets). A 5 Mbit/s UDP stream
# between the hosts loses about 5 % without FEC; with FEC (10, 4) almost nothing. Each is measured after a first
# run of the same traffic (a cold JVM loses frames while it compiles the path; with FEC the SIMD coding loop also
# takes over then). Run as root after building.
#
#   sudo examples/lossy-link/run.sh [LOSS_PERCENT=5] [SECONDS=5]
set -euo pipefail
loss=${1:-5}
seconds=${2:-5}
. "$(dirname "$0")/../vpn-overlay/nodes.sh"
# FEC goes on at run time (fec set), not in the config, so the nodes load the SIMD coding loop's module anyway.
export L2MESH_FEC_SIMD=${L2MESH_FEC_SIMD:-1}
trap nodes_down EXIT

nodes_up "    impair: {loss: $loss}"
host_exec a ping -c 3 -i 0.2 -W 2 198.18.91.2 > /dev/null || true # ARP and sessions settle

udp_loss() { # -> percent of datagrams lost between the hosts
    # iperf3 sets a UDP test up with one datagram each way and no retry (esnet/iperf#862): on a link losing 5 %
    # each way about one run in ten fails with "unable to read from stream socket". Such runs are tried again.
    local attempt
    for attempt in 1 2 3 4; do
        host_exec b iperf3 -s -1 -D -B 198.18.91.2 -I "$WORK/iperf3.pid"
        for _ in $(seq 50); do # a daemonized iperf3 listens a little later; on a busy machine, well later
            host_exec b ss -Htln 'sport = :5201' | grep -q . && break
            sleep 0.1
        done
        host_exec a iperf3 -c 198.18.91.2 -u -b 5M -l 1000 -t "$seconds" -J > "$WORK/udp.json" || true
        kill "$(cat "$WORK/iperf3.pid" 2>/dev/null)" 2>/dev/null || true # a server left by a failed set-up
        rm -f "$WORK/iperf3.pid"
        grep -q '"error"' "$WORK/udp.json" && grep -q "unable to read from stream socket" "$WORK/udp.json" \
            && [ $attempt -lt 4 ] && continue
        break
    done
    python3 -c '
import json, sys
result = json.load(open(sys.argv[1]))
if "error" in result:
    sys.exit("iperf3: " + result["error"])
print("%.3f" % result["end"]["sum"]["lost_percent"])' "$WORK/udp.json"
}

warm_fec() { # the first seconds of FEC run cold code and the coding loops' warm-up: measure after them
    udp_loss > /dev/null || true
    for _ in $(seq 80); do
        if ! node_ctl a fec show | grep -q warming && ! node_ctl b fec show | grep -q warming; then
            return
        fi
        sleep 0.5
    done
}

udp_loss > /dev/null || true # the same for the plain path: its first run compiles the forwarding code
without=$(udp_loss)
node_ctl a fec set mesh0 10 4 > /dev/null
node_ctl b fec set mesh0 10 4 > /dev/null
warm_fec
with=$(udp_loss)
echo "impaired loss on the link: $loss %"
echo "delivered loss without FEC:  $without %"
echo "delivered loss with FEC (10, 4): $with %"
# Frames the sending host's TAP dropped before node a read them: loss FEC cannot see (a starved machine).
tap=${PREFIX:0:8}ta
echo "dropped in host a's TAP queue before l2mesh: $(host_exec a cat /sys/class/net/$tap/statistics/tx_dropped)"
node_ctl a impair show
node_ctl b fec show
