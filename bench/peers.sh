#!/usr/bin/env bash
# peers.sh -- side-by-side L2-VPN anchor benchmark on one Linux machine.
#
#   bash bench/peers.sh [peer...]      # no args = all peers (~15 min); npm run bench = the default set
#   bash bench/peers.sh --list         # registered peers
#   bash bench/lib/install.sh          # installs the peers from Debian (peers.sh does it too)
#
# Every peer gets the same 4-namespace topology (lib/common.sh):
#   pb-hA --veth-- pb-appA[br0 + L2 port] ==underlay veth== pb-appB[br0 + L2 port] --veth-- pb-hB
# and the same measurements, host A <-> host B through the tunnel, in
# PB_REPS rounds (each round: every peer on a fresh topology, once).
# One "PB key=value ..." line per measurement goes to stdout and to
# $PB_ROOT/run-<stamp>/results.txt; at the end the medians are printed as
# markdown (summary.md) and as "PBMED ..." lines (medians.txt).  Progress goes
# to stderr.  $PB_ROOT/latest points to the last run.
#
# Adding a peer (e.g. our appliance): drop a file into peers/ containing
#   pb_register NAME full|mini "description"
#   peer_up_NAME() {            # dashes in NAME become underscores here
#     pb_spawn pb-appA ours-A /path/to/daemon --tap tap0 ...   # foreground!
#     pb_spawn pb-appB ours-B /path/to/daemon --tap tap0 ...
#     pb_wait_dev pb-appA tap0 && pb_wait_dev pb-appB tap0 || { PB_SKIP_REASON=no_tap; return 1; }
#     pb_attach pb-appA tap0; pb_attach pb-appB tap0
#   }
# The function runs after the topology is up.  Available: $PB_UL_MTU (1500 or
# 1400), $UL_A/$UL_B (underlay addresses of appliance A/B on ul0), $PB_WORK
# (scratch dir for configs and logs), $PB_OUTDIR (per-run dir, e.g. for keys
# shared by all rounds), $NS_AA/$NS_AB (pb-appA/pb-appB).  Processes started
# with pb_spawn are counted as tunnel CPU and killed (by PID) at teardown;
# extra namespaces must be named pb-* and listed in PB_EXTRA_NSES.  Return
# non-zero (after setting PB_SKIP_REASON) if the peer cannot run.
# Profiles: full = every measurement incl. the 1400-MTU phase; mini = idle
# ping, TCPx1 A->B (+ ping under load, CPU), DF 1472 ping (for variants).
#
# Knobs (environment, defaults):
#   PB_REPS=3 rounds, PB_T=5 s per TCP run (PB_T4, PB_T_1400 default to PB_T),
#   PB_UDP_T=5, PB_PING_N=200, PB_PING_I=0.005, PB_PIN=none|side|role,
#   PB_PROFILE=full|mini (force one profile for all peers), PB_NO_MTU1400=1,
#   PB_NO_OPENSSL=1, PB_ROOT=/tmp/peerbench.
# shellcheck source-path=SCRIPTDIR
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export LC_ALL=C

declare -a PB_PEER_LIST=()
declare -A PB_PEER_PROFILE=() PB_PEER_DESC=()
PB_EXTRA_NSES=()
pb_register() { PB_PEER_LIST+=("$1"); PB_PEER_PROFILE[$1]=$2; PB_PEER_DESC[$1]=$3; }

# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
for f in "$HERE"/peers/*.sh; do
  # shellcheck disable=SC1090
  source "$f"
done

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if [ "${1:-}" = --list ]; then
  for p in "${PB_PEER_LIST[@]}"; do printf '%-24s %-5s %s\n' "$p" "${PB_PEER_PROFILE[$p]}" "${PB_PEER_DESC[$p]}"; done
  exit 0
fi

[ "$(id -u)" = 0 ] || pb_die "must run as root (network namespaces)"
bash "$HERE/lib/install.sh" || pb_die "install failed"

mkdir -p "$PB_ROOT"
PB_STAMP=$(date -u +%Y%m%dT%H%M%SZ)
PB_OUTDIR="$PB_ROOT/run-$PB_STAMP"
PB_RESULTS="$PB_OUTDIR/results.txt"
mkdir -p "$PB_OUTDIR"
ln -sfn "$PB_OUTDIR" "$PB_ROOT/latest"

pb_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  pb_topo_down
  exit $rc
}
trap pb_cleanup EXIT
trap 'pb_log "interrupted"; exit 130' INT TERM

# Leftovers from an aborted earlier run of this harness.
pb_kill_stale
pb_topo_down

if [ $# -gt 0 ]; then PEERS=("$@"); else PEERS=("${PB_PEER_LIST[@]}"); fi
for p in "${PEERS[@]}"; do
  [ -n "${PB_PEER_PROFILE[$p]:-}" ] || pb_die "unknown peer '$p' (see --list)"
done

{
  echo "# run $PB_STAMP on $(hostname) kernel $(uname -r), $(nproc) cpus"
  echo "# rounds=$PB_REPS tcp1_t=$PB_T tcp4_t=$PB_T4 tcp_1400_t=$PB_T_1400 udp_t=$PB_UDP_T ping=${PB_PING_N}x${PB_PING_I}s pin=$PB_PIN peers=${PEERS[*]}"
} | tee -a "$PB_RESULTS" >&2
bash "$HERE/lib/versions.sh" >"$PB_OUTDIR/versions.txt" 2>&1

# bring a peer up on a fresh topology; returns non-zero if it is unusable
pb_peer_up() {
  local p=$1
  PB_SKIP_REASON=""
  pb_topo_up
  local fn="peer_up_${p//-/_}"
  if ! "$fn"; then
    pb_emit status skip none "reason=${PB_SKIP_REASON:-peer_up_failed}"
    return 1
  fi
  local t0=$SECONDS
  if ! pb_wait_path; then
    pb_emit status fail none "reason=no_path_after_${PB_UP_TIMEOUT}s"
    return 1
  fi
  pb_log "  path up after $((SECONDS - t0)) s"
  return 0
}

# The run is organised in rounds: round r (1..PB_REPS) brings every peer up on
# a fresh topology, measures everything once, and tears it down, so that the
# three samples of a peer come from three separate sessions spread over the
# whole run (the machine is noisy; slow drifts hit all peers alike).
#
# Measurement profiles (per round):
#   full: idle ping, TCPx1 A->B (+ ping under load), TCPx1 B->A, TCPx4 A->B,
#         TCPx4 B->A, UDP 64 B, DF 1472 ping;  then a fresh topology with
#         underlay MTU 1400 (hosts stay at 1500): TCPx1 A->B, DF 1472 ping.
#   mini: idle ping, TCPx1 A->B (+ ping under load), DF 1472 ping.
#         (used for cipher / option variants of a peer measured in full)
run_peer_round() {
  local p=$1 profile=${PB_PROFILE:-${PB_PEER_PROFILE[$1]}} t_start=$SECONDS
  PB_PEER=$p PB_REP=$2
  PB_WORK="$PB_OUTDIR/$p"; mkdir -p "$PB_WORK"
  pb_log "=== round $PB_REP/$PB_REPS $p ($profile): ${PB_PEER_DESC[$p]}"

  # ---- phase 1: underlay MTU 1500
  PB_UL_MTU=1500
  if pb_peer_up "$p"; then
    pb_emit status ok none "profile=$profile"
    m_ping ping_idle
    PB_LOADED_PING=1 m_tcp tcp1_fwd
    if [ "$profile" = full ]; then
      m_tcp tcp1_rev -R
      PB_TCP_T=$PB_T4 m_tcp tcp4_fwd -P 4
      PB_TCP_T=$PB_T4 m_tcp tcp4_rev -P 4 -R
      m_udp64
    fi
    m_bigping bigping
  fi
  pb_topo_down

  # ---- phase 2: underlay MTU 1400 (a common WAN MTU); hosts stay at 1500
  if [ "$profile" = full ] && [ "${PB_NO_MTU1400:-0}" != 1 ]; then
    PB_UL_MTU=1400
    if pb_peer_up "$p"; then
      pb_emit status ok none "profile=$profile"
      PB_TCP_T=$PB_T_1400 m_tcp tcp1_fwd
      m_bigping bigping
    fi
    pb_topo_down
  fi
  PB_UL_MTU=1500
  pb_log "=== $p round $PB_REP done in $((SECONDS - t_start)) s"
}

T0=$SECONDS
for round in $(seq "$PB_REPS"); do
  if [ "${PB_NO_OPENSSL:-0}" != 1 ]; then
    PB_PEER=crypto PB_REP=$round PB_WORK="$PB_OUTDIR/crypto"; mkdir -p "$PB_WORK"
    m_openssl
  fi
  for p in "${PEERS[@]}"; do run_peer_round "$p" "$round"; done
done
pb_log "all done in $((SECONDS - T0)) s; results: $PB_RESULTS"

python3 "$HERE/lib/summarize.py" "$PB_RESULTS" --medians "$PB_OUTDIR/medians.txt" | tee "$PB_OUTDIR/summary.md"
cat "$PB_OUTDIR/medians.txt"
