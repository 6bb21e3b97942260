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

echo "== trunk"
if ip -n $ns_trunk link add link lab-trunk name lab-trunk.10 type vlan id 10 2>/dev/null; then
    ip -n $ns_trunk addr add 198.18.10.9/24 dev lab-trunk.10
    ip -n $ns_trunk link set lab-trunk.10 up
    try "trunk VLAN 10 subinterface -> red" $ns_trunk 198.18.10.1
else
    echo "  (this kernel has no 802.1Q subinterfaces; a VM or a VLAN-aware host on lab-trunk sees VLANs 10 and 20 tagged)"
    ip netns exec $ns_trunk timeout 3 cat /sys/class/net/lab-trunk/operstate | sed 's/^/  lab-trunk is /'
fi
