#!/usr/bin/env bash
# bench-memory.sh -- daemon memory (issue 4: RSS <= 100 MB) on the demo topology. A benchmark, not a
# test: pairs two appliances (scripts/lib/pair-demo.sh) and prints each daemon's resident memory
# (VmRSS now, VmHWM peak) idle, after bounded TCP runs in both directions (TAP offloads: 64 KiB
# super-frames), after a bounded 64-byte UDP flood, and, with --jumbo, with 9018-byte frames.
# Needs root and a built checkout. Namespaces "bhm<pid>-*", removed on exit.
#   sudo bash scripts/bench-memory.sh [--jumbo]
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-memory: run as root" >&2; exit 1; }
jumbo=0
case "${1:-}" in --jumbo) jumbo=1 ;; '') ;; *) echo "bench-memory: unknown argument '$1' (--jumbo)" >&2; exit 2 ;; esac
P=bhm$$
T=$(mktemp -d)
trap 'bash scripts/topology.sh down $P >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
. scripts/lib/pair-demo.sh
bh_pair_demo $P "$T"
if [ $jumbo = 1 ]; then
  # the same as the jumbo namespace test: maxFrameSize on both, LAN MTU 9000 everywhere but the WAN
  for side in p t; do
    f="$T/$side/bridgehead.json"
    node -e 'const fs=require("fs");const c=JSON.parse(fs.readFileSync(process.argv[1]));c.mtu={...(c.mtu||{pathMtu:null,mssClamp:false}),maxFrameSize:9018};fs.writeFileSync(process.argv[1],JSON.stringify(c,null,2))' "$f"
  done
  kill "$BH_PROVIDER_PID" "$BH_TENANT_PID"; sleep 1
  BH="node $PWD/dist/src/cli/main.js"
  BH_PROVIDER_PID=$(bash scripts/topology.sh spawn $P pa bhp2 $BH up --config "$T/p")
  BH_TENANT_PID=$(bash scripts/topology.sh spawn $P ta bht2 $BH up --config "$T/t")
  sleep 2
  for n in t1 t2 p1; do ip netns exec $P-$n ip link set eth0 mtu 9000; done
  for n in ta pa; do ip netns exec $P-$n sh -c 'for i in /sys/class/net/br0/brif/*; do ip link set "${i##*/}" mtu 9000; done; ip link set br0 mtu 9000'; done
  ok=0
  for _ in $(seq 50); do ip netns exec $P-t1 ping -c1 -W1 -M do -s 8972 198.19.10.21 >/dev/null 2>&1 && { ok=1; break; }; sleep 0.2; done
  [ $ok = 1 ] || { echo "bench-memory: a 9000-byte ping does not cross" >&2; exit 1; }
  echo "jumbo: 9000-byte pings cross (maxFrameSize 9018)"
fi
mem() { # LABEL
  local a b
  a=$(awk '/^VmRSS|^VmHWM/{printf "%s %.1f MB  ", $1, $2/1024}' /proc/$BH_TENANT_PID/status)
  b=$(awk '/^VmRSS|^VmHWM/{printf "%s %.1f MB  ", $1, $2/1024}' /proc/$BH_PROVIDER_PID/status)
  printf '%-34s tenant: %s| provider: %s\n' "$1" "$a" "$b"
}
mem "idle, paired"
ip netns exec $P-p1 timeout 20 iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
ip netns exec $P-t1 timeout 15 iperf3 -c 198.19.10.21 -t 6 | grep -E "sender" || true
mem "after TCP t1 -> p1, 6 s"
ip netns exec $P-p1 timeout 20 iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
ip netns exec $P-t1 timeout 15 iperf3 -c 198.19.10.21 -t 6 -R | grep -E "receiver" || true
mem "after TCP p1 -> t1, 6 s"
ip netns exec $P-p1 timeout 20 iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
ip netns exec $P-t1 timeout 15 iperf3 -c 198.19.10.21 -u -l 64 -b 0 -t 5 | grep -E "receiver" || true
mem "after UDP 64 B flood, 5 s"
