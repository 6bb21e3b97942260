#!/usr/bin/env bash
# What the tests may leave on a machine, listed one per line, so that bin/test-all can compare the machine after
# the suite with the machine before it and fail when the suite left anything:
#   testkit/leftovers.sh snapshot FILE      record the state before
#   testkit/leftovers.sh check FILE         list what is new since FILE; exit 1 if anything is
# Covers processes the tests start (l2mesh daemons, QEMU, etcd, prometheus, iperf3, tshark/dumpcap), network
# namespaces, links (TAPs, veths, bridges, VXLAN devices), nftables tables, users and groups, and files under
# /run/l2mesh, /tmp/l2mesh* and in the default state-dir /var/lib/l2mesh (which every root daemon with a
# default config makes; bin/test-all removes it again if it was not there and stays empty). Things that were
# there before the suite are not its leftovers.
set -euo pipefail

state() {
    ps -eo pid=,args= | awk '$0 ~ /(l2mesh\.jar|qemu-system|(^|\/)etcd( |$)|prometheus|iperf3|tshark|dumpcap)/ &&
        $0 !~ /leftovers\.sh|awk / { $1 = "process " $1; print }'
    ip netns list 2>/dev/null | awk '{print "netns " $1}'
    ip -o link show 2>/dev/null | awk -F': ' '{split($2, n, "@"); print "link " n[1]}'
    if command -v nft >/dev/null; then nft list tables 2>/dev/null | sed 's/^/nft /'; fi
    getent passwd | cut -d: -f1 | sed 's/^/user /'
    getent group | cut -d: -f1 | sed 's/^/group /'
    # A directory that does not exist (yet) holds nothing: find fails then, and must not fail the snapshot.
    { find /run/l2mesh -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sed 's/^/file /'
    { find /var/lib/l2mesh -mindepth 1 -maxdepth 1 2>/dev/null || true; } | sed 's/^/file /'
    { find /tmp -mindepth 1 -maxdepth 1 \( -name 'l2mesh*' -o -name 'tmp.*' \) 2>/dev/null || true; } |
        sed 's/^/file /'
}

case "${1:-}" in
    snapshot)
        state | sort -u > "$2"
        ;;
    check)
        # Give processes killed at the end of the last test a moment to go.
        for _ in $(seq 20); do
            new=$(state | sort -u | comm -13 "$2" -)
            grep -q '^process ' <<< "$new" || break
            sleep 0.5
        done
        if [[ -n $new ]]; then
            echo "test-all: the tests left these behind:" >&2
            sed 's/^/  /' <<< "$new" >&2
            exit 1
        fi
        echo "test-all: nothing left behind (processes, namespaces, links, nftables, users, groups, files)"
        ;;
    *)
        echo "usage: $0 snapshot|check FILE" >&2
        exit 2
        ;;
esac
