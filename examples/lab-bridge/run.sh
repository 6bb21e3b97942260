#!/usr/bin/env bash
# Bridges three namespaces through l2mesh: red and blue in VLAN 10, and a trunk namespace that reaches VLANs
# 10 and 20 tagged. Shows who can reach whom, then cleans up. Run as root after building (see README).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
l2mesh="$here/../../bin/l2mesh"
ns_red=lab-red-$$ ns_blue=lab-blue-$$ ns_green=lab-green-$$ ns_trunk=lab-trunk-$$
log=$(mktemp)
daemon=

cleanup() {
    [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    for ns in $ns_red $ns_blue $ns_green $ns_trunk; do ip netns del "$ns" 2>/dev/null || true; done
    rm -f "$log"
}
trap cleanup EXIT

"$l2mesh" run -c "$here/lab-bridge.yaml" >"$log" 2>&1 &
daemon=$!
for _ in $(seq 100); do grep -q "l2mesh: ready" "$log" && break; sleep 0.1; done
grep -q "l2mesh: ready" "$log" || { cat "$log"; exit 1; }
cat "$log" | grep -v INFO

attach() { # namespace tap address
    ip netns add "$1"
    ip link set "$2" netns "$1"
    ip -n "$1" link set lo up
    ip -n "$1" link set "$2" up
    [ -n "${3:-}" ] && ip -n "$1" addr add "$3" dev "$2"
    return 0
}
attach $ns_red lab-red 198.18.10.1/24
attach $ns_blue lab-blue 198.18.10.2/24
attach $ns_green lab-green 198.18.10.3/24
attach $ns_trunk lab-trunk

try() { # description namespace address
    if ip netns exec "$2" ping -c 2 -i 0.2 -W 1 "$3" >/dev/null 2>&1; then echo "  $1: reachable"; else echo "  $1: unreachable"; fi
}
echo "== access ports"
try "red -> blue  (both VLAN 10)" $ns_red 198.18.10.2
try "red -> green (VLAN 10 -> 20)" $ns_red 198.18.10.3
try "green -> blue (VLAN 20 -> 10)" $ns_green 198.18.10.2

echo "== trunk (VLANs 10 and 20 tagged)"
trunk_mac=$(cat /sys/class/net/lab-trunk/address 2>/dev/null || ip netns exec $ns_trunk cat /sys/class/net/lab-trunk/address)
if ip -n $ns_trunk link add link lab-trunk name lab-trunk.10 type vlan id 10 2>/dev/null; then
    ip -n $ns_trunk addr add 198.18.10.9/24 dev lab-trunk.10
    ip -n $ns_trunk link set lab-trunk.10 up
    try "trunk VLAN 10 subinterface -> red" $ns_trunk 198.18.10.1
else
    # Kernels built without 802.1Q subinterfaces: a raw socket plays the VLAN-aware host.
    answered=$(ip netns exec $ns_trunk python3 "$here/vlan_arp_probe.py" lab-trunk "$trunk_mac" \
        10,198.18.10.9,198.18.10.1 20,198.18.10.9,198.18.10.3 10,198.18.10.9,198.18.10.3)
    for probe in "0 red in VLAN 10" "1 green in VLAN 20" "2 green asked in VLAN 10"; do
        index=${probe%% *}
        if [[ " $answered " == *" $index "* ]]; then echo "  trunk -> ${probe#* }: answered, tagged"; else echo "  trunk -> ${probe#* }: no answer"; fi
    done
fi
