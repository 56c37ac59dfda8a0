#!/usr/bin/env bash
# Source coverage of each fuzz target's corpus (make coverage): replays build/corpus/<t>, corpus/<t>
# and regress/<t> once through a coverage build (build/cov/fuzz_<t>) and prints line and branch
# coverage of the core file(s) that target exercises, from llvm-cov.
set -euo pipefail
cd "$(dirname "$0")"
declare -A SRC=(
  [keypair]="bh_keypair.c bh_wire.c bh_replay.c" [frag]="bh_frag.c" [arp]="bh_arp.c" [nd]="bh_nd.c"
  [tso]="bh_tso.c" [gro]="bh_gro.c" [mss]="bh_mss.c" [qos]="bh_qos_classify.c" [l2filter]="bh_l2filter.c"
  [neigh]="bh_neigh.c" [failover]="bh_failover.c" [forward]="bh_forward.c bh_eth.c bh_mactable.c bh_storm.c"
)
cov=${LLVM_COV:-llvm-cov} profdata=${LLVM_PROFDATA:-llvm-profdata}
printf '%-9s %7s %8s %9s  %s\n' target inputs lines branches files
for t in "$@"; do
  [ -n "${SRC[$t]:-}" ] || { echo "coverage.sh: no source list for target '$t'" >&2; exit 2; }
  mkdir -p "build/corpus/$t" "regress/$t"
  rm -f "build/cov/$t.profraw"
  LLVM_PROFILE_FILE="build/cov/$t.profraw" "build/cov/fuzz_$t" -runs=0 -max_len=65560 "build/corpus/$t" "corpus/$t" "regress/$t" \
    >"build/cov/$t.log" 2>&1 || { cat "build/cov/$t.log" >&2; exit 1; }
  "$profdata" merge -o "build/cov/$t.profdata" "build/cov/$t.profraw"
  inputs=$(find "build/corpus/$t" "corpus/$t" "regress/$t" -type f ! -name '*.md' | wc -l)
  # per-file rows: name regions missed cover functions missed executed lines missed cover branches missed cover
  "$cov" report "build/cov/fuzz_$t" -instr-profile="build/cov/$t.profdata" |
    awk -v t="$t" -v n="$inputs" -v f="${SRC[$t]}" '
      BEGIN { k = split(f, a, " "); for (i = 1; i <= k; i++) want["../" a[i]] = 1 }
      ($1 in want) { l += $8; lm += $9; b += $11; bm += $12 }
      END { printf "%-9s %7s %7.1f%% %8.1f%%  %s\n", t, n, l ? 100 * (l - lm) / l : 0, b ? 100 * (b - bm) / b : 0, f }'
done
