#!/usr/bin/env bash
# relay-topology.sh -- three sites of one stretched segment in network namespaces: two tenant data
# centres (A, B) and the provider (C), for the multi-site data plane (hub relay / mesh):
# test/netns/relay.test.ts and scripts/bench-relay.sh.
#
#   bash scripts/relay-topology.sh up   PREFIX     build it (whatever was under PREFIX is removed first)
#   bash scripts/relay-topology.sh down PREFIX     delete every "PREFIX-*" namespace
#
#   PREFIX-wan  the WAN: bridge wanbr joining the three appliances (no address)
#   PREFIX-sX   site X's appliance (X = a, b, c): wan 198.18.0.1X/24 (a=11, b=12, c=13); bridge br0
#   PREFIX-hX   a host on site X's LAN: eth0 198.19.0.1X/24, MAC 02:00:00:00:0X:01 (a=0a, b=0b, c=0c)
#
# IPv6 is off everywhere (captures hold only what the tests send). Every address is in
# 198.18.0.0/15; nothing is added to the root namespace.
set -euo pipefail

cmd=${1:-}; P=${2:-}
# shellcheck source=lib/prefix-netns.sh
. "$(dirname "$0")/lib/prefix-netns.sh"
[[ "$P" =~ ^[a-z][a-z0-9-]{2,20}$ ]] || { echo "relay-topology: bad prefix '$P'" >&2; exit 2; }

case "$cmd" in
  down) down ;;
  up)
    down
    mkns wan
    bridge_in wan wanbr
    n=0
    for x in a b c; do
      n=$((n + 1))
      mkns "s$x"
      ip link add "w$x" netns "$P-wan" type veth peer name wan netns "$P-s$x"
      nsx wan ip link set "w$x" master wanbr; nsx wan ip link set "w$x" up
      nsx "s$x" ip addr add "198.18.0.1$n/24" dev wan; nsx "s$x" ip link set wan up
      bridge_in "s$x" br0
      mkns "h$x"
      ip link add "l$x" netns "$P-s$x" type veth peer name eth0 netns "$P-h$x"
      nsx "h$x" ip link set eth0 address "02:00:00:00:0$x:01"
      nsx "h$x" ip addr add "198.19.0.1$n/24" dev eth0
      nsx "h$x" ip link set eth0 up
      nsx "s$x" ip link set "l$x" master br0; nsx "s$x" ip link set "l$x" up
    done
    ;;
  *) echo "usage: relay-topology.sh up PREFIX | down PREFIX" >&2; exit 2 ;;
esac
