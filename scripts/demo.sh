#!/usr/bin/env bash
# demo.sh -- `npm run demo`: the two-site bridgehead demo in network namespaces (run as root).
#
# Builds the topology of scripts/topology.sh (tenant site behind a NAT router, a WAN router,
# provider site), pairs the two appliances with invite/join, brings the tunnel up, and shows
# that the tenant host t1 and the provider's replica host p1 share one Ethernet segment:
# ping with TTL 64, ARP resolving p1's real MAC, and an iperf3 TCP run.  Every step prints what
# it does and the exact command.  Everything is cleaned up at the end, on failure and on Ctrl-C.
#
# Environment: WAN_MTU, WAN_EMU=1, WAN_EMU_ARGS="--delay-ms 20 ..." (see scripts/topology.sh),
#              DEMO_KEEP=1 keeps the work directory (configs, logs) after a successful run,
#              BH_CLI=/path/to/main.js runs another bridgehead build (the build check is then skipped).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

CLI="${BH_CLI:-$REPO/dist/src/cli/main.js}"
TOPO="$HERE/topology.sh"
P1_IP=198.19.10.21 P1_MAC=02:00:00:00:10:21
PORT=51820

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' D=$'\e[2m' N=$'\e[0m'; else B='' G='' R='' D='' N=''; fi

# ---------------------------------------------------------------- preflight
if [ "$(id -u)" != 0 ]; then
  echo "demo: must run as root (it creates network namespaces, TAP devices and bridges)." >&2
  echo "      try: sudo npm run demo" >&2
  exit 1
fi
if [ -n "${BH_CLI:-}" ]; then
  [ -f "$CLI" ] || { echo "demo: BH_CLI=$CLI does not exist" >&2; exit 1; }
elif [ ! -f "$CLI" ] || ! compgen -G "$REPO/build/Release/*.node" >/dev/null; then
  echo "demo: the project is not built ($([ -f "$CLI" ] || echo "no $CLI; ")$(compgen -G "$REPO/build/Release/*.node" >/dev/null || echo "no native addon in build/Release"))." >&2
  echo "      run: bash scripts/setup.sh   (installs dependencies and builds)" >&2
  exit 1
fi
bh_require_cmds ip nft ping arping iperf3 ss timeout node

PREFIX="bhdemo-$$"
WORK=$(mktemp -d /tmp/bridgehead-demo.XXXXXX)
chmod 0700 "$WORK"
STATE=$(bash "$TOPO" state "$PREFIX")
STEP=0 FAILED=0 CLEANED=0 INTERRUPTED=0
declare -A DAEMON_PID=()

# ---------------------------------------------------------------- presentation
step() { STEP=$((STEP + 1)); printf '\n%s== Step %d: %s ==%s\n' "$B" "$STEP" "$*" "$N"; }
say()  { printf '   %s\n' "$*"; }
ok()   { printf '   %s%s%s\n' "$G" "$*" "$N"; }
where() { # node -> human name
  case $1 in t1) echo "tenant host t1" ;; p1) echo "provider host p1 (replica)" ;; ta) echo "tenant appliance" ;;
    pa) echo "provider appliance" ;; *) echo "$1" ;; esac
}
# show NODE CMD... : print the command as typed in that namespace ("bridgehead" = the CLI)
show() {
  local node=$1; shift
  local c="$*"
  c=${c//"node $CLI"/bridgehead}
  printf '   %s[%s]%s %s$ ip netns exec %s-%s %s%s\n' "$D" "$(where "$node")" "$N" "$B" "$PREFIX" "$node" "$c" "$N"
}
indent() { sed 's/^/      /'; }

fail() {
  FAILED=1
  printf '\n%sDEMO FAILED at step %d: %s%s\n' "$R" "$STEP" "$*" "$N" >&2
  exit 1
}

# run NODE CMD... : show, run in the namespace with output indented; fail the demo on error
run() {
  local node=$1; shift
  show "$node" "$@"
  local out rc
  out=$(ip netns exec "$PREFIX-$node" "$@" 2>&1); rc=$?
  [ -n "$out" ] && printf '%s\n' "$out" | indent
  LAST_OUT=$out
  [ $rc = 0 ] || fail "command failed (exit $rc): $*"
}

# start_daemon NODE NAME CONFIG : `bridgehead up` in the background, log in $WORK/NAME.log
start_daemon() {
  local node=$1 name=$2 cfg=$3
  show "$node" node "$CLI" up --config "$cfg" "  &   (log: $WORK/$name.log)"
  ip netns exec "$PREFIX-$node" node "$CLI" up --config "$cfg" >"$WORK/$name.log" 2>&1 </dev/null &
  DAEMON_PID[$name]=$!
  bh_record_pid "$STATE" "$!" "bridgehead-$name"
  say "started the $name daemon, pid ${DAEMON_PID[$name]}"
}

daemon_alive() { kill -0 "${DAEMON_PID[$1]}" 2>/dev/null; }

wait_daemon_ready() { # NODE NAME : bounded wait for the UDP socket and the TAP
  local node=$1 name=$2 i
  for (( i = 0; i < 100; i++ )); do
    daemon_alive "$name" || fail "the $name daemon exited during startup"
    if [ -n "$(ip netns exec "$PREFIX-$node" ss -H -u -a -n "sport = :$PORT" 2>/dev/null)" ] &&
       ip -n "$PREFIX-$node" link show bh0 >/dev/null 2>&1; then
      ok "$name daemon is up: UDP port $PORT open, TAP bh0 present ($(ip -n "$PREFIX-$node" -o link show bh0 | grep -o 'master [^ ]*' || echo 'not on a bridge'))"
      return 0
    fi
    sleep 0.2
  done
  fail "the $name daemon did not open UDP $PORT and create bh0 within 20 s"
}

stop_daemons() {
  local name pid i rc
  for name in tenant provider; do
    pid=${DAEMON_PID[$name]:-}
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for (( i = 0; i < 100; i++ )); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        printf '   %s daemon did not stop within 10 s of SIGTERM; killing it%s\n' "$R$name" "$N"
        kill -KILL "$pid" 2>/dev/null
        FAILED=1
      fi
    fi
    wait "$pid" 2>/dev/null; rc=$?
    if [ $rc = 0 ]; then say "$name daemon (pid $pid) exited cleanly (status 0)"
    else say "$name daemon (pid $pid) exit status $rc"; fi
    unset "DAEMON_PID[$name]"
  done
}

cleanup() {
  local rc=$?
  [ $CLEANED = 1 ] && return
  CLEANED=1
  trap - INT TERM
  [ $rc != 0 ] && FAILED=1
  if [ $FAILED = 1 ]; then
    for name in provider tenant; do
      if [ -s "$WORK/$name.log" ]; then
        printf '\n%s--- last lines of the %s daemon log (%s) ---%s\n' "$B" "$name" "$WORK/$name.log" "$N" >&2
        tail -n 25 "$WORK/$name.log" >&2
      fi
    done
  fi
  step "Clean up: stop the daemons (SIGTERM), delete the namespaces"
  stop_daemons
  say "\$ bash scripts/topology.sh down $PREFIX"
  bash "$TOPO" down "$PREFIX" 2>&1 | indent
  local left
  left=$(ip netns list | awk '{print $1}' | grep -E "^$PREFIX-" || true)
  [ -z "$left" ] && ok "no namespaces left" || printf '   %sleft over: %s%s\n' "$R" "$left" "$N"
  if [ $FAILED = 1 ] || [ "${DEMO_KEEP:-0}" = 1 ]; then
    say "configs and logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  if [ $INTERRUPTED = 1 ]; then
    printf '\n%sThe demo was interrupted; everything it created is removed.%s\n' "$R" "$N"
    exit 130
  fi
  if [ $FAILED = 1 ]; then
    printf '\n%sThe demo FAILED (see above).%s\n' "$R" "$N"
    exit 1
  fi
  printf '\n%sThe demo completed: one Ethernet segment across two sites, through a NAT, encrypted.%s\n' "$G" "$N"
  exit 0
}
trap cleanup EXIT
trap 'printf "\n%sinterrupted%s\n" "$R" "$N"; FAILED=1; INTERRUPTED=1; exit 130' INT
trap 'FAILED=1; exit 143' TERM

# ---------------------------------------------------------------- the demo
printf '%sbridgehead two-site demo%s  (namespaces %s-*, work dir %s)\n' "$B" "$N" "$PREFIX" "$WORK"
say "\"bridgehead\" below is: node $CLI"

step "Build the two sites: hosts, appliances with bridge br0, a NAT router for the tenant, a WAN router"
say "tenant: t1 198.19.10.11, t2 198.19.10.12 on br0 of the tenant appliance (WAN 198.18.1.2, behind NAT 198.18.2.2)"
say "provider: p1 198.19.10.21 (MAC $P1_MAC) on br0 of the provider appliance (WAN 198.18.3.2)"
say "\$ bash scripts/topology.sh up $PREFIX"
bash "$TOPO" up "$PREFIX" 2>&1 | indent
[ "${PIPESTATUS[0]}" = 0 ] || fail "topology up failed"
run t1 ping -n -c 1 -W 1 -w 2 198.19.10.12 >/dev/null
ok "t1 reaches t2 on its own site; p1 is on the other side of the WAN and not reachable yet"

step "bridgehead init on both appliances (identity: X25519 key pair + config)"
PCFG="$WORK/provider" TCFG="$WORK/tenant"
run pa node "$CLI" init --config "$PCFG" --name provider --listen 198.18.3.2:$PORT --endpoint 198.18.3.2:$PORT --tap bh0 --bridge br0
run ta node "$CLI" init --config "$TCFG" --name tenant --listen 0.0.0.0:$PORT --tap bh0 --bridge br0
say "the tenant is behind NAT and has no public endpoint; the provider's endpoint goes into the invite"

step "bridgehead invite on the provider: a single-use, expiring token"
show pa node "$CLI" invite --config "$PCFG"
TOKEN=$(ip netns exec "$PREFIX-pa" node "$CLI" invite --config "$PCFG" 2>"$WORK/invite.err" | tail -n 1) ||
  { indent <"$WORK/invite.err"; fail "bridgehead invite failed"; }
[ -n "$TOKEN" ] || { indent <"$WORK/invite.err"; fail "bridgehead invite printed no token"; }
indent <"$WORK/invite.err"
say "token (copy this to the tenant appliance):"
printf '      %s%s%s\n' "$B" "$TOKEN" "$N"

step "Start the provider daemon, join from the tenant with the token, start the tenant daemon"
start_daemon pa provider "$PCFG"
wait_daemon_ready pa provider
run ta node "$CLI" join --config "$TCFG" "$TOKEN"
start_daemon ta tenant "$TCFG"
wait_daemon_ready ta tenant

step "Wait until the tunnel carries traffic (at most 30 s), then show bridgehead status on both"
say "probing: ping -c 1 -W 1 from t1 to p1 ($P1_IP), once a second"
t0=$(date +%s%N) up=0
for (( i = 0; i < 60 && $(date +%s%N) - t0 < 30000000000; i++ )); do
  daemon_alive provider || fail "the provider daemon exited"
  daemon_alive tenant || fail "the tenant daemon exited"
  if ip netns exec "$PREFIX-t1" ping -n -c 1 -W 1 -w 2 "$P1_IP" >/dev/null 2>&1; then up=1; break; fi
  sleep 0.3
done
[ $up = 1 ] || fail "the tunnel did not pass traffic within 30 s"
ok "the tunnel passes traffic (after $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
run pa node "$CLI" status --config "$PCFG"
run ta node "$CLI" status --config "$TCFG"

step "ping from tenant host t1 to provider host p1: TTL stays 64"
run t1 ping -n -c 5 -i 0.2 -w 10 "$P1_IP"
ttls=$(grep -o 'ttl=[0-9]*' <<<"$LAST_OUT" | sort -u | tr '\n' ' ')
[ "$ttls" = "ttl=64 " ] || fail "expected every reply with ttl=64, got: ${ttls:-no replies}"
ok "every reply has ttl=64: no router between t1 and p1, one L2 segment across the WAN"
say "(the commercial appliance routes through two hops: TTL 62)"

step "ARP across the tunnel: t1 resolves p1 to its real MAC"
run t1 ip neigh show "$P1_IP"
grep -qi "lladdr $P1_MAC" <<<"$LAST_OUT" || fail "t1's neighbor entry for $P1_IP is not $P1_MAC"
ok "t1's neighbor table: $P1_IP is at $P1_MAC, p1's own MAC"
run t1 arping -c 3 -W 0.3 -w 5 -i eth0 "$P1_IP"
n=$(grep -ci "from $P1_MAC ($P1_IP)" <<<"$LAST_OUT")
others=$(grep -io 'bytes from [0-9a-f:]*' <<<"$LAST_OUT" | grep -vi "$P1_MAC" || true)
[ -z "$others" ] || fail "arping: replies from another MAC: $others"
[ "$n" -ge 1 ] || fail "arping: no reply from $P1_MAC"
ok "$n of 3 ARP requests answered, every answer from $P1_MAC"

step "iperf3: 3 seconds of TCP from t1 to p1 through the tunnel"
show p1 timeout 20 iperf3 -s -1 -B "$P1_IP" "  &"
ip netns exec "$PREFIX-p1" timeout 20 iperf3 -s -1 -B "$P1_IP" >"$WORK/iperf3-server.log" 2>&1 </dev/null &
IPERF_PID=$!
bh_record_pid "$STATE" "$IPERF_PID" iperf3-server
bh_wait_until 5 "iperf3 server listening" bash -c "[ -n \"\$(ip netns exec $PREFIX-p1 ss -H -t -l -n 'sport = :5201')\" ]" ||
  fail "the iperf3 server did not start: $(cat "$WORK/iperf3-server.log")"
run t1 timeout 15 iperf3 -c "$P1_IP" -t 3 --connect-timeout 5000
wait "$IPERF_PID" 2>/dev/null || true
ok "TCP through the tunnel: $(grep -E 'receiver' <<<"$LAST_OUT" | awk '{print $(NF-2), $(NF-1)}' | tail -1)"

exit 0
