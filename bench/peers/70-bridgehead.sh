# shellcheck shell=bash
# bridgehead, driven only through its CLI (init / invite / join / up), as a user would.
# BH_ROOT = the project checkout (default: the one this harness is part of); it must be built
# (bash scripts/setup.sh).
# Both appliances listen on UDP 51820; the TAP is created by bridgehead and attached to br0 here.

PB_BH_CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

pb_register bridgehead full "bridgehead (BH_ROOT), CLI-paired, defaults"

peer_up_bridgehead() {
  : "${BH_ROOT:=$PB_BH_CHECKOUT}"
  [ -f "$BH_ROOT/package.json" ] || { PB_SKIP_REASON=BH_ROOT_not_a_checkout; return 1; }
  [ -f "$BH_ROOT/build/Release/bridgehead.node" ] || { PB_SKIP_REASON=bridgehead_not_built; return 1; }
  local bin
  bin=$(cd "$BH_ROOT" && node -p "const p=require('./package.json'); typeof p.bin==='string'?p.bin:(p.bin&&p.bin.bridgehead)||''" 2>/dev/null)
  [ -n "$bin" ] || { PB_SKIP_REASON=no_bridgehead_bin; return 1; }
  local BH="node $BH_ROOT/$bin" dA="$PB_WORK/bh$PB_UL_MTU-A" dB="$PB_WORK/bh$PB_UL_MTU-B" token
  rm -rf "$dA" "$dB"; mkdir -p "$dA" "$dB"
  pb_nsexec $NS_AA $BH init --config "$dA" --name site-a --listen "$UL_A:51820" --endpoint "$UL_A:51820" --tap bh0 >"$PB_WORK/bhA.init" 2>&1 || { PB_SKIP_REASON=init_failed; return 1; }
  pb_nsexec $NS_AB $BH init --config "$dB" --name site-b --listen "$UL_B:51820" --tap bh0 >"$PB_WORK/bhB.init" 2>&1 || { PB_SKIP_REASON=init_failed; return 1; }
  token=$(pb_nsexec $NS_AA $BH invite --config "$dA" 2>/dev/null | tail -1)
  [ -n "$token" ] || { PB_SKIP_REASON=invite_failed; return 1; }
  pb_spawn $NS_AA bridgehead-A $BH up --config "$dA"
  pb_nsexec $NS_AB $BH join --config "$dB" "$token" >"$PB_WORK/bhB.join" 2>&1 || { PB_SKIP_REASON=join_failed; return 1; }
  pb_spawn $NS_AB bridgehead-B $BH up --config "$dB"
  pb_wait_dev $NS_AA bh0 && pb_wait_dev $NS_AB bh0 || { PB_SKIP_REASON=no_tap; return 1; }
  pb_attach $NS_AA bh0
  pb_attach $NS_AB bh0
}
