// join: decode the token offline (format, checksum, expiry, not our own) -> make sure we have an
// identity -> hand over to the enrollment code (loaded lazily: it pulls in the data plane).

import * as crypto from '../../control/crypto';
import { TokenError, checkTokenExpiry, decodeToken } from '../../control/token';
import { configPaths, identityExists, loadPrivateKey } from '../../config/store';
import { oneLine } from '../../util/value-error';
import { formatDuration } from '../../util/duration';
import { CliContext, CliError, UsageError } from '../io';

export interface JoinOptions {
  config: string;
  timeout: number; // ms
  json?: boolean;
}

export async function joinAction(tokenArg: string, o: JoinOptions, ctx: CliContext): Promise<number> {
  const p = configPaths(o.config);
  const token = tokenArg.trim();
  await crypto.ready();
  let decoded;
  try {
    decoded = decodeToken(token);
  } catch (e) {
    if (e instanceof TokenError) throw new UsageError(`invalid TOKEN: ${oneLine(e.message)}`);
    throw e;
  }
  try {
    try {
      checkTokenExpiry(decoded, ctx.now());
    } catch (e) {
      if (e instanceof TokenError) throw new CliError(`${oneLine(e.message)}; ask "${decoded.inviterName}" for a new invite`);
      throw e;
    }
    if (!identityExists(p.dir)) {
      throw new CliError(`no identity in ${p.dir}; run "bridgehead init --config ${p.dir} --name NAME --listen IP:PORT" first`);
    }
    const priv = loadPrivateKey(p.dir);
    let ours: Uint8Array;
    try {
      ours = crypto.publicKey(priv);
    } finally {
      crypto.wipe(priv);
    }
    if (crypto.equal(ours, decoded.inviterPublicKey)) {
      throw new CliError('this invite was created by this appliance; run "bridgehead join" on the other one');
    }
  } finally {
    crypto.wipe(decoded.secret);
  }

  let result;
  try {
    const { joinWithToken } = await import('../../daemon/join-driver');
    result = await joinWithToken({ configDir: p.dir, token, timeoutMs: o.timeout });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new CliError(oneLine(msg) || `join failed within ${formatDuration(o.timeout)}`);
  }
  if (o.json) ctx.out(JSON.stringify({ peer: result.peerName, endpoint: result.endpoint }, null, 2));
  else ctx.out(`joined "${result.peerName}" at ${result.endpoint}`);
  return 0;
}
