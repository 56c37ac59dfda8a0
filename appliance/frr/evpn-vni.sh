#!/usr/bin/env bash
# The kernel side of a VXLAN VNI on a BGP-EVPN fabric for bridgehead (docs/INTERNALS.md section 10):
# one Linux bridge per VNI (VLAN-unaware; it is also zebra's SVI for the VNI) holding the VXLAN
# device (learning off: zebra programs remote MACs from BGP) and bridgehead's TAP (bridgehead
# puts the TAP into the bridge itself: "bridge" in bridgehead.json). Idempotent.
#
#   evpn-vni.sh up   --vni 100 --bridge br100 --local 198.18.50.1 [--dev UNDERLAY_IF] [--dstport 4789]
#                    [--mtu 1500] [--neigh-suppress]
#   evpn-vni.sh down --vni 100 [--bridge br100]     (deletes the VXLAN device; the bridge when empty)
#
# --local is this VTEP's address (a loopback /32 announced in the underlay, or the fabric link's
# address). The VXLAN device's MTU is the tenant frame MTU: the underlay needs 50 bytes more.
# --neigh-suppress turns on the kernel bridge's ARP/ND suppression on the VXLAN port. Off by
# default: the kernel then keeps ARP probes (sender 0.0.0.0) and gratuitous ARP off the fabric,
# and bridgehead's failover checks (RFC 5227 probes for a replica behind another VTEP) and its
# announcements need them to cross; bridgehead's own proxy ARP answers the tenant's ARP.
set -euo pipefail

die() { echo "evpn-vni.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: evpn-vni.sh up|down --vni N [--bridge BR] [--local IP] [--dev IF] [--dstport P] [--mtu M] [--neigh-suppress]"
cmd=$1; shift
vni='' bridge='' local_ip='' dev='' dstport=4789 mtu=1500 suppress=off
while [ $# -gt 0 ]; do
  case $1 in
    --vni) vni=${2-}; shift 2 ;;
    --bridge) bridge=${2-}; shift 2 ;;
    --local) local_ip=${2-}; shift 2 ;;
    --dev) dev=${2-}; shift 2 ;;
    --dstport) dstport=${2-}; shift 2 ;;
    --mtu) mtu=${2-}; shift 2 ;;
    --neigh-suppress) suppress=on; shift ;;
    *) die "unknown option '$1'" ;;
  esac
done
[[ $vni =~ ^[0-9]+$ ]] && [ "$vni" -ge 1 ] && [ "$vni" -le 16777215 ] || die "--vni must be 1..16777215 (got '$vni')"
[[ $dstport =~ ^[0-9]+$ ]] && [ "$dstport" -ge 1 ] && [ "$dstport" -le 65535 ] || die "--dstport must be 1..65535 (got '$dstport')"
[[ $mtu =~ ^[0-9]+$ ]] && [ "$mtu" -ge 576 ] && [ "$mtu" -le 9000 ] || die "--mtu must be 576..9000 (got '$mtu')"
vx="vxlan$vni"
[ ${#vx} -le 15 ] || die "VXLAN device name '$vx' is too long"
bridge=${bridge:-br$vni}
[[ $bridge =~ ^[A-Za-z0-9._-]{1,15}$ ]] || die "--bridge must be an interface name (got '$bridge')"

case $cmd in
  up)
    [[ $local_ip =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "--local must be this VTEP's IPv4 address (got '$local_ip')"
    if ! ip link show dev "$bridge" >/dev/null 2>&1; then
      ip link add "$bridge" type bridge stp_state 0 mcast_snooping 0
    fi
    if ! ip link show dev "$vx" >/dev/null 2>&1; then
      ip link add "$vx" type vxlan id "$vni" local "$local_ip" dstport "$dstport" nolearning ${dev:+dev "$dev"}
    fi
    ip link set "$vx" mtu "$mtu"
    ip link set "$vx" master "$bridge"
    bridge link set dev "$vx" learning off neigh_suppress "$suppress"
    ip link set "$vx" up
    ip link set "$bridge" up
    echo "evpn-vni.sh: VNI $vni: $vx (local $local_ip, port $dstport, neigh_suppress $suppress) in $bridge"
    ;;
  down)
    ip link del "$vx" 2>/dev/null || true
    if ip link show dev "$bridge" >/dev/null 2>&1 && [ -z "$(ip -o link show master "$bridge")" ]; then
      ip link del "$bridge"
    fi
    ;;
  *) die "unknown command '$cmd' (up, down)" ;;
esac
