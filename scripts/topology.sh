#!/usr/bin/env bash
# topology.sh -- the two-site bridgehead topology in network namespaces (the demo and the
# namespace tests both use this one source).
#
#   bash scripts/topology.sh up     PREFIX          build it (idempotent)
#   bash scripts/topology.sh down   PREFIX          delete every "PREFIX-*" namespace, stop what runs in them
#   bash scripts/topology.sh exec   PREFIX NODE CMD...   run CMD in PREFIX-NODE
#   bash scripts/topology.sh spawn  PREFIX NODE TAG CMD... start CMD in the background in PREFIX-NODE,
#                                   output to STATE/TAG.log, pid recorded (down stops it); prints the pid
#   bash scripts/topology.sh check  PREFIX          self-test of the topology (no bridgehead needed)
#   bash scripts/topology.sh state  PREFIX          print the state directory
#   bash scripts/topology.sh list                   list topologies (state dirs and namespaces)
#
#  tenant site                                                  provider site
#  PREFIX-t1 eth0 198.19.10.11/24 02:00:00:00:10:11 -+          +- PREFIX-p1 eth0 198.19.10.21/24 02:00:00:00:10:21
#  PREFIX-t2 eth0 198.19.10.12/24 02:00:00:00:10:12 -+ br0      | br0
#                               PREFIX-ta (tenant appliance)   PREFIX-pa (provider appliance)
#                               ports t1,t2; wan0 198.18.1.2/24 ports p1; wan0 198.18.3.2/24
#                                 | (gw 198.18.1.1)               | (gw 198.18.3.1)
#                               PREFIX-nat  lan0 198.18.1.1/24    |
#                                           wan0 198.18.2.2/30 (nftables masquerade, gw .1)
#                                 |                               |
#                               PREFIX-wan  nat0 198.18.2.1/30 -- pa0 198.18.3.1/24
#
# The appliances' br0 has no address; bridgehead creates its TAP and attaches it to br0 itself
# (--bridge br0).  Hosts keep IPv6 (link-local only); appliances and routers have it disabled.
# The NAT router also filters: the WAN can only answer flows the tenant side started.
#
# Environment:
#   WAN_MTU=1500        MTU of every WAN link (ta-nat, nat-wan, wan-pa)
#   LAN_MTU=1500        MTU of the host links (hosts <-> br0)
#   NO_NAT=1            plain routing instead of masquerade (wan gets a route to 198.18.1.0/24)
#   NAT_UDP_TIMEOUT=S   the NAT's UDP conntrack timeout (unreplied and stream), for NAT-expiry tests
#   HOST_IPV6_DAD=1     keep IPv6 duplicate address detection on the hosts (off by default)
#   WAN_EMU=1           relay the tenant -> provider UDP flow (to 198.18.3.2:$WAN_EMU_PORT) through
#                       the user-space WAN emulator in PREFIX-wan: an nftables redirect on wan's
#                       nat0 sends it to dist/scripts/wan-emu.js listening on :$WAN_EMU_LISTEN_PORT,
#                       which forwards it to the provider from 198.18.3.1.  Transparent: the tenant
#                       keeps 198.18.3.2:51820 as its peer; the provider sees the tenant at
#                       198.18.3.1:<port>.  Other traffic (ICMP, ...) is routed normally.
#   WAN_EMU_ARGS="--delay-ms 20 --jitter-ms 5 --loss 1 --seed 7"   passed to wan-emu.js
#   WAN_EMU_PORT=51820  WAN_EMU_LISTEN_PORT=51821  WAN_EMU_DURATION=3600 (s; the relay exits by itself)
#   BH_TOPO_STATE=/tmp/bh-topo   root of the state directories (STATE = $BH_TOPO_STATE/PREFIX)
#
# Every address is in 198.18.0.0/15; nothing is added to the root namespace.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

: "${WAN_MTU:=1500}" "${LAN_MTU:=1500}" "${NO_NAT:=0}" "${WAN_EMU:=0}" "${HOST_IPV6_DAD:=0}"
: "${WAN_EMU_ARGS:=}" "${WAN_EMU_PORT:=51820}" "${WAN_EMU_LISTEN_PORT:=51821}" "${WAN_EMU_DURATION:=3600}"
: "${NAT_UDP_TIMEOUT:=}" "${BH_TOPO_STATE:=/tmp/bh-topo}"

NODES=(t1 t2 p1 ta pa nat wan)
declare -A HOST_IP=([t1]=198.19.10.11 [t2]=198.19.10.12 [p1]=198.19.10.21)
declare -A HOST_MAC=([t1]=02:00:00:00:10:11 [t2]=02:00:00:00:10:12 [p1]=02:00:00:00:10:21)
declare -A HOST_APP=([t1]=ta [t2]=ta [p1]=pa)
declare -A BR_MAC=([ta]=02:00:00:00:0a:01 [pa]=02:00:00:00:0a:02)

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

nsx() { local n=$1; shift; ip netns exec "$PREFIX-$n" "$@"; }
sysctl_ns() { local n=$1; shift; local kv; for kv in "$@"; do nsx "$n" sysctl -qw "$kv" >/dev/null; done; }

# veth NODE_A IF_A NODE_B IF_B MTU -- created directly inside the two namespaces (never in root)
veth() {
  ip -n "$PREFIX-$1" link add "$2" mtu "$5" type veth peer name "$4" mtu "$5" netns "$PREFIX-$3"
}

topo_up() {
  if [ -f "$STATE/up.ok" ]; then
    local n ok=1
    for n in "${NODES[@]}"; do bh_ns_exists "$PREFIX-$n" || ok=0; done
    if [ $ok = 1 ]; then bh_log "topology $PREFIX is already up"; return 0; fi
  fi
  if [ -n "$(bh_ns_list "$PREFIX")" ] || [ -d "$STATE" ]; then
    bh_log "topology $PREFIX is partly there; removing it first"
    topo_down
  fi
  mkdir -p "$STATE"
  chmod 0755 "$STATE"
  {
    echo "PREFIX=$PREFIX"; echo "WAN_MTU=$WAN_MTU"; echo "LAN_MTU=$LAN_MTU"; echo "NO_NAT=$NO_NAT"
    echo "WAN_EMU=$WAN_EMU"; echo "CREATED=$(date -Is)"; echo "OWNER_PID=${BH_TOPO_OWNER:-$PPID}"
  } >"$STATE/env"
  trap up_failed EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  bh_log "creating namespaces $PREFIX-{$(IFS=,; echo "${NODES[*]}")}"
  local n
  for n in "${NODES[@]}"; do
    ip netns add "$PREFIX-$n"
    ip -n "$PREFIX-$n" link set lo up
  done
  # No IPv6 on appliances and routers (no RS/MLD noise on the segment or the WAN); hosts keep it.
  for n in ta pa nat wan; do
    sysctl_ns "$n" net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  for n in t1 t2 p1; do
    if [ "$HOST_IPV6_DAD" != 1 ]; then
      sysctl_ns "$n" net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    fi
  done

  # ---- sites: hosts on br0 in their appliance
  for n in ta pa; do
    ip -n "$PREFIX-$n" link add br0 address "${BR_MAC[$n]}" type bridge stp_state 0 mcast_snooping 0
  done
  for n in t1 t2 p1; do
    local app=${HOST_APP[$n]}
    veth "$app" "$n" "$n" eth0 "$LAN_MTU"
    ip -n "$PREFIX-$n" link set eth0 address "${HOST_MAC[$n]}"
    ip -n "$PREFIX-$n" addr add "${HOST_IP[$n]}/24" dev eth0
    ip -n "$PREFIX-$n" link set eth0 up
    ip -n "$PREFIX-$app" link set "$n" master br0
    ip -n "$PREFIX-$app" link set "$n" up
  done
  for n in ta pa; do ip -n "$PREFIX-$n" link set br0 up; done

  # ---- WAN: ta.wan0 -- nat.lan0 | nat.wan0 -- wan.nat0 | wan.pa0 -- pa.wan0
  veth ta wan0 nat lan0 "$WAN_MTU"
  veth nat wan0 wan nat0 "$WAN_MTU"
  veth wan pa0 pa wan0 "$WAN_MTU"
  ip -n "$PREFIX-ta"  addr add 198.18.1.2/24 dev wan0
  ip -n "$PREFIX-nat" addr add 198.18.1.1/24 dev lan0
  ip -n "$PREFIX-nat" addr add 198.18.2.2/30 dev wan0
  ip -n "$PREFIX-wan" addr add 198.18.2.1/30 dev nat0
  ip -n "$PREFIX-wan" addr add 198.18.3.1/24 dev pa0
  ip -n "$PREFIX-pa"  addr add 198.18.3.2/24 dev wan0
  ip -n "$PREFIX-ta"  link set wan0 up
  ip -n "$PREFIX-nat" link set lan0 up
  ip -n "$PREFIX-nat" link set wan0 up
  ip -n "$PREFIX-wan" link set nat0 up
  ip -n "$PREFIX-wan" link set pa0 up
  ip -n "$PREFIX-pa"  link set wan0 up
  ip -n "$PREFIX-ta"  route add default via 198.18.1.1 dev wan0
  ip -n "$PREFIX-nat" route add default via 198.18.2.1 dev wan0
  ip -n "$PREFIX-pa"  route add default via 198.18.3.1 dev wan0
  sysctl_ns nat net.ipv4.ip_forward=1
  sysctl_ns wan net.ipv4.ip_forward=1

  if [ "$NO_NAT" = 1 ]; then
    ip -n "$PREFIX-wan" route add 198.18.1.0/24 via 198.18.2.2 dev nat0
  else
    nsx nat nft -f - <<'EOF'
table ip bhnat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan0" masquerade
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "wan0" accept
  }
}
EOF
    if [ -n "$NAT_UDP_TIMEOUT" ]; then
      sysctl_ns nat "net.netfilter.nf_conntrack_udp_timeout=$NAT_UDP_TIMEOUT" \
        "net.netfilter.nf_conntrack_udp_timeout_stream=$NAT_UDP_TIMEOUT"
    fi
  fi

  if [ "$WAN_EMU" = 1 ]; then start_wan_emu; fi
  touch "$STATE/up.ok"
  trap - EXIT INT TERM
  bh_log "topology $PREFIX is up (WAN_MTU=$WAN_MTU NAT=$([ "$NO_NAT" = 1 ] && echo off || echo on) WAN_EMU=$WAN_EMU; state in $STATE)"
}

up_failed() {
  local rc=$?
  [ -f "$STATE/up.ok" ] && return 0
  trap - EXIT INT TERM
  bh_warn "topology up failed (exit $rc); removing what was created"
  topo_down || true
  exit $(( rc == 0 ? 1 : rc ))
}

start_wan_emu() {
  local emu="$REPO/dist/scripts/wan-emu.js"
  [ -f "$emu" ] || bh_die "WAN_EMU=1 needs $emu (build with: npx tsc -p tsconfig.json)"
  bh_log "starting the WAN emulator in $PREFIX-wan: 198.18.3.2:$WAN_EMU_PORT (from nat0) -> :$WAN_EMU_LISTEN_PORT -> 198.18.3.2:$WAN_EMU_PORT ${WAN_EMU_ARGS}"
  # shellcheck disable=SC2086
  setsid ip netns exec "$PREFIX-wan" node "$emu" --listen "0.0.0.0:$WAN_EMU_LISTEN_PORT" \
    --target "198.18.3.2:$WAN_EMU_PORT" --duration "$WAN_EMU_DURATION" $WAN_EMU_ARGS \
    >"$STATE/wan-emu.log" 2>&1 </dev/null &
  local pid=$!
  bh_record_pid "$STATE" "$pid" wan-emu
  local i
  for (( i = 0; i < 50; i++ )); do
    grep -q '"event":"listening"' "$STATE/wan-emu.log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  grep -q '"event":"listening"' "$STATE/wan-emu.log" ||
    { bh_warn "the WAN emulator did not start:"; cat "$STATE/wan-emu.log" >&2; false; }
  nsx wan nft -f - <<EOF
table ip bhwanemu {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "nat0" ip daddr 198.18.3.2 udp dport $WAN_EMU_PORT redirect to :$WAN_EMU_LISTEN_PORT
  }
}
EOF
}

topo_down() {
  local ns
  if [ -d "$STATE" ]; then
    bh_kill_recorded "$STATE"
    if grep -q '"event":"exit"' "$STATE/wan-emu.log" 2>/dev/null; then
      bh_log "wan-emu counters: $(grep '"event":"exit"' "$STATE/wan-emu.log" | tail -1)"
    fi
  fi
  for ns in $(bh_ns_list "$PREFIX"); do bh_ns_kill_all "$ns"; done
  for ns in $(bh_ns_list "$PREFIX"); do
    ip netns del "$ns" 2>/dev/null || bh_warn "could not delete namespace $ns"
  done
  if [ -n "$(bh_ns_list "$PREFIX")" ]; then
    bh_warn "namespaces left: $(bh_ns_list "$PREFIX" | tr '\n' ' ')"
    return 1
  fi
  if [ -d "$STATE" ]; then
    if [ "${BH_TOPO_KEEP_STATE:-0}" = 1 ]; then rm -f "$STATE/up.ok"; else rm -rf "$STATE"; fi
  fi
  bh_log "topology $PREFIX is down"
}

topo_spawn() { # NODE TAG CMD...
  local node=$1 tag=$2; shift 2
  bh_ns_exists "$PREFIX-$node" || bh_die "no namespace $PREFIX-$node (run: $0 up $PREFIX)"
  [[ "$tag" =~ ^[A-Za-z0-9._-]+$ ]] || bh_die "bad tag '$tag'"
  setsid ip netns exec "$PREFIX-$node" "$@" >"$STATE/$tag.log" 2>&1 </dev/null &
  local pid=$!
  bh_record_pid "$STATE" "$pid" "$tag"
  echo "$pid"
}

# check: the topology works by itself (no bridgehead): routing, NAT, the NAT's filter, hosts.
topo_check() {
  local fails=0 out
  ok()   { bh_log "check ok:   $*"; }
  bad()  { bh_warn "check FAIL: $*"; fails=$((fails + 1)); }
  pingq() { local n=$1 dst=$2; nsx "$n" ping -n -q -c 2 -i 0.2 -w 3 "$dst" >/dev/null 2>&1; }
  for n in "${NODES[@]}"; do bh_ns_exists "$PREFIX-$n" || bad "namespace $PREFIX-$n missing"; done
  [ $fails = 0 ] || return 1
  pingq nat 198.18.2.1 && ok "nat -> wan (198.18.2.1)" || bad "nat -> wan (198.18.2.1)"
  pingq wan 198.18.3.2 && ok "wan -> pa (198.18.3.2)" || bad "wan -> pa (198.18.3.2)"
  pingq ta 198.18.1.1 && ok "ta -> nat (198.18.1.1)" || bad "ta -> nat (198.18.1.1)"
  pingq t1 198.19.10.12 && ok "t1 -> t2 on the tenant bridge" || bad "t1 -> t2 on the tenant bridge"
  if nsx t1 ping -n -q -c 1 -W 1 198.19.10.21 >/dev/null 2>&1; then
    bad "t1 reaches p1 without a tunnel (the sites must be separate)"
  else ok "t1 does not reach p1 without a tunnel"; fi
  out=$(nsx t1 cat /sys/class/net/eth0/address)
  [ "$out" = "${HOST_MAC[t1]}" ] && ok "t1 MAC $out" || bad "t1 MAC is $out"
  # NAT: ta -> pa, the source seen at pa must be the NAT's outside address.
  local want=198.18.2.2 cap="$STATE/check-nat.txt"
  [ "$NO_NAT" = 1 ] && want=198.18.1.2
  timeout 8 ip netns exec "$PREFIX-pa" tcpdump -l -n -i wan0 -c 1 "icmp[icmptype] = icmp-echo and src host $want" >"$cap" 2>"$cap.err" &
  local tdpid=$!
  bh_wait_until 5 "tcpdump ready" grep -q 'listening on' "$cap.err" || true
  nsx ta ping -n -q -c 3 -i 0.2 -w 4 198.18.3.2 >/dev/null 2>&1 && ok "ta -> pa (198.18.3.2) across the NAT" || bad "ta -> pa (198.18.3.2)"
  wait "$tdpid" 2>/dev/null || true
  if grep -q "$want > 198.18.3.2" "$cap"; then ok "pa sees the tenant as $want: $(head -1 "$cap")"
  else bad "pa did not see $want as the source (capture: $(cat "$cap" "$cap.err" | tr '\n' ' '))"; fi
  if [ "$NO_NAT" != 1 ]; then
    if nsx pa ping -n -q -c 1 -W 1 198.18.1.2 >/dev/null 2>&1; then bad "pa reaches ta behind the NAT"
    else ok "pa cannot reach ta behind the NAT (unsolicited inbound blocked)"; fi
  fi
  [ $fails = 0 ] && bh_log "topology $PREFIX: all checks passed" || bh_warn "topology $PREFIX: $fails check(s) failed"
  [ $fails = 0 ]
}

cmd=${1:-}; [ -n "$cmd" ] || usage
if [ "$cmd" = list ]; then
  ls -1 "$BH_TOPO_STATE" 2>/dev/null | sed 's/^/state: /' || true
  ip netns list | awk '{print "netns: " $1}'
  exit 0
fi
PREFIX=${2:-}; [ -n "$PREFIX" ] || usage
bh_check_prefix "$PREFIX"
STATE="$BH_TOPO_STATE/$PREFIX"
shift 2
case "$cmd" in
  up)    bh_require_root "$0"; bh_require_cmds ip nft sysctl; topo_up ;;
  down)  bh_require_root "$0"; topo_down ;;
  exec)  [ $# -ge 2 ] || usage; node=$1; shift; exec ip netns exec "$PREFIX-$node" "$@" ;;
  spawn) [ $# -ge 3 ] || usage; topo_spawn "$@" ;;
  check) bh_require_root "$0"; bh_require_cmds ping tcpdump timeout; topo_check ;;
  state) echo "$STATE" ;;
  *) usage ;;
esac
