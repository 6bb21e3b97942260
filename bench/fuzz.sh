#!/usr/bin/env bash
# Coverage-guided fuzzing of every fuzz target (Jazzer; the targets are the *FuzzTest classes, which the test
# command runs in regression mode over their committed seed corpus). Each target fuzzes for SECONDS (default 60),
# starting from its seed corpus; the summary gives the inputs run, the corpus reached and what was found (a
# finding's input is kept under findings/ in the printed work directory; fix it, then add it to the corpus).
#
# usage: bench/fuzz.sh [SECONDS] [TARGET-SUBSTRING]
#   FUZZ_UPDATE_CORPUS=1 merges what adds coverage into the committed seed corpora (src/test/resources/...).
#
# Why a second build: Jazzer 0.24.0's instrumentation (its ASM) reads class files up to Java 23, and the project
# builds for 25 (docs/fuzzing.md). The targets and the code they test are rebuilt at release 23 in a copy of the
# tree (this one is left alone); the JDK that runs them is still 25.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
only="${2:-}"
jdk=/usr/lib/jvm/temurin-25-jdk-amd64
[ -x "$jdk/bin/java" ] || jdk="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
export JAVA_HOME="$jdk"
# The work directory keeps each target's log, corpus and findings for the user (printed below); the copy of the
# tree built for Jazzer is removed however the script ends.
work=$(mktemp -d /tmp/l2mesh-fuzz.XXXXXX)
trap 'rm -rf "$work/src"' EXIT
echo "fuzz: work directory $work (logs, corpora and findings are kept there)"

targets=( # module|class|regression method (its corpus: src/test/resources/<package>/<Class>Inputs/<method>)
    "switch|io.l2mesh.switching.frame.FrameCheckFuzzTest|frames"
    "switch|io.l2mesh.switching.offload.SegmentCutterFuzzTest|superFrames"
    "switch|io.l2mesh.switching.port.unix.StreamDeframerFuzzTest|streams"
    "fec|io.l2mesh.fec.fuzz.FecDecoderFuzzTest|shards"
    "tunnel|io.l2mesh.tunnel.TransportReceiveFuzzTest|messages"
    "tunnel|io.l2mesh.tunnel.noise.HandshakeFuzzTest|messages"
    "tunnel|io.l2mesh.tunnel.vxlan.VxlanHeaderFuzzTest|headers"
    "control|io.l2mesh.control.protocol.ControlCodecFuzzTest|requests|com.fasterxml.jackson.core.**"
    "control|io.l2mesh.control.config.ConfigFileFuzzTest|files|com.fasterxml.jackson.**:org.yaml.**"
) # a fourth field: libraries whose coverage guides that target too (what parses its input before our code)

mkdir -p "$work/src"
(cd "$here" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$work/src"
(cd "$work/src" && mvn -q -B -DskipTests -Dcheckstyle.skip -Dl2mesh.release=23 package \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=fuzz-classpath.txt) > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }

summary="$work/summary.txt"
printf '%-26s %12s %10s %8s %s\n' target inputs 'inputs/s' corpus findings > "$summary"
for entry in "${targets[@]}"; do
    IFS='|' read -r module class method libraries <<< "$entry"
    includes="io.l2mesh.**${libraries:+:$libraries}"
    [ -z "$only" ] || [[ "$class" == *"$only"* ]] || continue
    name="${class##*.}"
    seeds="$here/$module/src/test/resources/$(echo "${class%.*}" | tr . /)/${name}Inputs/$method"
    mkdir -p "$seeds" "$work/corpus/$name" "$work/findings/$name"
    m="$work/src/$module"
    cp="$m/target/test-classes:$m/target/classes:$(cat "$m/fuzz-classpath.txt")"
    log="$work/$name.log"
    set +e
    (cd "$work" && "$jdk/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
        -cp "$cp" com.code_intelligence.jazzer.Jazzer --target_class="$class" \
        --instrumentation_includes="$includes" --keep_going=10 -max_total_time="$seconds" \
        -artifact_prefix="$work/findings/$name/" "$work/corpus/$name" "$seeds") > "$log" 2>&1
    set -e
    runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1)
    runs=${runs:-0}
    found=$(find "$work/findings/$name" -type f | wc -l)
    printf '%-26s %12s %10s %8s %s\n' "$name" "$runs" "$((runs / seconds))" \
        "$(find "$work/corpus/$name" -type f | wc -l)" "$found" | tee -a "$summary"
    if [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ]; then
        (cd "$work" && "$jdk/bin/java" --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
            -cp "$cp" com.code_intelligence.jazzer.Jazzer --target_class="$class" \
            --instrumentation_includes="$includes" -merge=1 "$seeds" "$work/corpus/$name") \
            > "$work/$name.merge.log" 2>&1 || true
    fi
done
echo
echo "fuzz: $seconds s per target, JDK $("$jdk/bin/java" -version 2>&1 | head -1), Jazzer 0.24.0"
cat "$summary"
