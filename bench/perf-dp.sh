#!/usr/bin/env bash
# perf-dp.sh OUTDIR -- perf profiles of bridgehead's data plane during the harness's TCPx1 A->B and
# 64-byte UDP measurements (issue 15). Runs one bridgehead round of bench/peers.sh (full profile,
# no 1400 phase) with BH_ROOT (default: this checkout) and records the whole machine (perf record
# -a -g, 3 s) while each of the two iperf3 clients runs; then writes OUTDIR/{tcp1,udp64}.txt, the
# top symbols of the data-plane threads (bh-tx, bh-rx) and a per-thread split.
# Needs root and perf (Debian: linux-perf). Run it under the shared lock:
#   flock /tmp/bh-netns.lock bash bench/perf-dp.sh /tmp/perf-before
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:?usage: perf-dp.sh OUTDIR}
mkdir -p "$OUT"
command -v perf >/dev/null || { echo "perf-dp: perf not found (apt-get install linux-perf)" >&2; exit 1; }
export BH_ROOT=${BH_ROOT:-$(cd "$HERE/.." && pwd)}

# record while the first client matching $2 runs (bounded: gives up after 240 s)
watch_and_record() {
  local name=$1 pattern=$2 t=0
  while [ $t -lt 2400 ]; do
    if pgrep -f "$pattern" >/dev/null; then
      sleep 1 # past the client's start-up
      perf record -a -g -o "$OUT/$name.data" -- sleep 3 >/dev/null 2>&1
      return 0
    fi
    sleep 0.1; t=$((t + 1))
  done
  echo "perf-dp: no '$name' client seen" >&2
}
( watch_and_record tcp1 'iperf3 -c .* -t [0-9]+ -J$'; watch_and_record udp64 'iperf3 -c .* -u -l 64' ) &
watcher=$!
PB_REPS=1 PB_NO_MTU1400=1 PB_NO_OPENSSL=1 PB_PROFILE=full PB_ROOT="$OUT/pb" bash "$HERE/peers.sh" bridgehead >"$OUT/harness.txt" 2>"$OUT/harness.err"
wait "$watcher"
for n in tcp1 udp64; do
  [ -f "$OUT/$n.data" ] || continue
  {
    echo "## $n: share of all samples per data-plane thread"
    perf report -i "$OUT/$n.data" --no-children --sort comm --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12
    echo "## $n: top symbols in bh-tx and bh-rx"
    perf report -i "$OUT/$n.data" --no-children --comms bh-tx,bh-rx --sort comm,sym --stdio -g none 2>/dev/null |
      grep -E '^ +[0-9]' | head -40
  } >"$OUT/$n.txt"
done
echo "perf-dp: $OUT/tcp1.txt $OUT/udp64.txt (harness figures: $OUT/harness.txt)"
