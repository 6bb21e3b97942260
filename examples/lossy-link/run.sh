#!/usr/bin/env bash
# A lossy link, and what FEC does about it: the two nodes of ../vpn-overlay with 5 % random loss impaired on
# both tunnel ports (this kernel has no netem; l2mesh's impairment stage drops the packets). A UDP stream
# between the hosts loses about 5 % without FEC; with FEC (10, 4) almost nothing. Run as root after building.
#
#   sudo examples/lossy-link/run.sh [LOSS_PERCENT=5] [SECONDS=5]
set -euo pipefail
loss=${1:-5}
seconds=${2:-5}
. "$(dirname "$0")/../vpn-overlay/nodes.sh"
trap nodes_down EXIT

nodes_up "    impair: {loss: $loss}"
host_exec a ping -c 3 -i 0.2 -W 2 198.18.91.2 > /dev/null || true # ARP and sessions settle

udp_loss() { # -> percent of datagrams lost between the hosts
    host_exec b iperf3 -s -1 -D -B 198.18.91.2
    sleep 0.3
    host_exec a iperf3 -c 198.18.91.2 -u -b 20M -l 1000 -t "$seconds" -J > "$WORK/udp.json"
    python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["end"]["sum"]["lost_percent"])' \
        "$WORK/udp.json"
}

without=$(udp_loss)
node_ctl a fec set mesh0 10 4 > /dev/null
node_ctl b fec set mesh0 10 4 > /dev/null
with=$(udp_loss)
echo "impaired loss on the link: $loss %"
echo "delivered loss without FEC:  $without %"
echo "delivered loss with FEC (10, 4): $with %"
node_ctl a impair show
node_ctl b fec show
