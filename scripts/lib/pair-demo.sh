# pair-demo.sh -- sourced by the diagnostic benchmarks (bench-queues.sh, bench-memory.sh): brings up
# the demo topology (scripts/topology.sh) under PREFIX, pairs a provider and a tenant appliance with
# init / invite / join / up (the CLI only) and waits until t1 reaches p1 through the tunnel.
# Sets BH_PROVIDER_PID and BH_TENANT_PID. The caller removes the topology (topology.sh down).
# Usage: bh_pair_demo PREFIX CONFIG_ROOT [extra init args for both sides...]
bh_pair_demo() {
  local P=$1 T=$2; shift 2
  local BH="node $PWD/dist/src/cli/main.js" tok
  bash scripts/topology.sh up "$P" >/dev/null 2>&1
  ip netns exec "$P-pa" $BH init --config "$T/p" --name provider --listen 198.18.3.2:51820 --endpoint 198.18.3.2:51820 --bridge br0 "$@" >/dev/null 2>&1
  ip netns exec "$P-ta" $BH init --config "$T/t" --name tenant --listen 0.0.0.0:51820 --bridge br0 "$@" >/dev/null 2>&1
  tok=$(ip netns exec "$P-pa" $BH invite --config "$T/p" 2>/dev/null | tail -1)
  BH_PROVIDER_PID=$(bash scripts/topology.sh spawn "$P" pa bhp $BH up --config "$T/p")
  sleep 0.5
  ip netns exec "$P-ta" $BH join --config "$T/t" "$tok" >/dev/null
  BH_TENANT_PID=$(bash scripts/topology.sh spawn "$P" ta bht $BH up --config "$T/t")
  local _
  for _ in $(seq 50); do ip netns exec "$P-t1" ping -c1 -W1 198.19.10.21 >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "pair-demo: t1 does not reach p1 through the tunnel" >&2
  return 1
}
