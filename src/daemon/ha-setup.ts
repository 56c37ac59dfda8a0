// HA at daemon start: the driver when the config has an active `ha` section, and the control
// socket methods (`ha-status`, `ha-notify`, `ha-handover`), which answer one line without it.

import type { Config } from '../config/types';
import { haActive } from '../config/ha-config';
import { HaDriver, type HaDriverDeps } from './ha-driver';
import type { CtlsockHandlers } from './ctlsock-server';

export function startHaDriver(config: Config, deps: Omit<HaDriverDeps, 'cfg' | 'tap' | 'bridge'> & { tap: string }): HaDriver | null {
  const cfg = haActive(config.ha);
  return cfg ? new HaDriver({ ...deps, cfg, bridge: config.bridge }) : null;
}

const NOT_HA = 'this appliance is not a member of an HA pair (no "ha" section in bridgehead.json)';

function params(p: unknown, keys: string[]): Record<string, unknown> {
  const o = (p ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new Error('params must be an object');
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new Error(`unknown parameter "${k}" (known: ${keys.join(', ') || 'none'})`);
  return o;
}

export function haHandlers(ha: HaDriver | null): CtlsockHandlers {
  return {
    'ha-status': (p) => { params(p, []); return ha ? ha.status() : { enabled: false }; },
    'ha-notify': (p) => {
      const o = params(p, ['state']);
      if (!ha) throw new Error(NOT_HA);
      return ha.notify(o.state as string);
    },
    'ha-handover': async (p) => {
      params(p, []);
      if (!ha) throw new Error(NOT_HA);
      const r = ha.handover();
      await ha.settled();
      return r;
    },
  };
}
