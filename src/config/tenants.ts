// tenants.json of a multi-tenant provider appliance (docs/INTERNALS.md section 9): the named
// tenants and their steering slots. Pure parse/validate/format; the store is tenant-store.ts.
//
//   { "version": 1, "tenants": [ { "name": "acme", "slot": 1 }, ... ] }
//
// The slot (1..255) is the top byte of every receiver index the tenant's handshakes hand out; the
// kernel steers data to the tenant's socket by it. A slot is never reused while its tenant exists.

import { ConfigError } from './errors';
import { knownFields, type Fail } from './fields';
import { ValueError } from './validate';

export const TENANTS_VERSION = 1;
export const SLOT_MIN = 1;
export const SLOT_MAX = 255;
export const MAX_TENANTS = SLOT_MAX - SLOT_MIN + 1;
/** 12 characters: the default TAP name `bt-NAME` must fit Linux's 15. */
export const TENANT_NAME_MAX = 12;

export interface TenantEntry { name: string; slot: number }

/** A tenant name: 1..12 of [a-z0-9-], starting with a letter (a directory and TAP name part). */
export function parseTenantName(s: string): string {
  if (typeof s !== 'string' || s.length === 0) throw new ValueError('tenant name must not be empty');
  if (s.length > TENANT_NAME_MAX) throw new ValueError(`tenant name must be at most ${TENANT_NAME_MAX} characters (got ${s.length})`);
  if (!/^[a-z][a-z0-9-]*$/.test(s)) throw new ValueError('tenant name must start with a-z and contain only a-z, 0-9 and "-"');
  return s;
}

export function defaultTenantTap(name: string): string {
  return `bt-${name}`;
}

export function parseTenants(raw: unknown, source = 'tenants.json'): TenantEntry[] {
  const fail: Fail = (path, problem, value) => {
    const v = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 40)})`;
    throw new ConfigError(`${source}: ${path || '(top level)'}: ${problem}${v}`);
  };
  const o = knownFields(raw, '', ['version', 'tenants'], fail);
  if (o.version !== TENANTS_VERSION) fail('version', `unsupported version (expected ${TENANTS_VERSION})`, o.version);
  if (!Array.isArray(o.tenants)) fail('tenants', 'expected a list', o.tenants);
  const list = o.tenants as unknown[];
  if (list.length > MAX_TENANTS) fail('tenants', `at most ${MAX_TENANTS} tenants (got ${list.length})`);
  const names = new Set<string>();
  const slots = new Set<number>();
  return list.map((t, i) => {
    const e = knownFields(t, `tenants[${i}]`, ['name', 'slot'], fail);
    let name = '';
    try { name = parseTenantName(e.name as string); } catch (err) {
      if (err instanceof ValueError) fail(`tenants[${i}].name`, err.message, e.name);
      throw err;
    }
    const slot = e.slot;
    if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < SLOT_MIN || slot > SLOT_MAX) {
      fail(`tenants[${i}].slot`, `expected an integer ${SLOT_MIN}..${SLOT_MAX}`, slot);
    }
    if (names.has(name)) fail(`tenants[${i}].name`, 'duplicate tenant name', name);
    if (slots.has(slot as number)) fail(`tenants[${i}].slot`, 'slot used twice', slot);
    names.add(name);
    slots.add(slot as number);
    return { name, slot: slot as number };
  });
}

export function formatTenants(list: readonly TenantEntry[]): string {
  return `${JSON.stringify({ version: TENANTS_VERSION, tenants: list.map((t) => ({ name: t.name, slot: t.slot })) }, null, 2)}\n`;
}

/** The lowest slot no tenant uses; null when all are taken. */
export function freeSlot(list: readonly TenantEntry[]): number | null {
  const used = new Set(list.map((t) => t.slot));
  for (let s = SLOT_MIN; s <= SLOT_MAX; s++) if (!used.has(s)) return s;
  return null;
}
