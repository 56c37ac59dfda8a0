#!/usr/bin/env bash
# tenants-topology.sh -- a multi-tenant provider appliance and its tenants' sites in network
# namespaces (test/netns/tenants.test.ts, scripts/bench-tenants.sh).
#
#   bash scripts/tenants-topology.sh up   PREFIX N SITES HOSTS   build it
#   bash scripts/tenants-topology.sh down PREFIX                 delete every "PREFIX-*" namespace
#
# N tenants. SITES = "each": one tenant appliance namespace per tenant (PREFIX-sK, bridge br0);
# SITES = "one": one namespace PREFIX-s0 holding every tenant site (bridge sbK per tenant, for a
# second multi-tenant appliance in the benchmark). HOSTS: tenants 1..HOSTS get a host on each side.
#
#   PREFIX-pv  provider appliance: wanbr 198.18.0.1/24; bridge lbK per tenant (no address)
#   PREFIX-sK  tenant K's appliance: wan 198.18.0.(10+K)/24 (SITES=each); br0
#   PREFIX-s0  all sites (SITES=one): wan 198.18.0.10/24; bridge sbK per tenant
#   PREFIX-hpK provider-side host of tenant K: eth0 198.19.0.2/24 02:00:00:00:00:02 (same in every tenant)
#   PREFIX-htK tenant-side host of tenant K:   eth0 198.19.0.1/24 02:00:00:00:00:01 (same in every tenant)
#
# Overlapping addressing on purpose: every tenant uses the same host IPs and MACs. IPv6 is off
# everywhere (captures hold only what the tests send). Every address is in 198.18.0.0/15; nothing
# is added to the root namespace.
set -euo pipefail

cmd=${1:-}; P=${2:-}
# shellcheck source=lib/prefix-netns.sh
. "$(dirname "$0")/lib/prefix-netns.sh"
[[ "$P" =~ ^[a-z][a-z0-9-]{2,20}$ ]] || { echo "tenants-topology: bad prefix '$P'" >&2; exit 2; }

# host namespace $1 with eth0 ($3/24, MAC $4) into bridge $5 of namespace $2 (port name $6)
host() {
  mkns "$1"
  ip link add "$6" netns "$P-$2" type veth peer name eth0 netns "$P-$1"
  nsx "$1" ip link set eth0 address "$4"
  nsx "$1" ip addr add "$3/24" dev eth0
  nsx "$1" ip link set eth0 up
  nsx "$2" ip link set "$6" master "$5"
  nsx "$2" ip link set "$6" up
}

case "$cmd" in
  down) down ;;
  up)
    N=${3:?N}; SITES=${4:?SITES}; HOSTS=${5:?HOSTS}
    [[ "$N" =~ ^[0-9]+$ && "$N" -ge 1 && "$N" -le 200 ]] || { echo "tenants-topology: N must be 1..200" >&2; exit 2; }
    down
    mkns pv
    bridge_in pv wanbr
    nsx pv ip addr add 198.18.0.1/24 dev wanbr
    if [ "$SITES" = one ]; then
      mkns s0
      ip link add w0 netns "$P-pv" type veth peer name wan netns "$P-s0"
      nsx pv ip link set w0 master wanbr; nsx pv ip link set w0 up
      nsx s0 ip addr add 198.18.0.10/24 dev wan; nsx s0 ip link set wan up
    fi
    for k in $(seq 1 "$N"); do
      bridge_in pv "lb$k"
      if [ "$SITES" = each ]; then
        mkns "s$k"
        ip link add "w$k" netns "$P-pv" type veth peer name wan netns "$P-s$k"
        nsx pv ip link set "w$k" master wanbr; nsx pv ip link set "w$k" up
        nsx "s$k" ip addr add "198.18.0.$((10 + k))/24" dev wan; nsx "s$k" ip link set wan up
        bridge_in "s$k" br0
        site="s$k"; sbr=br0
      else
        bridge_in s0 "sb$k"
        site=s0; sbr="sb$k"
      fi
      if [ "$k" -le "$HOSTS" ]; then
        host "hp$k" pv 198.19.0.2 02:00:00:00:00:02 "lb$k" "hp$k"
        host "ht$k" "$site" 198.19.0.1 02:00:00:00:00:01 "$sbr" "ht$k"
      fi
    done
    ;;
  *) echo "usage: tenants-topology.sh up PREFIX N each|one HOSTS | down PREFIX" >&2; exit 2 ;;
esac
