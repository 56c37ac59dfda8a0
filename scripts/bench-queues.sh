#!/usr/bin/env bash
# bench-queues.sh -- where does the queue form under load? A diagnostic, not a test.
# Pairs two appliances on the demo topology (scripts/topology.sh), runs one bounded TCP flow
# t1 -> p1 through the tunnel, and meanwhile samples the provider's UDP receive queue and pings
# through the tunnel (from the loaded host and from an idle one) and locally (t2 -> t1).
# Prints the ping RTTs, the receive-queue samples, TAP drop counters and the TCP result.
# Needs root and a built checkout. Everything lives in namespaces "bhq<pid>-*", removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-queues: run as root" >&2; exit 1; }
P=bhq$$
T=$(mktemp -d)
trap 'bash scripts/topology.sh down $P >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
. scripts/lib/pair-demo.sh
bh_pair_demo $P "$T"
ip netns exec $P-p1 timeout 20 iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
ip netns exec $P-t1 timeout 15 iperf3 -c 198.19.10.21 -t 6 >"$T/iperf.txt" 2>&1 &
sleep 2
printf 'provider UDP receive queue (bytes, 8 samples): '
for _ in 1 2 3 4 5 6 7 8; do ip netns exec $P-pa ss -uamnH | awk 'NR==1{printf "%s ", $2}'; sleep 0.1; done; echo
ip netns exec $P-t1 ping -q -c 100 -i 0.01 -w 10 198.19.10.21 >"$T/ping-t1" 2>&1 &
ip netns exec $P-t2 ping -q -c 100 -i 0.01 -w 10 198.19.10.21 >"$T/ping-t2" 2>&1 &
ip netns exec $P-t2 ping -q -c 100 -i 0.01 -w 10 198.19.10.11 >"$T/ping-local" 2>&1
wait
echo "through the tunnel, loaded host t1: $(tail -1 "$T/ping-t1")"
echo "through the tunnel, idle host t2:   $(tail -1 "$T/ping-t2")"
echo "local, t2 -> t1 (no tunnel):        $(tail -1 "$T/ping-local")"
echo "TAP counters (tenant, provider):"
ip netns exec $P-ta ip -s link show bh0 | sed -n 3,6p
ip netns exec $P-pa ip -s link show bh0 | sed -n 3,6p
grep -E "sender|receiver" "$T/iperf.txt"
