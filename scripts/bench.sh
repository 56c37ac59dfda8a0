#!/usr/bin/env bash
# npm run bench [-- peer...]: bridgehead measured beside the peer VPNs in ONE run of the project's
# harness (bench/peers.sh), so the ratios are fair. Needs root and a built checkout
# (bash scripts/setup.sh); the peers (OpenVPN, tinc, fastd, n2n, wireguard-go + wireguard-tools,
# iperf3, sysstat) come from Debian and are installed by bench/lib/install.sh on first use
# (or beforehand: bash scripts/setup.sh --bench).
# Default peers: bridgehead, OpenVPN TAP (AES-GCM, fast-io), tinc, fastd, wireguard-go+VXLAN,
# kernel VXLAN and the bare veth path. Knobs (PB_REPS, PB_T, ...): `bash bench/peers.sh --help`.
# Results: /tmp/peerbench/latest/summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/Release/bridgehead.node ] && [ -f dist/src/cli/main.js ] || {
  echo "bench: the project is not built; run: bash scripts/setup.sh" >&2; exit 1; }
peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=(bridgehead openvpn-gcm-fastio tinc fastd-salsa wg-vxlan vxlan bare)
BH_ROOT=$PWD exec bash bench/peers.sh "${peers[@]}"
