// The sites of a stretched segment and the conflict policies of partial failover: plain values the
// config, the failover state machines (src/control/mobility.ts) and the replies share.
//   Site      the role of an appliance: 'tenant' or 'provider' (failover.site; prefer-tenant and
//             the defaults of failover/failback use it). In a two-site deployment the roles are
//             also the site names (the two-site alias).
//   SiteName  the name of a site (failover.siteName, default: its role): host records, the
//             peer-channel messages, `failover --to SITE`, `resolve --keep SITE` and the replies
//             carry it. Several sites may share a role (two tenant data centres and the provider).
// parseSite validates a role argument (init --site); parseSiteName a site name (--to, --keep).

import { ValueError } from '../util/value-error';

export type Site = 'tenant' | 'provider';
export type SiteName = string;

export type ConflictPolicy = 'quarantine' | 'log-only' | 'prefer-tenant';

export const MAX_SITE_NAME = 32;
const SITE_NAME_RE = /^[a-z0-9](?:[a-z0-9._-]{0,30}[a-z0-9])?$/;

export function parseSite(s: string): Site {
  if (s === 'tenant' || s === 'provider') return s;
  throw new ValueError('must be tenant or provider');
}

/** Words the replies use for a site that is not named (neighbors: local/remote) or that would
 *  read as several sites: never a site name. */
const RESERVED = new Set(['local', 'remote', 'both', 'all', 'any', 'none']);

export function isSiteName(s: unknown): s is SiteName {
  return typeof s === 'string' && SITE_NAME_RE.test(s) && !RESERVED.has(s);
}

export function parseSiteName(s: string): SiteName {
  if (isSiteName(s)) return s;
  throw new ValueError(`must be tenant or provider or a site name (1-${MAX_SITE_NAME} of a-z 0-9 . _ -, starting and ending with a letter or digit; not ${[...RESERVED].join('/')})`);
}

export const isRole = (s: unknown): s is Site => s === 'tenant' || s === 'provider';
