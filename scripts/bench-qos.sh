#!/usr/bin/env bash
# bench-qos.sh -- QoS benchmark (issue 5): does voice stay fast while a backup fills the WAN?
#
#   sudo bash scripts/bench-qos.sh            (build first: npx node-gyp rebuild && npx tsc -p tsconfig.json)
#
# Topology (own namespaces, prefix bhq-, deleted on exit; addresses in 198.18.0.0/15):
#
#   bhq-hA eth0 198.19.10.1 -- [br0] bhq-appA ul0 198.18.0.1/30 -- a0 bhq-wan b0 -- ul0 198.18.0.6/30 bhq-appB [br0] -- eth0 198.19.10.2 bhq-hB
#
#   bhq-wan routes between the appliances. Its two egress links carry tbf at $BHQ_RATE (the WAN
#   bottleneck, where a plain VPN's queue forms) and the tunnel's UDP flow (A -> B:PORT) is relayed
#   through the project's user-space WAN emulator (dist/scripts/wan-emu.js, nftables redirect) with
#   $BHQ_DELAY_MS one-way delay in each direction (the kernel has no netem). A starts every tunnel;
#   B learns A's address (bridgehead: roaming; OpenVPN: p2p server without --remote; wg: roaming).
#
# Per tunnel (bridgehead with QoS = `init --wan-rate $BHQ_BH_RATE`, bridgehead without QoS,
# OpenVPN 2.6 TAP (AES-256-GCM, --fast-io) and wireguard-go + VXLAN, same commands as
# bench/peers/{20-openvpn,60-wireguard}.sh with A as the initiator):
#   idle:   EF pings (ping -Q 184) hA -> hB                                     -> RTT avg / p99 / loss
#   loaded: an unmarked TCP flow hA -> hB (iperf3, $BHQ_T s) saturating the WAN, and during it
#           EF pings (ping -Q 184 -i 0.05) and an EF UDP flow of 100 packets/s (iperf3 -u -l 200
#           --tos 184)                                                          -> RTT, jitter, loss, TCP goodput
# Results: one "BHQ ..." line per figure on stdout and in $BHQ_ROOT/results.txt, and a table at the end.
#
# Environment: BHQ_RATE=50mbit  BHQ_BH_RATE=49mbit  BHQ_DELAY_MS=10 (0 = no emulator, no delay)  BHQ_T=15
#   BHQ_PINGS=100
#   Why 50 Mbit/s by default: the emulator is one node process; on the 2-vCPU development VM it
#   relays at most ~110-130 Mbit/s, so at 200 Mbit/s its own backlog (not the tbf) is the
#   bottleneck and no tunnel can influence the latency (docs/BENCHMARKS.md, QoS). For 200 Mbit/s
#   without the delay: BHQ_RATE=200mbit BHQ_BH_RATE=196mbit BHQ_DELAY_MS=0.
#   BHQ_PEERS="bridgehead-qos bridgehead-noqos openvpn wg-vxlan"  BHQ_ROOT=/tmp/bhq-bench
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
HARNESS=$REPO/bench

: "${BHQ_RATE:=50mbit}" "${BHQ_BH_RATE:=49mbit}" "${BHQ_DELAY_MS:=10}" "${BHQ_T:=15}" "${BHQ_PINGS:=100}"
: "${BHQ_PEERS:=bridgehead-qos bridgehead-noqos openvpn wg-vxlan}" "${BHQ_ROOT:=/tmp/bhq-bench}"

[ "$(id -u)" = 0 ] || { echo "bench-qos: needs root (network namespaces)" >&2; exit 1; }
[ -f "$REPO/dist/scripts/wan-emu.js" ] && [ -f "$REPO/build/Release/bridgehead.node" ] ||
  { echo "bench-qos: build first (npx node-gyp rebuild && npx tsc -p tsconfig.json)" >&2; exit 1; }
[ -f "$HARNESS/lib/common.sh" ] || { echo "bench-qos: $HARNESS/lib/common.sh not found" >&2; exit 1; }
for c in iperf3 jq nft tc; do command -v $c >/dev/null || { echo "bench-qos: $c not installed" >&2; exit 1; }; done

# The peer harness's helpers (bench/) (processes, ping statistics, attach/wait), re-pointed at our own
# namespaces and directories; the harness itself is not modified and its pb-* namespaces are not used.
PB_ROOT=$BHQ_ROOT
# shellcheck source=/dev/null
source "$HARNESS/lib/common.sh"
# shellcheck source=/dev/null
source "$HARNESS/peers/20-openvpn.sh" 2>/dev/null || true   # pb_openvpn_certs
NS_HA=bhq-hA; NS_AA=bhq-appA; NS_AB=bhq-appB; NS_HB=bhq-hB; NS_WAN=bhq-wan
PB_NSES=("$NS_HA" "$NS_AA" "$NS_AB" "$NS_HB"); PB_EXTRA_NSES=("$NS_WAN")
UL_A=198.18.0.1; UL_B=198.18.0.6; WAN_A=198.18.0.2; WAN_B=198.18.0.5
OV_A=198.19.10.1; OV_B=198.19.10.2
PB_UL_MTU=1500; PB_REP=0; PB_PIN=none
PB_OUTDIR=$BHQ_ROOT; PB_WORK=$BHQ_ROOT/work; PB_RESULTS=$BHQ_ROOT/results.txt; PB_LIVE=$BHQ_ROOT/live.pids
mkdir -p "$PB_WORK"; : >"$PB_RESULTS"
BH="node $REPO/dist/src/cli/main.js"
EMU_PID=""

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

cleanup() {
  pb_kill_all
  [ -n "$EMU_PID" ] && pb_kill_pid "$EMU_PID"
  pb_topo_down
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^bhq-'); do ip netns del "$ns" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

topo_up() {
  local ns
  for ns in "${PB_NSES[@]}" "$NS_WAN"; do
    ip netns add "$ns" || { log "cannot create $ns"; return 1; }
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  done
  ip -n $NS_AA link add hport type veth peer name eth0 netns $NS_HA
  ip -n $NS_AB link add hport type veth peer name eth0 netns $NS_HB
  ip -n $NS_AA link add ul0 type veth peer name a0 netns $NS_WAN
  ip -n $NS_AB link add ul0 type veth peer name b0 netns $NS_WAN
  ip -n $NS_AA addr add $UL_A/30 dev ul0
  ip -n $NS_WAN addr add $WAN_A/30 dev a0
  ip -n $NS_WAN addr add $WAN_B/30 dev b0
  ip -n $NS_AB addr add $UL_B/30 dev ul0
  for ns in $NS_AA $NS_AB; do
    ip -n $ns link add br0 type bridge stp_state 0
    ip -n $ns link set hport master br0
    ip -n $ns link set hport up
    ip -n $ns link set ul0 up
    ip -n $ns link set br0 up
  done
  ip -n $NS_WAN link set a0 up
  ip -n $NS_WAN link set b0 up
  ip -n $NS_AA route add default via $WAN_A dev ul0
  ip -n $NS_AB route add default via $WAN_B dev ul0
  ip netns exec $NS_WAN sysctl -qw net.ipv4.ip_forward=1 >/dev/null
  ip -n $NS_HA addr add $OV_A/24 dev eth0
  ip -n $NS_HB addr add $OV_B/24 dev eth0
  ip -n $NS_HA link set eth0 up
  ip -n $NS_HB link set eth0 up
  # the WAN bottleneck, both directions
  ip netns exec $NS_WAN tc qdisc add dev b0 root tbf rate "$BHQ_RATE" burst 32kbit latency 50ms
  ip netns exec $NS_WAN tc qdisc add dev a0 root tbf rate "$BHQ_RATE" burst 32kbit latency 50ms
}

# emu_up PORT: relay A -> B:PORT (and the replies) through wan-emu with the delay
emu_up() {
  local port=$1 listen=$(($1 + 1)) i
  [ "$BHQ_DELAY_MS" = 0 ] && return 0 # no delay: plain routing through bhq-wan
  pb_nsprefix $NS_WAN
  # nice -15: the emulator is the network, not a contender (bridgehead's threads run at -10)
  "${PB_PRE[@]}" nice -n -15 node "$REPO/dist/scripts/wan-emu.js" --listen "0.0.0.0:$listen" --target "$UL_B:$port" \
    --delay-ms "$BHQ_DELAY_MS" --max-queue 5000 --duration 600 >"$PB_WORK/wan-emu.log" 2>&1 &
  EMU_PID=$!
  pb_track "$EMU_PID" wan-emu
  for i in $(seq 50); do grep -q '"event":"listening"' "$PB_WORK/wan-emu.log" && break; sleep 0.1; done
  ip netns exec $NS_WAN nft -f - <<EOF
table ip bhqemu {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "a0" ip daddr $UL_B udp dport $port redirect to :$listen
  }
}
EOF
}

emu_down() { # [PEER]: report the emulator's worst backlog (a lagging emulator adds latency to every tunnel)
  ip netns exec $NS_WAN nft delete table ip bhqemu 2>/dev/null
  [ -n "$EMU_PID" ] && pb_kill_pid "$EMU_PID"
  if [ -n "$EMU_PID" ] && [ -n "${1:-}" ]; then
    local q
    q=$(grep '"event":"exit"' "$PB_WORK/wan-emu.log" 2>/dev/null | tail -1 | jq -r '"\(.up.maxQueued) \(.down.maxQueued)"' 2>/dev/null)
    [ -n "$q" ] && emit "$1" emu_max_queued "${q% *}" packets "down=${q#* }"
    mv "$PB_WORK/wan-emu.log" "$PB_WORK/wan-emu.$1.log" 2>/dev/null
  fi
  EMU_PID=""
  ip netns exec $NS_WAN conntrack -F >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- tunnels (A initiates)
up_bridgehead() { # [--wan-rate RATE]
  local dA="$PB_WORK/bhA" dB="$PB_WORK/bhB" token
  rm -rf "$dA" "$dB"; mkdir -p "$dA" "$dB"
  pb_nsexec $NS_AB $BH init --config "$dB" --name site-b --listen "$UL_B:51820" --endpoint "$UL_B:51820" --tap bh0 "$@" >"$PB_WORK/bhB.init" 2>&1 || return 1
  pb_nsexec $NS_AA $BH init --config "$dA" --name site-a --listen "$UL_A:51820" --tap bh0 "$@" >"$PB_WORK/bhA.init" 2>&1 || return 1
  # TCP MSS clamping (docs/INTERNALS.md 1d) on both: full-size frames fit one datagram at the
  # 1500-byte WAN instead of two tunnel fragments (OpenVPN clamps by default too: mssfix)
  local d
  for d in "$dA" "$dB"; do
    jq '.mtu = {pathMtu: null, mssClamp: true}' "$d/bridgehead.json" >"$d/bh.tmp" && mv "$d/bh.tmp" "$d/bridgehead.json" && chmod 600 "$d/bridgehead.json"
  done
  token=$(pb_nsexec $NS_AB $BH invite --config "$dB" 2>/dev/null | tail -1)
  [ -n "$token" ] || return 1
  pb_spawn $NS_AB bridgehead-B $BH up --config "$dB"
  pb_wait_port $NS_AB u 51820 10 || return 1
  pb_nsexec $NS_AA $BH join --config "$dA" "$token" >"$PB_WORK/bhA.join" 2>&1 || return 1
  pb_spawn $NS_AA bridgehead-A $BH up --config "$dA"
  pb_wait_dev $NS_AA bh0 && pb_wait_dev $NS_AB bh0 || return 1
  pb_attach $NS_AA bh0
  pb_attach $NS_AB bh0
}

up_openvpn() { # OpenVPN 2.6 TAP p2p, TLS, AES-256-GCM, --fast-io (as 20-openvpn.sh; B listens without --remote)
  command -v openvpn >/dev/null && pb_openvpn_certs || return 1
  local d="$PB_OUTDIR/openvpn-pki" fpA fpB
  fpA=$(openssl x509 -in "$d/A.crt" -noout -fingerprint -sha256 | cut -d= -f2)
  fpB=$(openssl x509 -in "$d/B.crt" -noout -fingerprint -sha256 | cut -d= -f2)
  local common=(--dev tap0 --dev-type tap --proto udp4 --float --data-ciphers AES-256-GCM
    --ping 5 --ping-restart 30 --verb 3 --mute-replay-warnings --fast-io)
  pb_spawn $NS_AB openvpn-B openvpn --local $UL_B --lport 1194 \
    --tls-server --dh none --cert "$d/B.crt" --key "$d/B.key" --peer-fingerprint "$fpA" "${common[@]}"
  pb_spawn $NS_AA openvpn-A openvpn --local $UL_A --lport 1194 --remote $UL_B 1194 \
    --tls-client --cert "$d/A.crt" --key "$d/A.key" --peer-fingerprint "$fpB" "${common[@]}"
  pb_wait_dev $NS_AA tap0 && pb_wait_dev $NS_AB tap0 || return 1
  pb_attach $NS_AA tap0
  pb_attach $NS_AB tap0
}

up_wg_vxlan() { # wireguard-go + kernel VXLAN (as 60-wireguard.sh; B has no endpoint for A: roaming)
  command -v wireguard-go >/dev/null && command -v wg >/dev/null || return 1
  local keys="$PB_OUTDIR/wg-keys" s
  if [ ! -f "$keys/B.pub" ]; then
    mkdir -p "$keys"; chmod 700 "$keys"
    for s in A B; do wg genkey >"$keys/$s.key" && wg pubkey <"$keys/$s.key" >"$keys/$s.pub" || return 1; done
  fi
  pb_spawn $NS_AA wg-A env LOG_LEVEL=error wireguard-go -f bhqwgA
  pb_spawn $NS_AB wg-B env LOG_LEVEL=error wireguard-go -f bhqwgB
  pb_wait_dev $NS_AA bhqwgA && pb_wait_dev $NS_AB bhqwgB || return 1
  for _ in $(seq 50); do [ -S /var/run/wireguard/bhqwgA.sock ] && [ -S /var/run/wireguard/bhqwgB.sock ] && break; sleep 0.1; done
  ip netns exec $NS_AA wg set bhqwgA private-key "$keys/A.key" listen-port 51820 \
    peer "$(cat "$keys/B.pub")" endpoint $UL_B:51820 allowed-ips 198.18.100.2/32 persistent-keepalive 5 || return 1
  ip netns exec $NS_AB wg set bhqwgB private-key "$keys/B.key" listen-port 51820 \
    peer "$(cat "$keys/A.pub")" allowed-ips 198.18.100.1/32 || return 1
  ip -n $NS_AA addr add 198.18.100.1/30 dev bhqwgA
  ip -n $NS_AB addr add 198.18.100.2/30 dev bhqwgB
  ip -n $NS_AA link set bhqwgA up
  ip -n $NS_AB link set bhqwgB up
  ip -n $NS_AA link add vx0 type vxlan id 43 local 198.18.100.1 remote 198.18.100.2 dstport 4789 dev bhqwgA
  ip -n $NS_AB link add vx0 type vxlan id 43 local 198.18.100.2 remote 198.18.100.1 dstport 4789 dev bhqwgB
  pb_attach $NS_AA vx0 1500
  pb_attach $NS_AB vx0 1500
}

tunnel_down() {
  pb_kill_all
  local ns dev
  for ns in $NS_AA $NS_AB; do
    for dev in tap0 vx0 bhqwgA bhqwgB; do ip -n $ns link del "$dev" 2>/dev/null; done
  done
  sleep 0.5
}

# ---------------------------------------------------------------- measurements
emit() { # PEER METRIC VALUE UNIT [k=v...]
  local line="BHQ peer=$1 metric=$2 value=$3 unit=$4"; shift 4
  [ $# -gt 0 ] && line+=" $*"
  echo "$line"; echo "$line" >>"$PB_RESULTS"
}

ef_ping() { # PEER METRIC
  local f="$PB_WORK/$2.$1.txt" avg p99 loss ttl n
  pb_nsexec $NS_HA timeout 30 ping -n -Q 184 -c "$BHQ_PINGS" -i 0.05 -W 2 -w 20 $OV_B >"$f" 2>&1
  read -r avg p99 loss ttl n < <(pb_ping_stats "$f")
  emit "$1" "${2}_avg" "$avg" us "loss_pct=$loss replies=$n"
  emit "$1" "${2}_p99" "$p99" us "loss_pct=$loss"
}

loaded() { # PEER: TCP flow + EF pings + EF UDP 100 pps
  local peer=$1 tcp="$PB_WORK/tcp.$1.json" udp="$PB_WORK/udp.$1.json" cpid upid
  pb_spawn_aux $NS_HB iperf3-tcp iperf3 -s -1 -p 5201
  pb_spawn_aux $NS_HB iperf3-udp iperf3 -s -1 -p 5202
  pb_wait_port $NS_HB t 5201 5; pb_wait_port $NS_HB t 5202 5
  pb_nsprefix $NS_HA
  "${PB_PRE[@]}" timeout $((BHQ_T + 20)) iperf3 -c $OV_B -p 5201 -t "$BHQ_T" -J >"$tcp" 2>&1 &
  cpid=$!; PB_AUX_PIDS+=("$cpid"); pb_track "$cpid" iperf3-tcp-client
  sleep 4 # TCP reaches the bottleneck and fills the queue
  # 100 packets/s of 200 bytes, EF, for the length of the ping run
  "${PB_PRE[@]}" timeout 30 iperf3 -c $OV_B -p 5202 -u -b 160k -l 200 --tos 184 -t 6 -J >"$udp" 2>&1 &
  upid=$!; PB_AUX_PIDS+=("$upid"); pb_track "$upid" iperf3-udp-client
  ef_ping "$peer" ping_loaded
  wait "$upid"; wait "$cpid"
  local mbps retr jit lost
  mbps=$(jq -r '(.end.sum_received.bits_per_second // 0) / 1e6 | . * 10 | round / 10' "$tcp" 2>/dev/null || echo 0)
  retr=$(jq -r '.end.sum_sent.retransmits // "NA"' "$tcp" 2>/dev/null || echo NA)
  emit "$peer" tcp_goodput "${mbps:-0}" Mbit/s "secs=$BHQ_T retrans=$retr"
  jit=$(jq -r '.end.sum.jitter_ms // "NA" | if type == "number" then (. * 1000 | round / 1000) else . end' "$udp" 2>/dev/null || echo NA)
  lost=$(jq -r '.end.sum.lost_percent // "NA" | if type == "number" then (. * 100 | round / 100) else . end' "$udp" 2>/dev/null || echo NA)
  emit "$peer" udp_ef_jitter "${jit:-NA}" ms "lost_pct=${lost:-NA}"
  emit "$peer" udp_ef_loss "${lost:-NA}" pct
}

bh_status() { # PEER: bridgehead's view of the bands after the run
  local s
  s=$(pb_nsexec $NS_AA $BH status --config "$PB_WORK/bhA" --json 2>/dev/null) || return 0
  echo "$s" >"$PB_WORK/status.$1.json"
  local line
  line=$(echo "$s" | jq -r '.qos | if .enabled then ([.bands[] | "\(.name):\(.sent)/\(.dropped)"] | join(",")) else "off" end' 2>/dev/null)
  emit "$1" bands "${line:-NA}" "sent/dropped"
}

run_peer() {
  local peer=$1 port
  log "=== $peer"
  case $peer in
    bridgehead-qos) port=51820; emu_up $port; up_bridgehead --wan-rate "$BHQ_BH_RATE" ;;
    bridgehead-noqos) port=51820; emu_up $port; up_bridgehead ;;
    openvpn) port=1194; emu_up $port; up_openvpn ;;
    wg-vxlan) port=51820; emu_up $port; up_wg_vxlan ;;
    *) log "unknown peer $peer"; return 0 ;;
  esac
  local rc=$?
  if [ $rc -ne 0 ] || ! pb_wait_path 40; then
    log "$peer: tunnel did not come up; skipped"
    emit "$peer" skipped 1 bool
    tunnel_down; emu_down; return 0
  fi
  sleep 1
  ef_ping "$peer" ping_idle
  loaded "$peer"
  case $peer in bridgehead*) bh_status "$peer" ;; esac
  tunnel_down
  emu_down "$peer"
}

summary() {
  local rate_mbit
  rate_mbit=$(echo "$BHQ_RATE" | awk '{ v = $0 + 0; if ($0 ~ /gbit/) v *= 1000; else if ($0 ~ /kbit/) v /= 1000; print v }')
  echo
  echo "QoS bench: WAN tbf $BHQ_RATE each way + ${BHQ_DELAY_MS} ms one-way delay (wan-emu; 0 = none); bridgehead QoS --wan-rate $BHQ_BH_RATE"
  awk -v rate="$rate_mbit" '
    $1 == "BHQ" { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      p = f["peer"]; if (!(p in seen)) { seen[p] = 1; order[++n] = p }
      v[p, f["metric"]] = f["value"]; if (f["metric"] == "ping_loaded_avg") ploss[p] = f["loss_pct"]; delete f }
    function ms(x) { return x == "" || x == "NA" ? "NA" : sprintf("%.1f", x / 1000) }
    END {
      printf "| tunnel | idle EF RTT avg / p99 ms | loaded EF RTT avg / p99 ms | loaded ping loss %% | EF UDP jitter ms / loss %% | TCP goodput Mbit/s (%% of %s) |\n", rate
      print "|---|---|---|---|---|---|"
      for (i = 1; i <= n; i++) { p = order[i]
        if (v[p, "skipped"] == 1) { printf "| %s | skipped | | | | |\n", p; continue }
        g = v[p, "tcp_goodput"]
        printf "| %s | %s / %s | %s / %s | %s | %s / %s | %s (%.0f%%) |\n", p, ms(v[p, "ping_idle_avg"]), ms(v[p, "ping_idle_p99"]),
          ms(v[p, "ping_loaded_avg"]), ms(v[p, "ping_loaded_p99"]), ploss[p], v[p, "udp_ef_jitter"], v[p, "udp_ef_loss"], g, g * 100 / rate }
    }' "$PB_RESULTS"
}

pb_kill_stale
cleanup
topo_up || exit 1
log "topology up; machine load: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in $BHQ_PEERS; do run_peer "$p"; done
summary | tee "$BHQ_ROOT/summary.md"
log "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
