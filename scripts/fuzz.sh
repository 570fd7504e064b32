#!/usr/bin/env bash
# Builds every libFuzzer target with clang and runs each for SECONDS
# (default 60) from its seed corpus in fuzz/corpus/<target>/. Exits non-zero on
# the first finding; the crashing input is left in build/fuzz/findings/.
#   scripts/fuzz.sh            # one minute per target
#   scripts/fuzz.sh 10         # a short run, as CI does
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
mkdir -p build/fuzz/findings build/fuzz/work
status=0
for bin in build/fuzz/fuzz/*_fuzz; do
  name=$(basename "$bin")
  work=build/fuzz/work/$name
  mkdir -p "$work"
  seeds=()
  [ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name")
  echo "fuzz: $name for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
      -artifact_prefix=build/fuzz/findings/"$name"- -print_final_stats=0 \
      "$work" "${seeds[@]}" >build/fuzz/"$name".log 2>&1; then
    echo "fuzz: $name FOUND A PROBLEM; see build/fuzz/$name.log and build/fuzz/findings/"
    tail -30 build/fuzz/"$name".log
    status=1
  else
    grep -E '^#[0-9]+.*(DONE|pulse)' build/fuzz/"$name".log | tail -1 || true
  fi
done
exit $status
