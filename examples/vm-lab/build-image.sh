#!/usr/bin/env bash
# Builds what a vm-lab VM boots: Debian's kernel and a tiny busybox initramfs with virtio_net.
#
#   examples/vm-lab/build-image.sh [DIR]     (default DIR: /var/cache/l2mesh-vm-lab)
#
# Installs qemu-system-x86, busybox-static and cpio when missing, takes the kernel from Debian's linux-image
# package (downloaded, not installed) and writes DIR/vmlinuz and DIR/initramfs.gz. Reruns reuse DIR.
# The VM's /init reads its settings from the kernel command line:
#   vmlab.ip=198.18.0.2/24   address for eth0
#   vmlab.ping=A[,B...]      for each address: wait (up to 10 tries) for a first answer, then ping it 3 times and
#                            print "VMLAB PING OK A" only if all 3 came back, else "VMLAB PING FAILED A (n/3)"
#   vmlab.exit=1             power off afterwards (otherwise stay up, answering pings, with a shell on ttyS0)
set -euo pipefail

DIR=${1:-/var/cache/l2mesh-vm-lab}
mkdir -p "$DIR"
# The image is rebuilt when this script changes (a cached image with an older /init would report old results).
stamp=$(sha256sum "$0" | cut -d' ' -f1)
if [[ -s $DIR/vmlinuz && -s $DIR/initramfs.gz && $(cat "$DIR/built-by" 2>/dev/null) == "$stamp" ]]; then
    echo "vm-lab image ready in $DIR"
    exit 0
fi

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[[ -x /bin/busybox ]] || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
if ((${#missing[@]})); then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || true
fi
for tool in qemu-system-x86_64 cpio; do
    if ! command -v $tool >/dev/null || [[ ! -x /bin/busybox ]]; then
        echo "build-image: ${missing[*]} cannot be installed (apt-get install failed); no VMs on this machine" >&2
        exit 3
    fi
done
if ldd /bin/busybox >/dev/null 2>&1; then
    echo "build-image: /bin/busybox is dynamically linked; install busybox-static" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
(cd "$work" && apt-get download "$package" >/dev/null 2>&1)
dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
release=$(ls "$work/kernel/lib/modules")
cp "$work/kernel/boot/vmlinuz-$release" "$DIR/vmlinuz.tmp"

root=$work/initramfs
mkdir -p "$root"/{bin,sbin,dev,proc,sys,modules,tmp}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
done
# virtio_net and what it needs, in load order (from each module's depends=).
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover \
    virtio_net; do
    find "$work/kernel/lib/modules/$release" -name "$module.ko*" -exec cp {} "$root/modules/" \;
    echo "$module" >> "$root/modules/order"
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m.ko* 2>/dev/null; done
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^vmlab\.$1=//p"; }
ip link set lo up
ip link set eth0 up
[ -n "$(arg ip)" ] && ip addr add "$(arg ip)" dev eth0
echo "VMLAB UP $(cat /sys/class/net/eth0/address) $(arg ip)"
for target in $(arg ping | tr ',' ' '); do
    ok=0
    for try in 1 2 3 4 5 6 7 8 9 10; do
        if ping -c 1 -W 2 "$target" >/dev/null 2>&1; then ok=1; break; fi
    done
    if [ $ok = 1 ]; then
        # Report the ping printed here, not the first answer: OK only when all 3 came back.
        ping -c 3 -W 2 "$target" > /tmp/ping.out 2>&1
        cat /tmp/ping.out
        received=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' /tmp/ping.out)
        if [ "$received" = 3 ]; then
            echo "VMLAB PING OK $target"
        else
            echo "VMLAB PING FAILED $target (${received:-0}/3)"
        fi
    else
        echo "VMLAB PING FAILED $target (no answer in 10 tries)"
    fi
done
if [ "$(arg exit)" = 1 ]; then
    poweroff -f
fi
exec setsid cttyhack sh
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$DIR/initramfs.gz.tmp"
mv "$DIR/vmlinuz.tmp" "$DIR/vmlinuz"
mv "$DIR/initramfs.gz.tmp" "$DIR/initramfs.gz"
echo "$stamp" > "$DIR/built-by"
echo "vm-lab image built in $DIR (kernel $release)"
