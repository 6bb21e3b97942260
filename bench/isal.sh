#!/usr/bin/env bash
# FEC codec: ISA-L's own calls in C (bench/reference/isal-ec.c) beside the same calls made from Java through FFM
# (IsalCallsBenchmark, JMH), in one invocation, and the ratio Java / C for each call: a block ec_encode_data (k, m)
# of SHARD-byte shards, and the stream encoder's per-frame ec_encode_data_update fold. The Java SIMD and table
# loops run the same two operations for comparison (pure-Java fallback / ISA-L's block encode).
#
# usage: bench/isal.sh [K=10] [M=4] [SHARD=1400]     (build first: mvn -q -B -DskipTests package)
# Needs Debian's libisal2 and, for the C program's header, libisal-dev (installed when missing).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
k="${1:-10}" m="${2:-4}" shard="${3:-1400}"
if [ ! -e /usr/include/isa-l/erasure_code.h ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libisal-dev >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -o "$work/isal-ec" "$here/bench/reference/isal-ec.c" -lisal
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512bw|avx512vbmi|gfni|vaes)$' | \
    tr '\n' ' ')
echo "bench: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), flags: $flags"
echo "bench: ISA-L $(dpkg-query -W -f '${Version}' libisal2 2>/dev/null || echo '?'), ($k, $m), $shard-byte shards"
"$work/isal-ec" "$k" "$m" "$shard" 3 | tee "$work/c.txt"
"$here/bench/jmh.sh" IsalCallsBenchmark -p k="$k" -p m="$m" -p shardSize="$shard" -wi 3 -i 5 -w 1 -r 1 \
    | tee "$work/jmh.txt"
python3 - "$work/c.txt" "$work/jmh.txt" "$k" "$shard" <<'PY'
import re, sys
c = {l.split()[0]: float(l.split()[1]) for l in open(sys.argv[1])}
java = {}
for line in open(sys.argv[2]):
    m = re.match(r"(blockEncode|fold)\s+.*loop=(\S+).*?\s([\d.]+) ±", line)
    if m:
        java[(m.group(1), m.group(2))] = float(m.group(3))
k, shard = int(sys.argv[3]), int(sys.argv[4])
names = {"blockEncode": "block_encode", "fold": "fold"}
print("%-13s %-10s %10s %12s %14s" % ("call", "loop", "ns/op", "MB/s data", "speed / C"))
for (call, loop), ns in sorted(java.items()):
    data = (k if call == "blockEncode" else 1) * shard
    ref = c[names[call]]
    print("%-13s %-10s %10.1f %12.0f %14.2f" % (call, loop, ns, data / ns * 1e3, ref / ns))
for call in ("blockEncode", "fold"):
    data = (k if call == "blockEncode" else 1) * shard
    print("%-13s %-10s %10.1f %12.0f %14s" % (call, "C (ISA-L)", c[names[call]], data / c[names[call]] * 1e3, "1.00"))
PY
