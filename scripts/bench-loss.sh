#!/usr/bin/env bash
# bench-loss.sh -- where are the 64-byte packets lost? A diagnostic benchmark, not a test.
# Pairs two appliances on the demo topology (scripts/lib/pair-demo.sh), sends a bounded unlimited-
# rate 64-byte UDP flow t1 -> p1 through the tunnel (iperf3 -u -l 64 -b 0, 5 s; the harness's
# udp64 measurement) and accounts for every datagram: dropped at the tenant TAP's queue before
# bridgehead read it, dropped by either data plane (drop counters), or dropped at the receiving
# host's socket (p1's UdpRcvbufErrors: the receiver had no CPU to read them).
# Needs root and a built checkout. Namespaces "bhl<pid>-*", removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench-loss: run as root" >&2; exit 1; }
P=bhl$$
T=$(mktemp -d)
trap 'bash scripts/topology.sh down $P >/dev/null 2>&1; rm -rf "$T"' EXIT INT TERM
. scripts/lib/pair-demo.sh
bh_pair_demo $P "$T"
BH="node $PWD/dist/src/cli/main.js"
tapdrops() { ip netns exec $P-ta cat /sys/class/net/bh0/statistics/tx_dropped; }
tapread() { ip netns exec $P-ta cat /sys/class/net/bh0/statistics/tx_packets; }
rcvbuf() { ip netns exec $P-p1 nstat -az UdpRcvbufErrors | awk '/UdpRcvbufErrors/{print $2}'; }
indg() { ip netns exec $P-p1 nstat -az UdpInDatagrams | awk '/UdpInDatagrams/{print $2}'; }
dpdrops() { ip netns exec $P-$1 $BH status --config "$T/$2" --json | node -e 'const s=JSON.parse(require("fs").readFileSync(0));let n=0;for(const v of Object.values(s.drops))n+=v;console.log(n)'; }
d0=$(tapdrops) r0=$(tapread) b0=$(rcvbuf) i0=$(indg) td0=$(dpdrops ta t) pd0=$(dpdrops pa p)
ip netns exec $P-p1 timeout 20 iperf3 -s -1 >/dev/null 2>&1 &
sleep 0.3
out=$(ip netns exec $P-t1 timeout 15 iperf3 -c 198.19.10.21 -u -l 64 -b 0 -t 5)
sent=$(echo "$out" | awk '/sender/{split($(NF-2),a,"/"); print a[2]}')
echo "$out" | grep -E "sender|receiver"
d1=$(tapdrops) r1=$(tapread) b1=$(rcvbuf) i1=$(indg) td1=$(dpdrops ta t) pd1=$(dpdrops pa p)
echo "sent by iperf3 on t1:                          $sent"
echo "dropped at the tenant TAP queue (not read):    $((d1 - d0))"
echo "read by the tenant data plane:                 $((r1 - r0))   ($(( (r1 - r0) / 5 )) per second)"
echo "dropped by the data planes (all reasons):      tenant $((td1 - td0)), provider $((pd1 - pd0))"
echo "dropped at p1's socket (UdpRcvbufErrors):      $((b1 - b0))"
echo "read by iperf3 on p1 (UdpInDatagrams):         $((i1 - i0))"
