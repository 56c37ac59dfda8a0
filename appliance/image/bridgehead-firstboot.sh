#!/bin/bash
# bridgehead-firstboot: configures the appliance from its seed disk on first boot, without a login.
# The seed is a small disk (ext4 or ISO 9660) labelled BH-SEED holding bridgehead-seed.json:
#   {
#     "wan":  {"mac": "52:54:00:00:00:01", "address": "198.18.0.2/24", "gateway": "198.18.0.1"},
#             (or {"mac": ..., "dhcp": true}; "name" instead of "mac" matches by interface name)
#     "lan":  {"mac": "52:54:00:00:00:02"},          the NIC bridged (br0) to the tunnel
#     "init": ["--name", "provider", "--listen", "198.18.0.2:51820", "--endpoint", "198.18.0.2:51820"],
#     "invite": true,                               provider: print an invite token on the console
#     "join": "bh1....",                            tenant: the provider's invite token
#     "ssh":  {"authorized_keys": ["ssh-ed25519 ..."]}   optional: turn SSH on (off by default)
#   }
# "init" holds `bridgehead init` options as given on the command line (the CLI validates them;
# --tap bh0 --bridge br0 are added when absent). Progress and errors go to the journal and to
# the serial console as lines starting with "bridgehead-firstboot:".
set -euo pipefail
SEED_LABEL=BH-SEED
MNT=/run/bridgehead-seed
DONE=/var/lib/bridgehead/firstboot.done
CFG=/etc/bridgehead
say() { echo "bridgehead-firstboot: $*"; } # the unit sends stdout to the journal and the console
fail() { say "FAILED: $*"; exit 1; }
bh() { /usr/local/bin/bridgehead "$@"; }

dev=""
for _ in $(seq 50); do dev=$(blkid -L "$SEED_LABEL" 2>/dev/null || true); [ -n "$dev" ] && break; sleep 0.2; done
[ -n "$dev" ] || { say "no seed disk labelled $SEED_LABEL: nothing to configure (configure by hand: bridgehead init ...)"; exit 0; }
mkdir -p "$MNT"
mountpoint -q "$MNT" || mount -o ro "$dev" "$MNT" || fail "cannot mount the seed $dev"
seed=$MNT/bridgehead-seed.json
[ -f "$seed" ] || fail "the seed $dev has no bridgehead-seed.json"
jq -e 'type == "object"' "$seed" >/dev/null 2>&1 || fail "bridgehead-seed.json is not a JSON object"
j() { jq -r "$1" "$seed"; }

# ---- network: systemd-networkd files (kept for later boots)
match() { # the [Match] section for seed key $1 (wan/lan)
  local mac name
  mac=$(j ".$1.mac // empty"); name=$(j ".$1.name // empty")
  if [ -n "$mac" ]; then
    [[ $mac =~ ^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$ ]] || fail "$1.mac: not a MAC address: '$mac'"
    printf '[Match]\nMACAddress=%s\n' "$mac"
  elif [ -n "$name" ]; then
    [[ $name =~ ^[A-Za-z0-9._-]{1,15}$ ]] || fail "$1.name: not an interface name: '$name'"
    printf '[Match]\nName=%s\n' "$name"
  else fail "$1: needs \"mac\" or \"name\""; fi
}
net=/etc/systemd/network
mkdir -p "$net"
{
  match wan
  printf '\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n'
  if [ "$(j '.wan.dhcp // false')" = true ]; then echo 'DHCP=ipv4'
  else
    addr=$(j '.wan.address // empty'); gw=$(j '.wan.gateway // empty')
    [[ $addr =~ ^[0-9.]+/[0-9]+$|^[0-9a-fA-F:]+/[0-9]+$ ]] || fail "wan.address: not ADDRESS/PREFIX: '$addr'"
    echo "Address=$addr"
    if [ -n "$gw" ]; then [[ $gw =~ ^[0-9.]+$|^[0-9a-fA-F:]+$ ]] || fail "wan.gateway: not an address: '$gw'"; echo "Gateway=$gw"; fi
  fi
} >"$net/10-bh-wan.network"
printf '[NetDev]\nName=br0\nKind=bridge\n\n[Bridge]\nSTP=no\n' >"$net/20-bh-br0.netdev"
{ match lan; printf '\n[Network]\nBridge=br0\n'; } >"$net/21-bh-lan.network"
printf '[Match]\nName=br0\n\n[Network]\nLinkLocalAddressing=no\nIPv6AcceptRA=no\nConfigureWithoutCarrier=yes\n' >"$net/22-bh-br0.network"
systemctl enable --quiet systemd-networkd.service
systemctl restart systemd-networkd.service
for _ in $(seq 100); do ip link show br0 >/dev/null 2>&1 && break; sleep 0.1; done
ip link show br0 >/dev/null 2>&1 || fail "bridge br0 did not appear"
say "network: WAN $(j '.wan.address // "dhcp"'), LAN bridged to br0"

# ---- identity
mapfile -t init < <(jq -r '.init // [] | if type == "array" then .[] | tostring else error("init must be an array") end' "$seed") ||
  fail "init: must be an array of bridgehead init options"
for o in "${init[@]}"; do
  case $o in -c|--config|--config=*|--force) fail "init: $o is not allowed in the seed (the appliance's config is $CFG)" ;; esac
done
[[ " ${init[*]} " == *" --tap "* ]] || init+=(--tap bh0)
[[ " ${init[*]} " == *" --bridge "* ]] || init+=(--bridge br0)
if [ ! -f "$CFG/private.key" ]; then
  bh init --config "$CFG" "${init[@]}" || fail "bridgehead init ${init[*]}"
fi

# ---- SSH: off unless the seed brings keys
if [ "$(j '.ssh.authorized_keys // [] | length')" -gt 0 ]; then
  install -d -m 0700 /root/.ssh
  j '.ssh.authorized_keys[]' >/root/.ssh/authorized_keys; chmod 0600 /root/.ssh/authorized_keys
  ssh-keygen -A >/dev/null
  systemctl enable --now --quiet ssh.service && say "SSH on (key login only)"
fi

# ---- pairing
token=$(j '.join // empty')
if [ -n "$token" ]; then
  # the provider may still be booting: keep trying for 5 minutes
  deadline=$((SECONDS + 300))
  until bh join --config "$CFG" --timeout 15s "$token"; do
    [ $SECONDS -lt $deadline ] || fail "bridgehead join did not succeed within 300 s"
    say "join not done yet; retrying"; sleep 2
  done
  say "joined"
fi
systemctl enable --now --quiet bridgehead.service
if [ "$(j '.invite // false')" = true ]; then
  t=$(bh invite --config "$CFG" 2>/dev/null | tail -n 1) || fail "bridgehead invite"
  say "invite: $t"
fi
mkdir -p "$(dirname "$DONE")"; touch "$DONE"
say "done: bridgehead.service $(systemctl is-active bridgehead.service)"
