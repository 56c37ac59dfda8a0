// A second appliance on the provider's WAN segment of the standard topology (scripts/topology.sh):
// the wan router's pa0 port (198.18.3.1/24) becomes a bridge `wbr` holding pa0 and a new veth to
// namespace `ns`, whose wan0 gets `addr`/24 and a default route via the router. Used by the HA
// pair (pb) and by the three-site failover test (site-b).
import { runOk } from './proc';

const sh = (argv: string[]) => runOk(argv, { timeoutMs: 10000 });

/** Attaches namespace PREFIX-ns (already created) to the WAN bridge with address `addr`. */
export async function attachToWanBridge(prefix: string, ns: string, addr: string): Promise<void> {
  const n = (x: string) => `${prefix}-${x}`;
  const port = `${ns}0`;
  await sh(['ip', '-n', n('wan'), 'addr', 'del', '198.18.3.1/24', 'dev', 'pa0']);
  await sh(['ip', '-n', n('wan'), 'link', 'add', 'wbr', 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
  await sh(['ip', '-n', n('wan'), 'link', 'set', 'pa0', 'master', 'wbr']);
  await sh(['ip', '-n', n('wan'), 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', n(ns)]);
  await sh(['ip', '-n', n('wan'), 'link', 'set', port, 'master', 'wbr']);
  await sh(['ip', '-n', n('wan'), 'link', 'set', port, 'up']);
  await sh(['ip', '-n', n('wan'), 'addr', 'add', '198.18.3.1/24', 'dev', 'wbr']);
  await sh(['ip', '-n', n('wan'), 'link', 'set', 'wbr', 'up']);
  await sh(['ip', '-n', n(ns), 'addr', 'add', `${addr}/24`, 'dev', 'wan0']);
  await sh(['ip', '-n', n(ns), 'link', 'set', 'wan0', 'up']);
  await sh(['ip', '-n', n(ns), 'route', 'add', 'default', 'via', '198.18.3.1', 'dev', 'wan0']);
}
