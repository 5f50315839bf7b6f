#!/usr/bin/env bash
# The whole suite under load: two busy loops beside `npm test`, N runs in a row (default 3). Tests
# of time-driven behaviour run on the virtual clock, so they must pass here as they do on an idle
# machine. Prints one line per run and exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
yes > /dev/null & y1=$!
yes > /dev/null & y2=$!
trap 'kill $y1 $y2 2>/dev/null' EXIT
failed=0
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  log=$(mktemp -t hekad-load-XXXX.log)
  npm test > "$log" 2>&1
  code=$?
  counts=$(grep -E '^ℹ (pass|fail) ' "$log" | tr '\n' ' ')
  echo "run $i: exit $code after $(( $(date +%s) - start )) s, ${counts}log $log"
  [ "$code" -eq 0 ] || failed=1
done
exit $failed
