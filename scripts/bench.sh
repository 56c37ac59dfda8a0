#!/usr/bin/env bash
# npm run bench [-- peer...]: bridgehead measured beside the peer VPNs in ONE run of the shared
# harness (../shared/bench/peers.sh), so the ratios are fair. Needs root and a built checkout.
# Default peers: bridgehead, OpenVPN TAP (AES-GCM, fast-io), tinc, fastd, wireguard-go+VXLAN,
# kernel VXLAN and the bare veth path. Knobs (PB_REPS, PB_T, ...) are the harness's: see
# `bash ../shared/bench/peers.sh --help`. Results: /tmp/peerbench/latest/summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."
harness=${BENCH_HARNESS:-../shared/bench/peers.sh}
[ -f "$harness" ] || { echo "bench: harness not found at $harness (set BENCH_HARNESS)" >&2; exit 1; }
[ -f build/Release/bridgehead.node ] && [ -f dist/src/cli/main.js ] || {
  echo "bench: the project is not built; run: bash scripts/setup.sh" >&2; exit 1; }
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(bridgehead openvpn-gcm-fastio tinc fastd-salsa wg-vxlan vxlan bare)
BH_ROOT=$PWD exec bash "$harness" "${peers[@]}"
