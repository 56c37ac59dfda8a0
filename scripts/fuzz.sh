#!/usr/bin/env bash
# Long fuzzing campaign: every libFuzzer target of native/core/fuzz for SECONDS (default 300)
# each, then every JS fuzz property (test/fuzz) for JS_RUNS runs (default 1000000).
#   scripts/fuzz.sh [seconds]
#   FUZZ_MAX_RUNS=N    also stop a native target after N executions (default: time only)
#   FUZZ_TARGETS="arp nd"   only these native targets; JS_RUNS=0 skips the JS properties
#   FUZZ_JOBS=2        native targets run side by side (default 1; the machine may be shared)
# The corpus a target grows lives in native/core/fuzz/build/corpus/<target> and is reused by the
# next campaign. A crash (or a broken invariant, or a sanitizer report) is copied to
# native/core/fuzz/regress/<target>/, which `npm test` replays: fix the bug, keep the file.
# Prints per target: executions, exec/s, libFuzzer coverage (cov = edges, ft = features), corpus
# size and crashes, then the corpus's source coverage of the parser it targets (make coverage:
# llvm-cov lines and branches); exits 1 if anything crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-300}
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: seconds must be a positive integer, got '$secs'" >&2; exit 2; }
max_runs=${FUZZ_MAX_RUNS:--1}
[[ "$max_runs" =~ ^(-1|[1-9][0-9]*)$ ]] || { echo "fuzz.sh: FUZZ_MAX_RUNS must be a positive integer, got '$max_runs'" >&2; exit 2; }
js_runs=${JS_RUNS:-1000000}
[[ "$js_runs" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: JS_RUNS must be a non-negative integer, got '$js_runs'" >&2; exit 2; }
jobs=${FUZZ_JOBS:-1}
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: FUZZ_JOBS must be a positive integer, got '$jobs'" >&2; exit 2; }
command -v clang >/dev/null || { echo "fuzz.sh: clang is missing; run: bash scripts/setup.sh" >&2; exit 1; }

dir=native/core/fuzz
all_targets=$(sed -n 's/^TARGETS *:= *//p' $dir/Makefile)
targets=${FUZZ_TARGETS:-$all_targets}
for t in $targets; do
  [[ " $all_targets " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (targets: $all_targets)" >&2; exit 2; }
done
make -s -C $dir -j2 all
logs=$dir/build/campaign
mkdir -p "$logs"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# -max_len: the largest input a target reads in one piece (a 64 KiB TSO super-frame + header).
# neigh reads an operation stream (4-8 bytes an operation) on a 16-entry table over 128 addresses
# whose entries age within 1-3 ms while an operation advances the clock up to 0.75 ms: every table
# state is well under a hundred operations away, so 4 KiB (500-1000 operations) loses nothing, while 64 KiB
# inputs made each execution 16x longer (3.9 k exec/s in the first campaign).
max_len_of() { case $1 in neigh) echo 4096 ;; *) echo 65560 ;; esac; }

run_target() {
  local t=$1
  mkdir -p $dir/build/corpus/$t $dir/build/crashes/$t $dir/regress/$t
  $dir/build/fuzz_$t -max_total_time="$secs" -runs="$max_runs" -max_len="$(max_len_of "$t")" -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix=$dir/build/crashes/$t/ \
    $dir/build/corpus/$t $dir/corpus/$t $dir/regress/$t > "$logs/$t.log" 2>&1 || true
}

echo "fuzz.sh: native targets ($targets), ${secs} s each, ${jobs} at a time; logs in $logs" >&2
running=0
for t in $targets; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

failed=0
printf '%-9s %12s %9s %6s %7s %8s %s\n' target execs exec/s cov ft corpus crashes
for t in $targets; do
  log=$logs/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 || true)
  cov=$(awk '{print $2}' <<<"$last"); ft=$(awk '{print $4}' <<<"$last"); corp=$(awk '{print $6}' <<<"$last")
  crashes=0
  for c in $dir/build/crashes/$t/*; do
    [ -e "$c" ] || continue
    crashes=$((crashes + 1))
    cp "$c" $dir/regress/$t/
    mv "$c" "$c.seen"
  done
  if grep -qE '^SUMMARY: (AddressSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|fuzz invariant broken' "$log"; then
    [ "$crashes" -gt 0 ] || crashes=1
  fi
  [ "$crashes" -eq 0 ] || failed=1
  printf '%-9s %12s %9s %6s %7s %8s %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes"
  [ "$crashes" -eq 0 ] || echo "  -> $t crashed: see $log; input(s) copied to $dir/regress/$t/" >&2
done

echo "fuzz.sh: source coverage of the corpora (llvm-cov; lines and branches of the parser each target exercises)" >&2
make -s -C $dir coverage TARGETS="$targets" || failed=1

if [ "$js_runs" -gt 0 ]; then
  echo "fuzz.sh: JS fuzz properties, ${js_runs} runs each" >&2
  npx tsc -p tsconfig.json
  if ! BH_FUZZ_RUNS="$js_runs" node --test --test-concurrency=1 --test-reporter=spec dist/test/fuzz/*.test.js; then failed=1; fi
fi
exit $failed
