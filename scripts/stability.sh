#!/usr/bin/env bash
# Runs the whole test suite RUNS times in a row (default 5), with LOAD busy loops keeping the cores busy
# (default 0; 2 fills a 2-core machine), and checks after each run that no process the tests started
# (redis-server, kafka-mock-cluster, faster-whisper-server, voicegatewayd, their watchdogs) outlived it.
# Prints one line per run and a summary; exits non-zero if any run failed or left a process behind.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
load=${LOAD:-0}
swift build --build-tests >/dev/null || { echo "build failed"; exit 1; }
hogs=()
for _ in $(seq 1 "$load"); do (while :; do :; done) & hogs+=($!); done
cleanup() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done; }
trap cleanup EXIT
failed=0
leaked=0
mkdir -p var
for run in $(seq 1 "$runs"); do
  log=var/stability-$run.log
  start=$(date +%s)
  if swift test --skip-build >"$log" 2>&1; then status=passed; else status=FAILED; failed=$((failed + 1)); fi
  seconds=$(( $(date +%s) - start ))
  summary=$(grep -E "Test run with [0-9]+ tests" "$log" | tail -1 | sed 's/^[^T]*//')
  # The watchdogs poll every 0.5 s and, on a loaded machine, may take a few seconds to kill and reap
  # their child: wait up to 10 s for every process the suite started to be gone.
  for _ in $(seq 1 20); do
    left=$(pgrep -af 'redis-server|kafka-mock-cluster|faster-whisper-server|voicegatewayd run|vgw-chromium|ari-stub.py' | grep -v pgrep || true)
    [ -z "$left" ] && break
    sleep 0.5
  done
  if [ -n "$left" ]; then leaked=$((leaked + 1)); echo "run $run left processes behind:"; echo "$left"; fi
  echo "run $run/$runs (load $load): $status in ${seconds}s: $summary"
  [ "$status" = FAILED ] && grep -E "✘.*(recorded an issue|failed)" "$log" | head -20
done
echo "$((runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$leaked" -eq 0 ]
