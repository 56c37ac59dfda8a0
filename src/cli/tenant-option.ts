// --tenant NAME on every command that takes --config, except those that create or run an
// appliance (init, up) and `tenant` itself (docs/INTERNALS.md 9.3). The option turns the
// command's config directory into tenants/NAME/ before the action runs, so each command works on
// a tenant exactly as on a single-tenant appliance (its files, its control socket).

import { Option, type Command } from 'commander';
import { ConfigError } from '../config/errors';
import { resolveTenantDir } from '../config/tenant-store';
import { parseTenantName } from '../config/tenants';
import { UsageError } from './io';
import { valueParser } from './options';

const WITHOUT_TENANT = new Set(['init', 'up', 'tenant', 'completion']);

function walk(cmd: Command, visit: (c: Command) => void): void {
  visit(cmd);
  for (const c of cmd.commands) walk(c, visit);
}

/** Adds --tenant to the commands that take --config (outside WITHOUT_TENANT) and the hook that
 *  applies it. */
export function addTenantOption(program: Command): void {
  for (const top of program.commands) {
    if (WITHOUT_TENANT.has(top.name())) continue;
    walk(top, (c) => {
      if (!c.options.some((o) => o.long === '--config')) return;
      c.addOption(new Option('--tenant <NAME>', 'act on this tenant of a provider appliance (see "bridgehead tenant list")')
        .argParser(valueParser('--tenant', parseTenantName)));
    });
  }
  program.hook('preAction', (_program, action) => {
    const o = action.opts() as { config?: string; tenant?: string };
    if (o.tenant === undefined || o.config === undefined) return;
    try {
      action.setOptionValue('config', resolveTenantDir(o.config, o.tenant));
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`invalid --tenant "${o.tenant}": ${e.message}`);
      throw e;
    }
  });
}
