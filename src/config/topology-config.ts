// config `topology`: how the sites of one segment are paired (docs/INTERNALS.md "Multi-site data
// plane"). 'mesh' (the default, and what two sites are): every site pairs with every other and
// never sends a frame from one peer on to another. 'hub': this appliance is the hub that the
// spokes pair with, and relays between them (known unicast to the spoke that has the MAC,
// flooding to every spoke but the sender). Only the hub says 'hub'; its spokes keep the default.

import { ValueError } from '../util/value-error';

export const TOPOLOGIES = ['mesh', 'hub'] as const;
export type Topology = (typeof TOPOLOGIES)[number];
export const DEFAULT_TOPOLOGY: Topology = 'mesh';

export function parseTopologyValue(value: unknown, fail: (path: string, problem: string, ...v: unknown[]) => never): Topology {
  if (typeof value !== 'string' || !(TOPOLOGIES as readonly string[]).includes(value)) {
    fail('topology', `must be one of ${TOPOLOGIES.join(', ')}`, value);
  }
  return value as Topology;
}

/** The `init --topology` argument (a ValueError names the choices). */
export function parseTopologyArg(s: string): Topology {
  if (!(TOPOLOGIES as readonly string[]).includes(s)) throw new ValueError(`must be one of ${TOPOLOGIES.join(', ')}`);
  return s as Topology;
}

/** Whether the data plane relays between peers (DataPlane.setRelay). */
export function relays(t: Topology | undefined): boolean {
  return t === 'hub';
}
