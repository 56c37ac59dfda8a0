// init: validate (done by the option parsers) -> refuse to clobber an identity unless --force
// (and never while a daemon runs on it) -> generate the key pair -> write private.key, then
// bridgehead.json (both atomic, 0600) -> print the public key on stdout.

import type { Topology } from '../../config/topology-config';
import * as crypto from '../../control/crypto';
import { newConfig } from '../../config/config';
import { configPaths, ensureConfigDir, identityExists, saveConfig, saveInvites, savePrivateKey } from '../../config/store';
import { formatHostPort, isWildcardAddress, quote } from '../../config/validate';
import { CtlsockError, callCtlsock } from '../../ipc/ctlsock-client';
import { CliContext, CliError, UsageError } from '../io';
import * as fs from 'node:fs';

export interface InitOptions {
  config: string;
  name: string;
  listen: { address: string; port: number };
  endpoint?: string;
  tap: string;
  bridge?: string;
  site?: 'tenant' | 'provider';
  /** Mbit/s (--wan-rate): a qos section with the shaper and the voice rules */
  wanRate?: number;
  /** --metrics [IP:PORT]: a metrics section (true: the default loopback address) */
  metrics?: string | true;
  /** --topology hub|mesh: the multi-site layout (config topology) */
  topology?: Topology;
  force: boolean;
  json?: boolean;
}

/** Is a daemon (possibly busy or unhappy) serving this directory? Only "nothing there" is no. */
async function daemonAnswers(socket: string): Promise<boolean> {
  try {
    await callCtlsock(socket, 'status', {}, 1000);
    return true;
  } catch (e) {
    const kind = e instanceof CtlsockError ? e.kind : 'other';
    return kind !== 'not-running' && kind !== 'other';
  }
}

export async function initAction(o: InitOptions, ctx: CliContext): Promise<number> {
  const p = configPaths(o.config);
  if (o.bridge !== undefined && o.bridge === o.tap) {
    throw new UsageError(`invalid --bridge ${quote(o.bridge)}: must differ from --tap`);
  }
  if (identityExists(p.dir)) {
    if (!o.force) {
      throw new CliError(`${p.dir} already holds an identity; use --force to replace it (existing peers will have to pair again)`);
    }
    if (await daemonAnswers(p.socket)) {
      throw new CliError(`a bridgehead daemon is running on ${p.dir}; stop it before replacing its identity`);
    }
  }

  const config = newConfig({ name: o.name, listen: o.listen, endpoint: o.endpoint ?? null, tap: o.tap, bridge: o.bridge ?? null,
    ...(o.site !== undefined ? { site: o.site } : {}), ...(o.wanRate !== undefined ? { wanRateMbit: o.wanRate } : {}),
    ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
    ...(o.topology !== undefined ? { topology: o.topology } : {}) });
  await crypto.ready();
  const kp = crypto.generateKeyPair();
  try {
    ensureConfigDir(p.dir);
    savePrivateKey(p.dir, kp.privateKey);
    saveConfig(p.dir, config);
    // Invites of a replaced identity carry the old public key: they can never work again.
    if (fs.existsSync(p.invites)) saveInvites(p.dir, []);
  } finally {
    crypto.wipe(kp.privateKey);
  }

  const pub = Buffer.from(kp.publicKey).toString('base64');
  ctx.info(`created identity "${config.name}" in ${p.dir} (listen ${formatHostPort(o.listen.address, o.listen.port)}, tap ${config.tap}${config.bridge ? `, bridge ${config.bridge}` : ''})`);
  if (config.endpoint === null && isWildcardAddress(config.listen.address)) {
    ctx.info('note: no --endpoint given and --listen is a wildcard address; "bridgehead invite" needs an endpoint peers can reach');
  }
  if (o.json) ctx.out(JSON.stringify({ name: config.name, publicKey: pub, config: p.config }, null, 2));
  else ctx.out(pub);
  return 0;
}
