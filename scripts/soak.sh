#!/usr/bin/env bash
# soak.sh -- soak and impairment matrix (issue 11): the paired appliances of the demo topology
# (scripts/lib/pair-demo.sh, scripts/topology.sh) with the tenant's tunnel flow relayed through the
# user-space WAN emulator (scripts/wan-emu.ts: delay, loss, 1 % duplication, 1 % reordering, each
# direction), for SECONDS per matrix cell, with at once:
#   - a TCP stream t1 -> p1 (iperf3, bounded)                         -> goodput
#   - a 10 ms ping t1 -> p1                                             -> loss, p99 RTT
#   - a sequence-numbered UDP flow t1 -> p1, 200/s (scripts/seq-flow.ts) -> duplicates delivered
#   - re-keying every REKEY seconds (BRIDGEHEAD_REKEY_AFTER_S)            -> handshakes
#   - the observer (scripts/soak-watch.ts) on both control sockets      -> teardowns, RSS, drops
# Each cell is a fresh topology and pairing. A benchmark, not a test (the namespace test
# test/netns/soak.test.ts runs one short cell). Needs root and a built checkout.
#
#   sudo bash scripts/soak.sh [--seconds S] [--cells all|worst|L/D,...] [--rekey-s R] [--prefix P] [--json FILE]
#     --seconds 120      per cell (10 .. 86400; the soak target is 1800 on the worst cell)
#     --cells all        all: loss {0,1,5} % x one-way delay {0,50,200} ms (9 cells); worst: 5/200;
#                        or a list of LOSS/DELAY pairs, e.g. 0/0,1/50
#     --rekey-s 30       session rekey age (10..120)
#     --prefix bhs<pid>  namespace prefix;  --json FILE  also write one JSON line per cell there
# Exit status 1 if a cell had a teardown or a delivered duplicate, or a part did not run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
bh_require_root scripts/soak.sh
bh_require_cmds iperf3 ping ip nft jq

secs=120 cells=all rekey=30 P=bhs$$ json=
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) secs=${2:-}; shift 2 ;;
    --cells) cells=${2:-}; shift 2 ;;
    --rekey-s) rekey=${2:-}; shift 2 ;;
    --prefix) P=${2:-}; shift 2 ;;
    --json) json=${2:-}; shift 2 ;;
    *) bh_die "unknown argument '$1' (--seconds S --cells LIST --rekey-s R --prefix P --json FILE)" ;;
  esac
done
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 10 ] && [ "$secs" -le 86400 ] || bh_die "--seconds must be an integer 10..86400, got '$secs'"
[[ "$rekey" =~ ^[0-9]+$ ]] && [ "$rekey" -ge 10 ] && [ "$rekey" -le 120 ] || bh_die "--rekey-s must be an integer 10..120, got '$rekey'"
bh_check_prefix "$P"
case "$cells" in
  all) cells="0/0,0/50,0/200,1/0,1/50,1/200,5/0,5/50,5/200" ;;
  worst) cells="5/200" ;;
esac
IFS=, read -r -a cell_list <<<"$cells"
for c in "${cell_list[@]}"; do
  [[ "$c" =~ ^([0-9]|[1-4][0-9]|50)/([0-9]{1,3}|1000)$ ]] || bh_die "bad cell '$c' (LOSS/DELAY: loss 0..50 %, one-way delay 0..1000 ms)"
done
[ -f dist/scripts/seq-flow.js ] && [ -f dist/scripts/soak-watch.js ] || bh_die "not built: run npx tsc -p tsconfig.json"

T=$(mktemp -d)
cleanup() { bash scripts/topology.sh down "$P" >/dev/null 2>&1 || true; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
. scripts/lib/pair-demo.sh
export BRIDGEHEAD_REKEY_AFTER_S=$rekey
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} # as the systemd units run the daemon (appliance/*.service)
failed=0

# ping output -> "received transmitted p50 p99" (RTTs of the replies; duplicates 'DUP!' are not replies)
ping_summary() {
  awk '/bytes from/ && !/DUP!/ { for (i = 1; i <= NF; i++) if ($i ~ /^time=/) { sub("time=", "", $i); print $i } }' "$1" | sort -n >"$1.rtt"
  local n tx p50 p99
  n=$(wc -l <"$1.rtt")
  tx=$(awk '/packets transmitted/ {print $1}' "$1")
  p50=$(awk -v n="$n" 'NR == int(n * 0.50 + 0.999) {print; exit}' "$1.rtt")
  p99=$(awk -v n="$n" 'NR == int(n * 0.99 + 0.999) {print; exit}' "$1.rtt")
  echo "$n ${tx:-0} ${p50:--} ${p99:--}"
}

printf '%-7s %9s %9s %8s %9s %9s %6s %5s %10s %-22s %-22s %s\n' "loss/ms" "goodput" "retrans" "ping" "p50 ms" "p99 ms" \
  "dups" "tear" "handshakes" "RSS tenant MB (drift)" "RSS provider MB (drift)" "drops by reason (tenant | provider)"
for c in "${cell_list[@]}"; do
  loss=${c%/*} delay=${c#*/}
  cell_dir=$T/cell-$loss-$delay
  mkdir -p "$cell_dir"
  export WAN_EMU=1 WAN_EMU_DURATION=$((secs + 600))
  export WAN_EMU_ARGS="--delay-ms $delay --loss $loss --dup 1 --reorder 1 --reorder-gap-ms 5 --seed $((loss * 1000 + delay + 1))"
  bh_log "cell loss ${loss} % one-way delay ${delay} ms: pairing through the WAN emulator ($WAN_EMU_ARGS), ${secs} s"
  if ! bh_pair_demo "$P" "$cell_dir"; then
    echo "soak: cell $c: the pair did not come up" >&2
    failed=1
    bash scripts/topology.sh down "$P" >/dev/null 2>&1 || true
    continue
  fi
  warm=$(( secs / 10 < 5 ? 5 : (secs / 10 > 60 ? 60 : secs / 10) ))
  node dist/scripts/soak-watch.js --seconds "$secs" --warmup "$warm" \
    --daemon "tenant:$cell_dir/t/bridgehead.sock:$BH_TENANT_PID" --daemon "provider:$cell_dir/p/bridgehead.sock:$BH_PROVIDER_PID" \
    >"$cell_dir/watch.json" 2>"$cell_dir/watch.err" &
  watch_pid=$!
  ip netns exec "$P-p1" node dist/scripts/seq-flow.js recv --listen 198.19.10.21:40100 --max-seconds $((secs + 20)) >"$cell_dir/seq-recv.json" 2>&1 &
  seq_pid=$!
  ip netns exec "$P-p1" timeout $((secs + 60)) iperf3 -s -1 -p 5301 >/dev/null 2>&1 &
  sleep 0.5
  ip netns exec "$P-t1" timeout $((secs + 30)) node dist/scripts/seq-flow.js send --to 198.19.10.21:40100 --pps 200 --seconds "$secs" \
    >"$cell_dir/seq-send.json" 2>&1 &
  send_pid=$!
  ip netns exec "$P-t1" timeout $((secs + 30)) ping -n -i 0.01 -c $((secs * 100)) -w $((secs + 10)) 198.19.10.21 >"$cell_dir/ping.txt" 2>&1 &
  ping_pid=$!
  ip netns exec "$P-t1" timeout $((secs + 45)) iperf3 -c 198.19.10.21 -p 5301 -t "$secs" -J >"$cell_dir/iperf.json" 2>&1 || true
  wait "$send_pid" "$ping_pid" || true
  wait "$watch_pid" || true
  sleep 3 # the last datagrams of the sequence flow cross the 2 x delay path
  kill -TERM "$seq_pid" 2>/dev/null || true
  wait "$seq_pid" || true
  # the emulator's counters (it keeps running until the topology goes down)
  state=$(bash scripts/topology.sh state "$P")
  emu_pid=$(awk '$3 == "wan-emu" {print $1}' "$state/pids" | tail -1)
  [ -n "$emu_pid" ] && kill -USR1 "$emu_pid" 2>/dev/null && sleep 0.5
  emu=$(grep '"event":"stats"' "$state/wan-emu.log" | tail -1 || true)
  bash scripts/topology.sh down "$P" >/dev/null 2>&1 || true

  goodput=$(jq -r '.end.sum_received.bits_per_second // empty' "$cell_dir/iperf.json" 2>/dev/null || true)
  retrans=$(jq -r '.end.sum_sent.retransmits // empty' "$cell_dir/iperf.json" 2>/dev/null || true)
  read -r prx ptx p50 p99 < <(ping_summary "$cell_dir/ping.txt")
  sent=$(jq -r 'select(.event == "sent") | .sent' "$cell_dir/seq-send.json" 2>/dev/null || true)
  recv=$(jq -c 'select(.event == "exit")' "$cell_dir/seq-recv.json" 2>/dev/null || true)
  dups=$(jq -r '.duplicates // empty' <<<"$recv" 2>/dev/null || true)
  watch=$(cat "$cell_dir/watch.json")
  side() { jq -r --arg n "$1" ".daemons[] | select(.name == \$n) | $2" <<<"$watch"; }
  tear=$(( $(side tenant .teardowns) + $(side provider .teardowns) ))
  hs="$(side tenant .handshakes)/$(side provider .handshakes)"
  rss() { printf '%.1f->%.1f (%+.1f%%)' "$(side "$1" '.rssStartKB / 1024')" "$(side "$1" '.rssEndKB / 1024')" "$(side "$1" .rssDriftPct)"; }
  drops() { side "$1" '.drops | to_entries | map("\(.key)=\(.value)") | join(",")'; }
  gp=$( [ -n "$goodput" ] && awk -v b="$goodput" 'BEGIN { printf "%.1fM", b / 1e6 }' || echo "-")
  ploss=$( [ "${ptx:-0}" -gt 0 ] && awk -v r="$prx" -v t="$ptx" 'BEGIN { printf "%.2f%%", (t - r) * 100 / t }' || echo "-")
  printf '%-7s %9s %9s %8s %9s %9s %6s %5s %10s %-22s %-22s %s | %s\n' "$loss/$delay" "$gp" "${retrans:--}" "$ploss" "$p50" "$p99" \
    "${dups:-?}" "$tear" "$hs" "$(rss tenant)" "$(rss provider)" "$(drops tenant)" "$(drops provider)"
  uniq=$(jq -r '.unique // "?"' <<<"${recv:-null}") reord=$(jq -r '.reordered // "?"' <<<"${recv:-null}")
  echo "        sequence flow: sent ${sent:-?}, delivered ${uniq} (once each), reordered ${reord}; wan-emu: ${emu:-no stats}"
  for d in tenant provider; do # the memory curve (soak-watch samples every 10 s): RSS and V8 heap at 1, 5, 10, 20, 30, 60 min and the end
    echo "        $d RSS drift over the second half: $(side "$d" '.rssDriftLastHalfPct')%; memory (MB, RSS / anon / V8 heap used / external): $(side "$d" 'def mb: (. // 0) / 102.4 | floor / 10;
      [.samples[] | select(.t as $t | [60, 300, 600, 1200, 1800, 3600] | index($t) != null)] + [.samples[-1]]
      | map("\(.t / 6 | floor / 10)min \(.rssKB | mb)/\(.anonKB | mb)/\(.heapUsedKB | mb)/\(.externalKB | mb)") | join("  ")')"
  done
  if [ -n "$json" ]; then
    jq -cn --arg cell "$c" --argjson secs "$secs" --argjson rekey "$rekey" --arg goodput "${goodput:-}" --arg retrans "${retrans:-}" \
      --arg prx "$prx" --arg ptx "$ptx" --arg p50 "$p50" --arg p99 "$p99" --arg sent "${sent:-}" --argjson recv "${recv:-null}" \
      --argjson watch "$watch" --argjson emu "${emu:-null}" \
      '{cell: $cell, seconds: $secs, rekeyS: $rekey, goodputBps: ($goodput | tonumber? // null), retransmits: ($retrans | tonumber? // null),
        ping: {received: ($prx | tonumber), transmitted: ($ptx | tonumber), p50Ms: ($p50 | tonumber? // null), p99Ms: ($p99 | tonumber? // null)},
        seqFlow: {sent: ($sent | tonumber? // null), recv: $recv}, watch: $watch, wanEmu: $emu}' >>"$json"
  fi
  if [ -z "$goodput" ] || [ -z "$dups" ] || [ "${dups:-1}" != 0 ] || [ "$tear" != 0 ] || [ "${ptx:-0}" = 0 ]; then
    echo "soak: cell $c FAILED (goodput '${goodput:-none}', duplicates '${dups:-none}', teardowns $tear, pings ${ptx:-0})" >&2
    failed=1
  fi
done
exit $failed
