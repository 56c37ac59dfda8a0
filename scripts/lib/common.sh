# shellcheck shell=bash
# scripts/lib/common.sh -- small bash helpers shared by topology.sh and demo.sh.
# Sourced, never run.  Everything here works on namespaces named "$PREFIX-<node>" that the
# caller created; nothing touches the root namespace's addresses, routes or eth0.

# ---------------------------------------------------------------- messages
bh_ts()   { printf '%(%H:%M:%S)T' -1; }
bh_log()  { printf '[%s] %s\n' "$(bh_ts)" "$*" >&2; }
bh_warn() { printf '[%s] WARNING: %s\n' "$(bh_ts)" "$*" >&2; }
bh_die()  { printf '[%s] ERROR: %s\n' "$(bh_ts)" "$*" >&2; exit 1; }

bh_require_root() {
  [ "$(id -u)" = 0 ] || bh_die "$1 must run as root (it creates network namespaces); try: sudo $1"
}

bh_require_cmds() { # cmd... -- die naming every missing command
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  [ ${#missing[@]} -eq 0 ] || bh_die "missing commands: ${missing[*]} (run: bash scripts/setup.sh)"
}

# A prefix names every namespace we create ("$PREFIX-t1", ...).  Kept short and plain so that
# it can never match someone else's namespaces by accident and names stay valid.
bh_check_prefix() {
  [[ "$1" =~ ^[a-z][a-z0-9-]{2,22}[a-z0-9]$ ]] ||
    bh_die "bad prefix '$1': use 4-24 characters [a-z0-9-], starting with a letter (e.g. bhd-$$)"
}

# ---------------------------------------------------------------- bounded waiting
# bh_wait_until TIMEOUT_S DESCRIPTION CMD... -- run CMD every 0.2 s until it succeeds; fail
# (return 1, with a message) after TIMEOUT_S seconds.  Never loops forever.
bh_wait_until() {
  local timeout=$1 what=$2 i n; shift 2
  n=$(( timeout * 5 ))
  for (( i = 0; i < n; i++ )); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  bh_warn "timed out after ${timeout}s waiting for: $what"
  return 1
}

# ---------------------------------------------------------------- processes
# Processes are recorded as "pid starttime tag" so that a recycled pid is never killed.
bh_starttime() { # pid -> field 22 of /proc/pid/stat (empty if the process is gone)
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  s=${s##*) }
  # shellcheck disable=SC2086
  set -- $s
  echo "${20}"
}

bh_record_pid() { # statedir pid tag
  mkdir -p "$1"
  echo "$2 $(bh_starttime "$2") $3" >>"$1/pids"
}

# bh_kill_pid PID STARTTIME [GRACE_S] -- SIGTERM, then SIGKILL after GRACE_S (default 3) seconds;
# only if the pid still belongs to the process that was recorded.
bh_kill_pid() {
  local pid=$1 st=$2 grace=${3:-3} i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  [ -z "$st" ] || [ "$(bh_starttime "$pid")" = "$st" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for (( i = 0; i < grace * 10; i++ )); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for (( i = 0; i < 20; i++ )); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  return 0
}

bh_kill_recorded() { # statedir -- every process recorded in statedir/pids, newest first
  local f=$1/pids pid st tag
  [ -f "$f" ] || return 0
  while read -r pid st tag; do
    [ -n "$pid" ] || continue
    if kill -0 "$pid" 2>/dev/null && [ "$(bh_starttime "$pid")" = "$st" ]; then
      bh_log "stopping $tag (pid $pid)"
      bh_kill_pid "$pid" "$st"
    fi
  done < <(tac "$f")
  : >"$f"
}

# ---------------------------------------------------------------- namespaces
bh_ns_list() { # prefix -> our namespaces, one per line ("$prefix-" followed by anything)
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$1-" || true
}

bh_ns_exists() { [ -e "/run/netns/$1" ]; }

# Every process still living in namespace NS: SIGTERM, then SIGKILL.  These can only be ours:
# the namespace has our unique prefix and was created by us.
bh_ns_kill_all() {
  local ns=$1 pids pid i
  pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
  [ -n "${pids// /}" ] || return 0
  bh_log "stopping processes left in $ns: $pids"
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for (( i = 0; i < 30; i++ )); do
    pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
    [ -n "${pids// /}" ] || return 0
    sleep 0.1
  done
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  sleep 0.2
}
