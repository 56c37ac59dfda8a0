#!/usr/bin/env bash
# bench-flood.sh -- the handshake DoS defence under a flood (issue 11). A benchmark, not a test:
# pairs two appliances on the demo topology (scripts/lib/pair-demo.sh), captures one genuine
# initiation on the provider's WAN link, then floods the provider from the WAN router with
# scripts/handshake-flood.ts (RATE/s, half random initiation-shaped bytes, half that initiation
# replayed) and prints:
#   1. the established path under the flood: pings lost of 100 at 10/s, provider daemon CPU
#      (utime+stime of the process / wall time, 100 % = one core) and the tenant's, for comparison
#   2. a fresh handshake under the flood, RUNS times: the tenant daemon restarted (SIGTERM, up);
#      handshake time = its log's "bridgehead up" -> "handshake complete" (pino timestamps), and
#      first ping through = process start -> first ping reply t1 -> p1. Median and max.
#   3. the same RUNS restarts without a flood (baseline).
# Needs root and a built checkout. Namespaces "bhf<pid>-*", removed on exit.
#   sudo bash scripts/bench-flood.sh [RATE] [RUNS]        (defaults 10000, 10)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-flood: run as root" >&2; exit 1; }
RATE=${1:-10000}
RUNS=${2:-10}
[[ "$RATE" =~ ^[0-9]+$ ]] && [ "$RATE" -ge 1 ] && [ "$RATE" -le 200000 ] || { echo "bench-flood: bad RATE '$RATE' (1..200000)" >&2; exit 2; }
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 50 ] || { echo "bench-flood: bad RUNS '$RUNS' (1..50)" >&2; exit 2; }
P=bhf$$
T=$(mktemp -d)
FLOOD_PID=
cleanup() {
  [ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null || true
  bash scripts/topology.sh down $P >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
. scripts/lib/pair-demo.sh
bh_pair_demo $P "$T"
STATE=$(bash scripts/topology.sh state $P)
BH="node $PWD/dist/src/cli/main.js"
FLOOD="node $PWD/dist/scripts/handshake-flood.js"
P1=198.19.10.21
n=0

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
restart_tenant() { # TAG -> sets TENANT_LOG, START_MS
  kill "$BH_TENANT_PID"
  for _ in $(seq 100); do kill -0 "$BH_TENANT_PID" 2>/dev/null || break; sleep 0.05; done
  n=$((n + 1))
  START_MS=$(date +%s%3N)
  BH_TENANT_PID=$(bash scripts/topology.sh spawn $P ta "bht$n" $BH up --config "$T/t")
  TENANT_LOG="$STATE/bht$n.log"
}
first_ping_ms() { # waits (max 60 s) for a reply t1 -> p1, prints ms since START_MS
  for _ in $(seq 600); do
    if ip netns exec $P-t1 ping -n -c1 -W0.1 $P1 >/dev/null 2>&1; then echo $(( $(date +%s%3N) - START_MS )); return 0; fi
  done
  echo "bench-flood: no ping through within 60 s" >&2; return 1
}
handshake_ms() { # "bridgehead up" -> "handshake complete" in the tenant's log
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return {}; } });
    const up = lines.find((l) => l.msg === "bridgehead up"), hs = lines.find((l) => l.msg === "handshake complete (initiator)");
    console.log(up && hs ? hs.time - up.time : "NA");' "$1"
}
stats() { # label values...
  local label=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v l="$label" '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2;
    printf "%-44s median %6.0f ms   max %6.0f ms   (n=%d)\n", l, m, v[NR], NR}'
}
series() { # label: RUNS restarts, prints median/max of handshake and first-ping times
  local hs=() fp=()
  for _ in $(seq "$RUNS"); do
    restart_tenant
    fp+=("$(first_ping_ms)")
    sleep 0.3
    hs+=("$(handshake_ms "$TENANT_LOG")")
  done
  stats "$1: handshake (up -> complete)" "${hs[@]}"
  stats "$1: first ping through (process start)" "${fp[@]}"
  echo "$1: cookie replies the tenant got (last run): $(ip netns exec $P-ta $BH status --config "$T/t" --json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>console.log(JSON.parse(s).handshakeGuard.cookieRepliesReceived))')"
}

# A genuine initiation from the WAN: the tenant restarts while libpcap listens on the provider's link.
ip netns exec $P-pa node scripts/pcap-capture.js --dev wan0 --filter 'udp and dst port 51820 and udp[8] = 1 and udp[4:2] = 172' \
  --count 1 --timeout 30 --out "$T/init.pcap" > "$T/cap.log" 2>&1 &
CAP=$!
for _ in $(seq 100); do grep -q '"event":"ready"' "$T/cap.log" 2>/dev/null && break; sleep 0.1; done
restart_tenant
first_ping_ms >/dev/null
wait $CAP
echo "captured: $(grep -o '"packets":[0-9]*' "$T/cap.log") initiation(s)"
echo "build: $(git rev-parse --short HEAD)$(git diff --quiet || echo +dirty), $(nproc) cores, flood $RATE/s from 198.18.3.1"
echo

# 1. The established path under the flood.
ip netns exec $P-wan $FLOOD --to 198.18.3.2:51820 --bind 198.18.3.1:40001 --pps "$RATE" --seconds 13 \
  --replay-pcap "$T/init.pcap" > "$T/flood1.json" &
FLOOD_PID=$!
sleep 1
c0p=$(cpu_ticks "$BH_PROVIDER_PID"); c0t=$(cpu_ticks "$BH_TENANT_PID"); w0=$(date +%s%3N)
loss=$(ip netns exec $P-t1 ping -n -q -c 100 -i 0.1 -w 15 $P1 | awk -F', ' '/packets transmitted/ {print $1 " -> " $2 ", " $3}')
c1p=$(cpu_ticks "$BH_PROVIDER_PID"); c1t=$(cpu_ticks "$BH_TENANT_PID"); w1=$(date +%s%3N)
wait $FLOOD_PID; FLOOD_PID=
hz=$(getconf CLK_TCK)
echo "flood: $(cat "$T/flood1.json")"
echo "established path under the flood, ping t1 -> p1 100 x 0.1 s: $loss"
awk -v p=$((c1p - c0p)) -v t=$((c1t - c0t)) -v w=$((w1 - w0)) -v hz="$hz" \
  'BEGIN {printf "daemon CPU under the flood: provider %.0f %%, tenant %.0f %% of one core (%.1f s window)\n", 100*p/hz/(w/1000), 100*t/hz/(w/1000), w/1000}'
ip netns exec $P-pa $BH status --config "$T/p" --json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const j=JSON.parse(s);
  const d=Object.fromEntries(Object.entries(j.drops).filter(([k,v])=>v>0&&/^handshake/.test(k)));console.log("provider handshake drops:",JSON.stringify(d))})'
echo

# 2. Fresh handshakes under the flood (one bounded flood long enough for all runs, stopped after).
ip netns exec $P-wan $FLOOD --to 198.18.3.2:51820 --bind 198.18.3.1:40001 --pps "$RATE" --seconds 120 \
  --replay-pcap "$T/init.pcap" > "$T/flood2.json" &
FLOOD_PID=$!
sleep 1
series "under the flood"
kill "$FLOOD_PID" 2>/dev/null || true; wait "$FLOOD_PID" 2>/dev/null || true; FLOOD_PID=
sleep 2
echo

# 3. Baseline.
series "no flood"
