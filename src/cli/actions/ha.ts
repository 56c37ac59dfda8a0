// bridgehead ha status | notify STATE | handover | export | import | keepalived-conf: the HA pair
// member (docs/INTERNALS.md 11). status/notify/handover talk to the running daemon; export/import
// move the site identity between the two members sealed with the pair secret; keepalived-conf
// prints the election config.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { configPaths, loadConfig, loadPrivateKey, savePrivateKey, updateConfig, writeFileAtomic } from '../../config/store';
import { parseConfig } from '../../config/config';
import { keepalivedConf } from '../../config/keepalived-conf';
import type { HaConfig } from '../../config/ha-config';
import * as crypto from '../../control/crypto';
import { IdentityError, openIdentity, sealIdentity } from '../../control/ha-identity';
import { callCtlsock, CtlsockError } from '../../ipc/ctlsock-client';
import type { HaStatus } from '../../ipc/ha-status';
import { formatHaStatus } from '../ha-format';
import { CliContext, CliError } from '../io';

export const HA_TIMEOUT_MS = 5000;

function haSection(dir: string): HaConfig {
  const c = loadConfig(dir);
  if (!c.ha) throw new CliError(`${configPaths(dir).config}: no "ha" section: this appliance is not a member of an HA pair`);
  return c.ha;
}

async function call(dir: string, method: string, params: object): Promise<unknown> {
  const socket = configPaths(dir).socket;
  try {
    return await callCtlsock(socket, method, params, HA_TIMEOUT_MS);
  } catch (e) {
    if (e instanceof CtlsockError && e.kind === 'not-running') throw new CliError(`daemon not running (no control socket at ${socket})`);
    throw e;
  }
}

export async function haStatusAction(o: { config: string; json: boolean }, ctx: CliContext): Promise<number> {
  const r = await call(o.config, 'ha-status', {}) as HaStatus | { enabled: false };
  if (o.json) ctx.out(JSON.stringify(r, null, 2));
  else if (!r || !r.enabled) throw new CliError('this appliance is not a member of an HA pair (no "ha" section)');
  else ctx.out(formatHaStatus(r).filter((l) => l !== '').join('\n'));
  return 0;
}

export async function haNotifyAction(state: string, o: { config: string }, ctx: CliContext): Promise<number> {
  const r = await call(o.config, 'ha-notify', { state }) as { role: string; active: boolean };
  ctx.info(`ha: ${state}: role ${r.role}, ${r.active ? 'active' : 'standby'}`);
  return 0;
}

export async function haHandoverAction(o: { config: string }, ctx: CliContext): Promise<number> {
  await call(o.config, 'ha-handover', {});
  ctx.out('handed over: this member left the bridge and stopped sending; keepalived moves MASTER to the other member');
  return 0;
}

export async function haExportAction(o: { config: string; out: string }, ctx: CliContext): Promise<number> {
  await crypto.ready();
  const c = loadConfig(o.config);
  const ha = haSection(o.config);
  const key = loadPrivateKey(o.config);
  const text = sealIdentity({ from: ha.member, name: c.name, endpoint: c.endpoint, privateKey: Buffer.from(key).toString('base64'),
    peers: c.peers }, Buffer.from(ha.secret, 'base64'), randomBytes(16));
  key.fill(0);
  if (o.out === '-') ctx.out(text);
  else {
    writeFileAtomic(path.resolve(o.out), `${text}\n`, 0o600);
    ctx.info(`identity of "${c.name}" (${c.peers.length} peers) sealed with the pair secret into ${o.out} (mode 0600); ` +
      'on the other member: bridgehead ha import FILE');
  }
  return 0;
}

export async function haImportAction(file: string, o: { config: string; force: boolean }, ctx: CliContext): Promise<number> {
  await crypto.ready();
  const ha = haSection(o.config);
  let text: string;
  try { text = fs.readFileSync(file === '-' ? 0 : file, 'utf8'); } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let b;
  try { b = openIdentity(text, Buffer.from(ha.secret, 'base64')); } catch (e) {
    if (e instanceof IdentityError) throw new CliError(e.message);
    throw e;
  }
  if (b.from === ha.member) throw new CliError(`this bundle was exported by this member ("${ha.member}"): import it on the other member`);
  let newKey: Uint8Array;
  try { newKey = new Uint8Array(Buffer.from(b.privateKey, 'base64')); } catch { throw new CliError('identity bundle: bad private key'); }
  if (newKey.length !== 32) throw new CliError('identity bundle: bad private key');
  const current = loadConfig(o.config);
  let oldKey: Uint8Array | null = null;
  try { oldKey = loadPrivateKey(o.config); } catch { oldKey = null; }
  const sameKey = oldKey !== null && crypto.equal(oldKey, newKey);
  if (!o.force) {
    if (current.name !== b.name) {
      throw new CliError(`site name mismatch: this member is "${current.name}", the bundle is "${b.name}" (from member "${b.from}"); --force takes the bundle's`);
    }
    if (!sameKey && current.peers.length > 0) {
      throw new CliError(`this member already has another static key with ${current.peers.length} peers; ` +
        'importing would replace them (--force replaces them)');
    }
  }
  // validate the whole result before writing anything
  const next = parseConfig({ ...JSON.parse(JSON.stringify(current)), name: b.name, endpoint: b.endpoint, peers: b.peers },
    `identity bundle from "${b.from}"`);
  if (!sameKey) savePrivateKey(o.config, newKey);
  updateConfig(o.config, (c) => ({ ...c, name: next.name, endpoint: next.endpoint, peers: next.peers }));
  newKey.fill(0);
  oldKey?.fill(0);
  ctx.out(`imported the identity of "${b.name}" from member "${b.from}": ${next.peers.length} peers` +
    `${sameKey ? ', same static key' : ', new static key'}`);
  if (fs.existsSync(configPaths(o.config).socket)) {
    ctx.info('restart the daemon on this member to use it (while it is the standby no traffic is affected)');
  }
  return 0;
}

export async function haKeepalivedAction(o: { config: string; notify: string; check: string; scriptSecurity: boolean; out: string },
  ctx: CliContext): Promise<number> {
  const ha = haSection(o.config);
  let text: string;
  try {
    text = keepalivedConf(ha, { notify: o.notify, check: o.check, configDir: path.resolve(o.config), scriptSecurity: o.scriptSecurity });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (o.out === '-') ctx.io.stdout.write(text);
  else {
    writeFileAtomic(path.resolve(o.out), text, 0o644);
    ctx.info(`wrote ${o.out}`);
  }
  return 0;
}
