# shellcheck shell=bash
# scripts/lib/prefix-netns.sh -- the namespace helpers of the small topology scripts
# (relay-topology.sh, tenants-topology.sh). Sourced, never run. Every namespace is "$P-<name>";
# the caller sets P (checked there); nothing touches the root namespace's addresses or routes.

nsx() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }

# a namespace with lo up and IPv6 off (captures hold only what the tests send)
mkns() {
  ip netns add "$P-$1"
  nsx "$1" ip link set lo up
  nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# bridge $2 in namespace $1, no STP, forwarding at once
bridge_in() { nsx "$1" ip link add "$2" type bridge stp_state 0 forward_delay 0; nsx "$1" ip link set "$2" up; }

# every "$P-" namespace: its processes killed, then deleted (safe to run twice)
down() {
  local ns pid
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$P-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
