// The two sites of a stretched segment and the conflict policies of partial failover: plain
// values the config, the failover state machines (src/control/mobility.ts) and the replies share;
// parseSite validates a SITE argument (init --site, resolve --keep, ctlsock parameters).

import { ValueError } from '../util/value-error';

export type Site = 'tenant' | 'provider';

export type ConflictPolicy = 'quarantine' | 'log-only' | 'prefer-tenant';

export function parseSite(s: string): Site {
  if (s === 'tenant' || s === 'provider') return s;
  throw new ValueError('must be tenant or provider');
}
