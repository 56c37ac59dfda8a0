#!/usr/bin/env bash
# npm run test:image: boots two appliance VMs from the image (npm run image) and checks that they
# configure themselves from their seed disks, pair, and carry a tenant LAN host's ping to a
# provider LAN host with TTL 64. Run as root, under the machine's lock:
#   flock /tmp/bh-netns.lock npm run test:image
#
#   bhi-<pid>-lanP: br0 (p-lan)  198.18.10.1/24  provider LAN host    (all in own namespaces, removed
#   bhi-<pid>-wan:  br (p-wan, t-wan) 198.18.0.254/24 (SSH client)    on exit; addresses in
#   bhi-<pid>-lanT: br0 (t-lan)  198.18.10.2/24  tenant LAN host       198.18.0.0/15)
#   provider VM: WAN 198.18.0.2 (NIC p-wan), LAN NIC p-lan; tenant VM: WAN 198.18.0.3, LAN t-lan
#
# qemu runs in namespace bhi-<pid>-q, creates its TAPs there, and the TAPs are then moved into the
# namespaces above. The provider boots first; its first-boot unit prints an invite on the serial
# console; the tenant's seed carries that token. Boot to forwarding = from the tenant's qemu start
# to the first ping answered across. The provider's seed also turns SSH on with a key made here,
# to check from the inside: systemd-analyze security, the daemon's user, capabilities and files.
# Acceleration: KVM when the host really has it; TCG where /dev/kvm is missing or is kvm-pvm
# (its guests crawl; see docs/BENCHMARKS.md). Prints "BHI key=value" result lines.
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${BH_IMAGE:-build/image/bridgehead-appliance.qcow2}
P=bhi-$$
BOOT_TIMEOUT=${BHI_BOOT_TIMEOUT:-300}
say() { echo "test-image: $*" >&2; }
die() { echo "test-image: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (network namespaces, TAP devices)"
[ -f "$IMG" ] || die "no image at $IMG; build it: npm run image"
for t in qemu-system-x86_64 qemu-img mkfs.ext4 ssh ssh-keygen ping jq; do command -v $t >/dev/null || die "$t not installed (bash scripts/setup.sh --image)"; done

W=$(mktemp -d /tmp/bhi.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
  for ns in q wan lanP lanT; do ip netns del "$P-$ns" 2>/dev/null || true; done
  if [ $rc != 0 ]; then
    for v in provider tenant; do [ -f "$W/$v.serial" ] && { echo "---- $v serial console (last 40 lines)"; tail -n 40 "$W/$v.serial"; } >&2; done
  fi
  rm -rf "$W"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

accel=(-accel tcg,thread=multi) accel_name=tcg
if [ -e /sys/module/kvm_pvm ]; then
  say "/dev/kvm is kvm-pvm here (unmodified guests crawl under it): using TCG"
elif [ -w /dev/kvm ] && grep -qE 'vmx|svm' /proc/cpuinfo; then
  accel=(-accel kvm -cpu host) accel_name=kvm
else
  say "no usable KVM: using TCG"
fi

# ---- namespaces and bridges
for ns in q wan lanP lanT; do ip netns add "$P-$ns"; ip -n "$P-$ns" link set lo up; done
for ns in wan lanP lanT; do ip -n "$P-$ns" link add br0 type bridge; ip -n "$P-$ns" link set br0 up; done
ip -n "$P-wan" addr add 198.18.0.254/24 dev br0
ip -n "$P-lanP" addr add 198.18.10.1/24 dev br0
ip -n "$P-lanT" addr add 198.18.10.2/24 dev br0

# ---- seeds: a small ext4 disk labelled BH-SEED with bridgehead-seed.json
ssh-keygen -q -t ed25519 -N '' -f "$W/id" -C bhi-test
seed() { # seed NAME JSON
  mkdir -p "$W/seed-$1"; echo "$2" >"$W/seed-$1/bridgehead-seed.json"
  mkfs.ext4 -q -F -L BH-SEED -d "$W/seed-$1" "$W/$1-seed.img" 4M >/dev/null
}
seed provider "$(jq -n --arg key "$(cat "$W/id.pub")" '{
  wan: {mac: "52:54:00:b4:00:01", address: "198.18.0.2/24"}, lan: {mac: "52:54:00:b4:00:02"},
  init: ["--name", "provider", "--listen", "198.18.0.2:51820", "--endpoint", "198.18.0.2:51820"],
  invite: true, ssh: {authorized_keys: [$key]}}')"

start_vm() { # start_vm NAME WANMAC LANMAC
  local v=$1
  qemu-img create -q -f qcow2 -b "$(readlink -f "$IMG")" -F qcow2 "$W/$v.qcow2"
  ip netns exec "$P-q" qemu-system-x86_64 "${accel[@]}" -smp 2 -m 512 -nodefaults -display none \
    -serial "file:$W/$v.serial" \
    -drive "file=$W/$v.qcow2,if=virtio,format=qcow2" \
    -drive "file=$W/$v-seed.img,if=virtio,format=raw,readonly=on" \
    -netdev "tap,id=wan,ifname=${v:0:1}-wan,script=no,downscript=no" -device "virtio-net-pci,netdev=wan,mac=$2" \
    -netdev "tap,id=lan,ifname=${v:0:1}-lan,script=no,downscript=no" -device "virtio-net-pci,netdev=lan,mac=$3" \
    >"$W/$v.qemu.log" 2>&1 &
  pids+=($!)
  local side=lanP; [ "$v" = tenant ] && side=lanT
  for _ in $(seq 100); do ip -n "$P-q" link show "${v:0:1}-lan" >/dev/null 2>&1 && break; sleep 0.1; done
  ip -n "$P-q" link set "${v:0:1}-wan" netns "$P-wan" || die "$v: qemu made no TAP (see $W/$v.qemu.log)"
  ip -n "$P-q" link set "${v:0:1}-lan" netns "$P-$side"
  ip -n "$P-wan" link set "${v:0:1}-wan" master br0 up
  ip -n "$P-$side" link set "${v:0:1}-lan" master br0 up
}
wait_serial() { # wait_serial NAME REGEX SECONDS -> the first matching line
  local end=$((SECONDS + $3)) line
  while [ $SECONDS -lt $end ]; do
    line=$(grep -aE "$2" "$W/$1.serial" 2>/dev/null | head -n 1 || true)
    [ -n "$line" ] && { echo "$line"; return 0; }
    grep -aq 'bridgehead-firstboot: FAILED' "$W/$1.serial" 2>/dev/null && die "$1: first boot failed"
    sleep 0.5
  done
  return 1
}

say "booting the provider ($accel_name)"
t_p=$SECONDS
start_vm provider 52:54:00:b4:00:01 52:54:00:b4:00:02
line=$(wait_serial provider 'bridgehead-firstboot: invite: bh1\.' "$BOOT_TIMEOUT") || die "provider printed no invite in ${BOOT_TIMEOUT} s"
token=$(echo "$line" | tr -d '\r' | sed 's/.*invite: //' | awk '{print $1}')
say "provider configured and invited after $((SECONDS - t_p)) s"

seed tenant "$(jq -n --arg token "$token" '{
  wan: {mac: "52:54:00:b4:00:11", address: "198.18.0.3/24"}, lan: {mac: "52:54:00:b4:00:12"},
  init: ["--name", "tenant", "--listen", "198.18.0.3:51820"], join: $token}')"
say "booting the tenant with the invite"
t0=$(date +%s%N)
start_vm tenant 52:54:00:b4:00:11 52:54:00:b4:00:12
fwd=""
end=$((SECONDS + BOOT_TIMEOUT))
while [ $SECONDS -lt $end ]; do
  if ip netns exec "$P-lanT" ping -n -c 1 -W 1 198.18.10.1 >/dev/null 2>&1; then fwd=$(( ($(date +%s%N) - t0) / 1000000 )); break; fi
  grep -aq 'bridgehead-firstboot: FAILED' "$W/tenant.serial" 2>/dev/null && die "tenant: first boot failed"
  sleep 0.5
done
[ -n "$fwd" ] || die "no ping across within ${BOOT_TIMEOUT} s of the tenant's start"
say "forwarding $((fwd / 1000)).$(( (fwd % 1000) / 100 )) s after the tenant VM started"

out=$(ip netns exec "$P-lanT" ping -n -c 5 -i 0.2 -W 2 198.18.10.1 2>&1) || die "ping across failed: $out"
echo "$out" | grep -q ' 0% packet loss' || die "ping across lost packets: $out"
ttls=$(echo "$out" | grep -o 'ttl=[0-9]*' | sort -u | tr '\n' ' ')
[ "$ttls" = "ttl=64 " ] || die "ping across: expected ttl=64 only, got: $ttls"
say "tenant LAN host -> provider LAN host: 5/5 answered, $ttls(one L2 segment, no routed hop)"

# ---- from the inside of the provider (SSH on, by the seed's key)
sshp() { ip netns exec "$P-wan" ssh -i "$W/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
           -o ConnectTimeout=10 -o LogLevel=ERROR root@198.18.0.2 "$@"; }
for _ in $(seq 30); do sshp true 2>/dev/null && break; sleep 1; done
exposure=$(sshp "systemd-analyze security --no-pager bridgehead.service" | sed -n 's/.*Overall exposure level for bridgehead.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || die "no exposure figure from systemd-analyze inside the provider"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.5) }' || die "systemd-analyze security bridgehead.service: $exposure > 2.5"
pid=$(sshp "systemctl show -p MainPID --value bridgehead.service")
user=$(sshp "ps -o user= -p $pid")
caps=$(sshp "grep -E '^Cap(Eff|Prm|Amb)' /proc/$pid/status" | awk '{print $1 $2}' | tr '\n' ' ')
files=$(sshp "stat -c '%U %a %n' /etc/bridgehead /etc/bridgehead/*" | tr '\n' ';')
[ "$user" = bridgehead ] || die "the daemon runs as '$user', not bridgehead"
# CAP_NET_ADMIN is bit 12: 0x1000
[ "$caps" = "CapPrm:0000000000001000 CapEff:0000000000001000 CapAmb:0000000000001000 " ] || die "daemon capabilities: $caps"
bad=$(echo "$files" | tr ';' '\n' | grep -v -e '^$' -e 'bridgehead.sock$' | awk '$1 != "bridgehead" || ($2 != "600" && $2 != "700")' || true)
[ -z "$bad" ] || die "not owned by bridgehead with mode 0600 (0700 for the directory): $bad"
# The data-plane threads lower their nice value to -10 (threadNice) through RLIMIT_NICE alone.
nices=$(sshp "ps -L -o nice= -p $pid" | tr -d ' ' | sort -n | uniq -c | tr -s ' ' | tr '\n' ';')
echo "$nices" | grep -q ' -10;' || die "no thread of the daemon runs at nice -10 (LimitNICE): $nices"
say "inside the provider: exposure $exposure, daemon user $user, $caps, thread nice count/value: $nices"

# MemoryDenyWriteExecute: does this Node (and libsodium, which the handshake needs) run under it,
# with and without --jitless? Reported, not asserted: the unit leaves it off (docs/INTERNALS.md 6.1).
# The image has no D-Bus, so no systemd-run: a unit in /run per variant.
mdwe() { # mdwe NAME NODE-OPTION -> "Result ExecMainStatus last-output-line"
  sshp "echo 'require(\"/opt/bridgehead/node_modules/libsodium-wrappers\").ready.then(() => console.log(\"ok\"))' >/run/bh-mdwe.js
printf '[Service]\nType=oneshot\nUser=bridgehead\nMemoryDenyWriteExecute=yes\nExecStart=/opt/bridgehead/node/bin/node $2 /run/bh-mdwe.js\nStandardOutput=file:/run/bh-mdwe-$1.out\n' >/run/systemd/system/bh-mdwe-$1.service
systemctl daemon-reload; systemctl start bh-mdwe-$1.service 2>/dev/null
systemctl show -p Result,ExecMainStatus --value bh-mdwe-$1.service | tr '\n' ' '
grep -v -e '^ *at ' -e '^$' /run/bh-mdwe-$1.out 2>/dev/null | tail -n 1 | cut -c1-100"
}
echo "BHI mdwe_node=\"$(mdwe jit '')\" mdwe_node_jitless=\"$(mdwe jitless --jitless)\""

echo "BHI accel=$accel_name boot_to_forwarding_ms=$fwd ttl=64 exposure=$exposure image_bytes=$(stat -c %s "$IMG")"
say "PASS"
