#!/bin/sh
# Builds and runs the libFuzzer targets in Tests/Fuzz/<Name>/ for FUZZ_SECONDS each (default 60).
# Each target is compiled with `swiftc -sanitize=fuzzer,address` together with only the sources it
# exercises, so the package build (and `make test`) never sees them. Prints, per target, the executions
# and crashes, and exits non-zero if any target crashed.
#   scripts/fuzz.sh [seconds] [target...]
set -u
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-${FUZZ_SECONDS:-60}}
[ $# -gt 0 ] && shift
TARGETS=${*:-"RTPParser AudioSocketFramer WAVReader"}
SWIFTC=${SWIFTC:-swiftc}
OUT=.build/fuzz
M=Sources/Adapters/Media
mkdir -p "$OUT"

sources() {
  case "$1" in
    RTPParser) echo "$M/RTP/RTPPacket.swift $M/RTP/JitterBuffer.swift" ;;
    AudioSocketFramer) echo "$M/AudioSocket/AudioSocketFrame.swift $M/Codecs/L16.swift" ;;
    WAVReader) echo "$M/File/WAVFile.swift $M/Codecs/G711.swift" ;;
    *) echo "unknown fuzz target $1" >&2; return 1 ;;
  esac
}

status=0
summary=""
for target in $TARGETS; do
  src=$(sources "$target") || exit 2
  bin="$OUT/$target"
  echo "== building $target"
  # shellcheck disable=SC2086
  # The linker's warnings about ASan's local symbols are noise: the build log is shown only on failure.
  if ! $SWIFTC -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz$target" \
       "Tests/Fuzz/$target/Fuzz.swift" $src -o "$bin" >"$OUT/$target.build.log" 2>&1; then
    cat "$OUT/$target.build.log"; echo "build of $target failed"; exit 2
  fi
  corpus="$OUT/corpus-$target"
  artifacts="$OUT/artifacts-$target/"
  mkdir -p "$corpus" "$artifacts"
  cp -n Tests/Fuzz/"$target"/seeds/* "$corpus"/ 2>/dev/null || true
  log="$OUT/$target.log"
  echo "== running $target for ${SECONDS_EACH}s"
  "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -rss_limit_mb=2048 -max_len=4096 \
    -artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -z "$runs" ] && runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  line="fuzz $target: seconds=$SECONDS_EACH executions=${runs:-0} crashes=$crashes"
  echo "$line"
  summary="$summary$line
"
  if [ "$crashes" -ne 0 ]; then status=1; tail -30 "$log"; fi
done
echo "== fuzz summary"
printf "%s" "$summary"
exit $status
