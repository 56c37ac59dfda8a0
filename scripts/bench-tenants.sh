#!/usr/bin/env bash
# bench-tenants.sh -- the multi-tenant provider appliance at scale (issue 13, docs/INTERNALS.md 9).
# A benchmark, not a test. Two multi-tenant appliances in namespaces (scripts/tenants-topology.sh,
# SITES=one): the provider and a "sites" appliance that holds every tenant's site as one of ITS
# tenants, each site paired with its tenant by `invite --tenant` / `join --tenant`. Tenants are
# added live in steps (1, 2, 4, ... N) to the running daemons; after each step every tenant is
# paired and the provider's RSS is printed (total, and per tenant beyond the implicit one).
# Then: `tenant list` (status of all tenants) timed, pings in tenants 1..4, and aggregate TCP
# (iperf3, 8 s) with 1 busy tenant and with 4 busy tenants at once.
#   sudo bash scripts/bench-tenants.sh [N]        (N = 64 by default, 4..200)
# Needs root and a built checkout. Namespaces "bhmt<pid>-*", removed on exit. Run it under the
# shared lock: flock /tmp/bh-netns.lock bash scripts/bench-tenants.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-tenants: run as root" >&2; exit 1; }
N=${1:-64}
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 4 && "$N" -le 200 ]] || { echo "bench-tenants: N must be 4..200" >&2; exit 2; }
P=bhmt$$
T=$(mktemp -d)
PIDS=()
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    echo "bench-tenants: failed (exit $rc); last lines of the CLI and daemon logs:" >&2
    tail -5 "$T/cli.log" "$T/provider.log" "$T/sites.log" >&2 2>/dev/null || true
  fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  bash scripts/tenants-topology.sh down $P >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT INT TERM
BH="node $PWD/dist/src/cli/main.js"
pv() { ip netns exec $P-pv "$@"; }
s0() { ip netns exec $P-s0 "$@"; }

bash scripts/tenants-topology.sh up $P "$N" one 4
pv $BH init -c "$T/p" --name provider --listen 198.18.0.1:51820 --endpoint 198.18.0.1:51820 --tap bh0 >/dev/null 2>&1
s0 $BH init -c "$T/s" --name sites --listen 198.18.0.10:51820 --tap bh0 >/dev/null 2>&1
# a provider needs one named tenant to start as one; tenant 1 is added before `up`
add_tenant() { # K
  pv $BH tenant add "t$1" --bridge "lb$1" -c "$T/p" >/dev/null 2>>"$T/cli.log"
  s0 $BH tenant add "t$1" --bridge "sb$1" -c "$T/s" >/dev/null 2>>"$T/cli.log"
}
pair_tenant() { # K
  local tok
  tok=$(pv $BH invite --tenant "t$1" -c "$T/p" 2>>"$T/cli.log" | tail -1)
  s0 $BH join --tenant "t$1" -c "$T/s" --timeout 20s "$tok" >/dev/null 2>>"$T/cli.log"
}
add_tenant 1
# not through pv/s0 (a subshell): `ip netns exec` execs node, so $! is the daemon's pid
ip netns exec $P-pv $BH up -c "$T/p" --log-level warn >"$T/provider.log" 2>&1 & PIDS+=($!)
PROV=$!
ip netns exec $P-s0 $BH up -c "$T/s" --log-level warn >"$T/sites.log" 2>&1 & PIDS+=($!)
SITES=$!
for _ in $(seq 100); do [ -S "$T/p/tenants/t1/bridgehead.sock" ] && [ -S "$T/s/tenants/t1/bridgehead.sock" ] && break; sleep 0.2; done
rss() { awk '/^VmRSS/{printf "%.1f", $2/1024}' /proc/$1/status; }
threads() { awk '/^Threads/{print $2}' /proc/$1/status; }
up_count() { pv $BH tenant list --json -c "$T/p" | jq '[.tenants[] | select(.live.peersUp == 1)] | length'; }
# RSS with only the implicit tenant + tenant 1 unpaired is not "per tenant"; the baseline is the
# provider with 1 paired tenant, and each step reports (RSS - RSS(1)) / (k - 1).
echo "tenants  paired  provider_RSS_MB  threads  MB_per_extra_tenant  sites_RSS_MB  pair_s"
k=0; base=""
for step in 1 2 4 8 16 32 64 128 200; do
  [ "$step" -le "$N" ] || step=$N
  [ "$step" -gt "$k" ] || break
  t0=$(date +%s.%N)
  for j in $(seq $((k + 1)) "$step"); do [ "$j" = 1 ] || add_tenant "$j"; pair_tenant "$j"; done
  k=$step
  for _ in $(seq 150); do [ "$(up_count)" -ge "$k" ] && break; sleep 0.2; done
  t1=$(date +%s.%N)
  sleep 2 # settle (path MTU probes, first keepalives)
  r=$(rss $PROV)
  [ -n "$base" ] || base=$r
  per=$( [ "$k" -gt 1 ] && awk -v r="$r" -v b="$base" -v k="$k" 'BEGIN{printf "%.2f", (r-b)/(k-1)}' || echo "-")
  printf '%7d  %6d  %15s  %7d  %19s  %12s  %6.1f\n' "$k" "$(up_count)" "$r" "$(threads $PROV)" "$per" "$(rss $SITES)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')"
  [ "$k" -lt "$N" ] || break
done
# status of every tenant: the CLI's wall time (node start included) and the daemon's share
for i in 1 2 3; do
  s=$(date +%s%N); pv $BH tenant list --json -c "$T/p" >/dev/null; e=$(date +%s%N)
  echo "tenant list (status of $N tenants), CLI wall time: $(( (e - s) / 1000000 )) ms"
done
node -e '
const { callCtlsock } = require(process.argv[1]);
(async () => { for (let i = 0; i < 3; i++) { const t = process.hrtime.bigint(); const r = await callCtlsock(process.argv[2], "tenants", {}, 10000);
  console.log(`control method "tenants" (${r.tenants.length} tenants, daemon side + socket): ${(Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)} ms`); } })();
' "$PWD/dist/src/ipc/control-client.js" "$T/p/bridgehead.sock"
for k in 1 2 3 4; do
  r=$(ip netns exec $P-ht$k ping -n -c 5 -i 0.2 -w 5 198.19.0.2 | grep -o '[0-9]* received' || echo "0 received")
  echo "tenant $k ping through its tunnel: $r of 5"
done
tcp() { # K...: iperf3 8 s in tenants K... at once, prints the sum in Mbit/s
  local k pids=()
  for k in "$@"; do ip netns exec $P-hp$k timeout 30 iperf3 -s -1 -p 5201 >/dev/null 2>&1 & done
  sleep 0.5
  for k in "$@"; do ip netns exec $P-ht$k timeout 25 iperf3 -c 198.19.0.2 -p 5201 -t 8 -J >"$T/iperf-$k.json" 2>/dev/null & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || true; done
  for k in "$@"; do jq '.end.sum_received.bits_per_second // 0' "$T/iperf-$k.json"; done | awk '{s+=$1; printf "%.0f ", $1/1e6} END{printf "| sum %.0f Mbit/s\n", s/1e6}'
}
echo "TCP, 1 busy tenant (t1):        $(tcp 1)"
echo "TCP, 4 busy tenants (t1..t4):   $(tcp 1 2 3 4)"
echo "provider RSS after the TCP runs: $(rss $PROV) MB (VmHWM $(awk '/^VmHWM/{printf "%.1f", $2/1024}' /proc/$PROV/status) MB)"
