#!/usr/bin/env bash
# Runs JMH benchmarks on JDK 25 (never inside Maven's JVM) and prints the results; codec results also in MB/s.
# usage: bench/jmh.sh [JMH args, e.g. ReedSolomonBenchmark -p shape=10+4]   (build first: mvn -q -B -DskipTests package)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
java=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[ -x "$java" ] || java=java
mkdir -p "$here/bench/results"
json="$here/bench/results/jmh-$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)-$(date -u +%Y%m%dT%H%M%SZ).json"
"$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$here/bench/target/benchmarks.jar" \
    -rf json -rff "$json" "$@"
python3 - "$json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    p = r.get("params", {})
    score, err, unit = r["primaryMetric"]["score"], r["primaryMetric"]["scoreError"], r["primaryMetric"]["scoreUnit"]
    name = r["benchmark"].split(".")[-1]
    line = "%-28s %-40s %14.1f ± %-10.1f %s" % (name, " ".join("%s=%s" % kv for kv in sorted(p.items())), score, err, unit)
    if "shape" in p and unit == "ops/s":
        k = int(p["shape"].split("+")[0])
        line += "   = %.0f MB/s of data" % (score * k * int(p.get("shardSize", 1400)) / 1e6)
    print(line)
PY
echo "jmh: results in ${json#$here/}"
