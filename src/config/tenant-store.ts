// tenants.json on disk and the tenants' config directories (docs/INTERNALS.md section 9):
//
//   DIR/tenants.json        0600  the named tenants and their slots (tenants.ts)
//   DIR/tenants/NAME/       0700  a complete config directory per tenant (store.ts layout)
//
// Writes are atomic and locked with DIR's lock, like bridgehead.json.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { withConfigLock, writeFileAtomic } from './store';
import { formatTenants, parseTenants, type TenantEntry } from './tenants';

export function tenantsFile(dir: string): string {
  return path.join(path.resolve(dir), 'tenants.json');
}

export function tenantDir(dir: string, name: string): string {
  return path.join(path.resolve(dir), 'tenants', name);
}

/** tenants.json; a missing file is no named tenants (a single-tenant appliance). */
export function loadTenants(dir: string): TenantEntry[] {
  const file = tenantsFile(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`${file}: ${(e as Error).message.replace(/\s+/g, ' ')}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON: ${(e as Error).message.replace(/\s+/g, ' ')}`);
  }
  return parseTenants(raw, file);
}

/** Locked read-modify-write of tenants.json. */
export function updateTenants(dir: string, fn: (list: TenantEntry[]) => TenantEntry[]): TenantEntry[] {
  return withConfigLock(path.resolve(dir), () => {
    const next = fn(loadTenants(dir));
    const text = formatTenants(next);
    parseTenants(JSON.parse(text), `${tenantsFile(dir)} (refusing to save)`);
    writeFileAtomic(tenantsFile(dir), text);
    return next;
  });
}

/** The config directory of a named tenant; ConfigError when the appliance has no such tenant. */
export function resolveTenantDir(dir: string, name: string): string {
  const list = loadTenants(dir);
  if (!list.some((t) => t.name === name)) {
    const known = list.length ? `known: ${list.map((t) => t.name).join(', ')}` : 'this appliance has no tenants (bridgehead tenant add)';
    throw new ConfigError(`no tenant "${name}" in ${tenantsFile(dir)} (${known})`);
  }
  return tenantDir(dir, name);
}
