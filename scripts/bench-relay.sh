#!/usr/bin/env bash
# bench-relay.sh -- throughput of the multi-site data plane (docs/INTERNALS.md "Multi-site data
# plane"): TCP between the hosts of two tenant sites A and B, relayed by the hub C (spoke -> hub
# -> spoke: decrypted, switched and re-encrypted at C) against the same hosts with A and B paired
# directly (mesh), and spoke -> hub alone for reference. A benchmark, not a test.
#   sudo bash scripts/bench-relay.sh [SECONDS] [RUNS]      (5 s, 3 runs by default; medians printed)
# Needs root, iperf3 and a built checkout. Namespaces "bhrl<pid>-*" (scripts/relay-topology.sh),
# removed on exit. Run it under the shared lock: flock /tmp/bh-netns.lock bash scripts/bench-relay.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-relay: run as root" >&2; exit 1; }
SECS=${1:-5}; RUNS=${2:-3}
[[ "$SECS" =~ ^[0-9]+$ && "$SECS" -ge 1 && "$SECS" -le 60 ]] || { echo "bench-relay: SECONDS must be 1..60" >&2; exit 2; }
[[ "$RUNS" =~ ^[0-9]+$ && "$RUNS" -ge 1 && "$RUNS" -le 10 ]] || { echo "bench-relay: RUNS must be 1..10" >&2; exit 2; }
P=bhrl$$
T=$(mktemp -d)
PIDS=()
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    echo "bench-relay: failed (exit $rc); last lines of the logs:" >&2
    tail -5 "$T"/*.log >&2 2>/dev/null || true
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  bash scripts/relay-topology.sh down $P >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
BH="node $PWD/dist/src/cli/main.js"
declare -A WAN=([a]=198.18.0.11 [b]=198.18.0.12 [c]=198.18.0.13) IP=([a]=198.19.0.11 [b]=198.19.0.12 [c]=198.19.0.13)

setup() { # LAYOUT: fresh topology, three appliances paired for it, daemons up
  local layout=$1 x tok
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  PIDS=(); sleep 1
  bash scripts/relay-topology.sh up $P
  rm -rf "$T"/site-*
  for x in a b c; do
    local extra=()
    [ "$layout" = hub ] && [ "$x" = c ] && extra=(--topology hub)
    ip netns exec $P-s$x $BH init -c "$T/site-$x" --name "site-$x" --listen "${WAN[$x]}:51820" \
      --endpoint "${WAN[$x]}:51820" --tap bh0 --bridge br0 "${extra[@]}" >/dev/null 2>>"$T/cli.log"
  done
  start() { ip netns exec $P-s$1 $BH up -c "$T/site-$1" --log-level warn >"$T/$layout-$1.log" 2>&1 & PIDS+=($!)
    for _ in $(seq 100); do [ -S "$T/site-$1/bridgehead.sock" ] && break; sleep 0.1; done; }
  pair() { tok=$(ip netns exec $P-s$1 $BH invite -c "$T/site-$1" 2>>"$T/cli.log" | tail -1)
    ip netns exec $P-s$2 $BH join -c "$T/site-$2" --timeout 20s "$tok" >/dev/null 2>>"$T/cli.log"; }
  start c; pair c a; start a; pair c b
  [ "$layout" = mesh ] && pair a b
  start b
  for pair in a:b b:a a:c; do
    local from=${pair%:*} to=${pair#*:}
    for _ in $(seq 60); do ip netns exec $P-h$from ping -c 1 -W 1 "${IP[$to]}" >/dev/null 2>&1 && break; sleep 0.5; done
  done
}

tcp() { # FROM TO -> Mbit/s (receiver side)
  ip netns exec $P-h$2 iperf3 -s -1 -D -p 5201 >/dev/null 2>&1; sleep 0.3
  ip netns exec $P-h$1 timeout $((SECS + 15)) iperf3 -c "${IP[$2]}" -p 5201 -t "$SECS" -J 2>/dev/null |
    jq '.end.sum_received.bits_per_second / 1e6 | floor'
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

declare -A RES
for layout in hub mesh; do
  setup $layout
  runs=""; ref=""
  for _ in $(seq "$RUNS"); do
    runs="$runs $(tcp a b)"
    [ "$layout" = hub ] && ref="$ref $(tcp a c)"
  done
  RES[$layout]=$(echo $runs | median)
  echo "$layout: A -> B TCP, $SECS s x $RUNS: $runs Mbit/s (median ${RES[$layout]})"
  if [ "$layout" = hub ]; then
    RES[ref]=$(echo $ref | median)
    echo "hub: A -> C (spoke -> hub, not relayed): $ref Mbit/s (median ${RES[ref]})"
    st=$(ip netns exec $P-sc $BH status --json -c "$T/site-c")
    echo "hub: C relayed $(echo "$st" | jq .topology.relayed) frames, flooded on $(echo "$st" | jq .topology.relayFloods)"
  fi
done
echo "relayed A -> C -> B: ${RES[hub]} Mbit/s; direct A -> B (mesh): ${RES[mesh]} Mbit/s; ratio $(awk -v a="${RES[hub]}" -v b="${RES[mesh]}" 'BEGIN {printf "%.2f", a / b}')"
