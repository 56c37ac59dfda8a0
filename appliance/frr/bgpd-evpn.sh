#!/usr/bin/env bash
# Prints an FRR bgpd configuration for a bridgehead VTEP on a BGP-EVPN fabric (docs/INTERNALS.md
# section 10): iBGP, address family l2vpn evpn only, advertise-all-vni (zebra advertises every
# VXLAN VNI it finds: its MACs and MAC+IPs as type-2 routes, itself as a flooding target as a
# type-3 route, and installs the remote ones in the kernel). The route targets are FRR's
# automatic ASN:VNI. Peers are the fabric's route reflectors (or, in a lab, the other VTEPs).
#
#   bgpd-evpn.sh --asn 65000 --router-id 198.18.50.1 --peer 198.18.50.2 [--peer ...] [--hostname NAME]
#   bgpd-evpn.sh ... > /etc/frr/frr.conf     (with bgpd=yes in /etc/frr/daemons)
set -euo pipefail
die() { echo "bgpd-evpn.sh: $*" >&2; exit 2; }
asn='' rid='' host=$(hostname 2>/dev/null || echo bridgehead) peers=()
while [ $# -gt 0 ]; do
  case $1 in
    --asn) asn=${2-}; shift 2 ;;
    --router-id) rid=${2-}; shift 2 ;;
    --peer) peers+=("${2-}"); shift 2 ;;
    --hostname) host=${2-}; shift 2 ;;
    *) die "unknown option '$1'" ;;
  esac
done
ipv4='^([0-9]{1,3}\.){3}[0-9]{1,3}$'
[[ $asn =~ ^[0-9]+$ ]] && [ "$asn" -ge 1 ] && [ "$asn" -le 4294967295 ] || die "--asn must be 1..4294967295 (got '$asn')"
[[ $rid =~ $ipv4 ]] || die "--router-id must be an IPv4 address (got '$rid')"
[ ${#peers[@]} -ge 1 ] || die "at least one --peer (a route reflector or another VTEP)"
for p in "${peers[@]}"; do [[ $p =~ $ipv4 ]] || die "--peer must be an IPv4 address (got '$p')"; done
[[ $host =~ ^[A-Za-z0-9._-]{1,63}$ ]] || die "--hostname must be a host name (got '$host')"

cat <<EOC
frr defaults datacenter
hostname $host
!
router bgp $asn
 bgp router-id $rid
 no bgp default ipv4-unicast
EOC
for p in "${peers[@]}"; do echo " neighbor $p remote-as $asn"; done
echo " !"
echo " address-family l2vpn evpn"
for p in "${peers[@]}"; do echo "  neighbor $p activate"; done
cat <<EOC
  advertise-all-vni
 exit-address-family
!
EOC
