#!/usr/bin/env bash
# Two QEMU VMs and a network namespace on one l2mesh switch, all in VLAN 10:
#   vm1  -netdev stream  -> unix port vm1 (/run/l2mesh/vm-lab/vm1.sock)   198.18.50.1
#   vm2  -netdev dgram   -> unix port vm2 (/run/l2mesh/vm-lab/vm2.sock)   198.18.50.2
#   namespace vmlab-ns on a veth, attached through raw port vmlab-v0      198.18.50.3
# The VMs ping each other and the namespace, the namespace pings both VMs, then everything is torn down
# (pass --keep to leave it running; the VMs' consoles are in $RUN/vm1.log and vm2.log).
#
#   sudo examples/vm-lab/run.sh [--keep]
#
# VMLAB_PREFIX (default vmlab, at most 11 characters) names the namespace, the veth pair and the run
# directory, so several labs (or a test) can run side by side; VMLAB_IMAGE is where build-image.sh caches.
# Needs root (namespace, veth, raw port). QEMU runs with software emulation; no KVM needed.
set -euo pipefail
cd "$(dirname "$0")/../.."
KEEP=${1:-}
PREFIX=${VMLAB_PREFIX:-vmlab}
RUN=/run/l2mesh/$PREFIX
IMAGE=${VMLAB_IMAGE:-/var/cache/l2mesh-vm-lab}
NS=$PREFIX-ns
V0=$PREFIX-v0
V1=$PREFIX-v1
pids=()

cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
    ip link del "$V0" 2>/dev/null
}
trap cleanup EXIT

examples/vm-lab/build-image.sh "$IMAGE"
[[ -s control/target/l2mesh.jar ]] || mvn -q -B -DskipTests package

cleanup
mkdir -p "$RUN"
rm -f "$RUN"/*.sock "$RUN"/*.log
ip netns add "$NS"
ip link add "$V0" type veth peer name "$V1"
ip link set "$V1" netns "$NS"
ip -n "$NS" addr add 198.18.50.3/24 dev "$V1"
ip -n "$NS" link set "$V1" up
ip -n "$NS" link set lo up

cat > "$RUN/l2mesh.yaml" <<YAML
switch:
  loops: 2
ports:
  - name: vm1
    type: unix
    framing: stream
    path: $RUN/vm1.sock
    vlan: 10
  - name: vm2
    type: unix
    framing: dgram
    path: $RUN/vm2.sock
    vlan: 10
  - name: $V0
    type: raw
    vlan: 10
control:
  socket: $RUN/ctl.sock
YAML
bin/l2mesh run -c "$RUN/l2mesh.yaml" > "$RUN/l2mesh.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -S $RUN/ctl.sock ]] && break; sleep 0.1; done
ctl() { bin/l2mesh ctl --socket "$RUN/ctl.sock" "$@"; }

vm() { # name mac ip ping-targets netdev...
    local name=$1 mac=$2 ip=$3 targets=$4
    shift 4
    qemu-system-x86_64 -accel tcg -m 192 -nographic -no-reboot -nodefaults -serial stdio \
        -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initramfs.gz" \
        -append "console=ttyS0 quiet panic=-1 vmlab.ip=$ip vmlab.ping=$targets" \
        -netdev "$@" -device "virtio-net-pci,netdev=n0,mac=$mac" < /dev/null > "$RUN/$name.log" 2>&1 &
    pids+=($!)
}
vm vm1 52:54:00:00:50:01 198.18.50.1/24 198.18.50.3 \
    "stream,id=n0,server=off,addr.type=unix,addr.path=$RUN/vm1.sock"
vm vm2 52:54:00:00:50:02 198.18.50.2/24 198.18.50.1,198.18.50.3 \
    "dgram,id=n0,local.type=unix,local.path=$RUN/qemu-vm2.sock,remote.type=unix,remote.path=$RUN/vm2.sock"

await() { # name, number of ping results to wait for (bounded: 2 minutes)
    for _ in $(seq 240); do
        (( $(grep -c "VMLAB PING" "$RUN/$1.log" 2>/dev/null || true) >= $2 )) && return
        sleep 0.5
    done
}
status=0
await vm1 1
await vm2 2
for name in vm1 vm2; do
    grep "VMLAB" "$RUN/$name.log" | tr -d '\r' | sed "s/^/$name: /" || true
    grep -q "VMLAB PING FAILED" "$RUN/$name.log" && status=1
    grep -q "VMLAB PING OK 198.18.50.3" "$RUN/$name.log" || status=1
done
for ip in 198.18.50.1 198.18.50.2; do
    if ip netns exec "$NS" ping -c 3 -W 2 "$ip" > /dev/null; then echo "$NS: ping $ip OK"; else echo "$NS: ping $ip FAILED"; status=1; fi
done
ctl port list
ctl stats
if ((status)); then
    for log in "$RUN"/vm1.log "$RUN"/vm2.log "$RUN"/l2mesh.log; do
        echo "--- $log"
        tail -n 40 "$log" | tr -d '\r'
    done
fi
if [[ $KEEP == --keep ]]; then
    echo "running; consoles in $RUN/vm1.log, $RUN/vm2.log; Ctrl-C to stop"
    wait
fi
exit $status
