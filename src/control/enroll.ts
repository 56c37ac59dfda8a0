// `bridgehead join`: enrolls this appliance with the one that created the invite token.
//
//   token -> decode + expiry check -> initiation carrying the invite id (psk derived from the
//   token's secret), resent every second -> response -> keypair -> 'hello' (our name) on the
//   authenticated control channel, resent until the inviter's 'welcome' (it has persisted us)
//   -> persist the inviter as a peer -> tell a running daemon to reload.
//
// It uses the native data plane in socketpair mode (no TAP, no root) on an ephemeral UDP port, so
// the handshake and the control channel run through exactly the code the daemon uses.

import { loadConfig, loadPrivateKey, updateConfig } from '../config/store';
import { callControl } from '../daemon/control-socket';
import { resolveEndpoint } from '../daemon/peer-sync';
import { loadDataPlane } from '../dataplane/native';
import type { DataPlane, Endpoint, NativeEvent } from '../dataplane/types';
import { decodeControl, encodeControl } from './control-messages';
import * as crypto from './crypto';
import { consumeResponse, createInitiation, type InitiatorPending } from './handshake';
import { cookieReplyReceiver, openCookieReply } from './cookie';
import { checkTokenExpiry, decodeToken, pairPsk } from './token';
import { randomInt } from 'node:crypto';

export interface JoinOptions { configDir: string; token: string; timeoutMs: number }
export interface JoinResult { peerName: string; endpoint: string }

const RETRY_INITIATION_MS = 1000;
const RETRY_HELLO_MS = 500;
const PEER = 1;
const NAME_RE = /^[A-Za-z0-9._-]{1,32}$/;

export async function joinWithToken(opts: JoinOptions): Promise<JoinResult> {
  await crypto.ready();
  const token = decodeToken(opts.token);
  checkTokenExpiry(token, Date.now());
  const config = loadConfig(opts.configDir);
  const privateKey = loadPrivateKey(opts.configDir);
  const identity = { privateKey, publicKey: crypto.publicKey(privateKey) };
  const inviterKey = Buffer.from(token.inviterPublicKey).toString('base64');
  if (Buffer.from(identity.publicKey).equals(Buffer.from(token.inviterPublicKey))) {
    throw new Error('this token was created by this appliance; run join on the other appliance');
  }
  const already = config.peers.find((p) => p.publicKey === inviterKey);
  if (already) throw new Error(`already joined: peer "${already.name}" has the inviter's key; an invite token is single-use`);

  const endpoints: Endpoint[] = [];
  for (const e of token.endpoints) {
    try { endpoints.push(await resolveEndpoint(e)); } catch { /* try the others */ }
  }
  if (endpoints.length === 0) throw new Error(`cannot resolve the inviter's endpoint(s): ${token.endpoints.join(', ')}`);

  const psk = pairPsk(token.secret);
  const welcome = await handshakeAndHello(identity, token.inviterPublicKey, token.inviteId, psk, endpoints,
    config.name, opts.timeoutMs);

  const base = NAME_RE.test(token.inviterName) ? token.inviterName : welcome.name;
  let name = base;
  const endpoint = token.endpoints[endpoints.indexOf(welcome.via)] ?? token.endpoints[0];
  updateConfig(opts.configDir, (c) => {
    const taken = new Set(c.peers.map((p) => p.name));
    for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 28)}-${i}`;
    c.peers.push({
      name, publicKey: inviterKey, endpoint, psk: Buffer.from(psk).toString('base64'),
      persistentKeepaliveS: 25, addedAt: new Date().toISOString(),
    });
    return c;
  });
  psk.fill(0);
  privateKey.fill(0);
  // A daemon that is already running picks the new peer up without a restart.
  await callControl(`${opts.configDir}/bridgehead.sock`, 'reload', {}, 2000).catch(() => undefined);
  return { peerName: name, endpoint };
}

function handshakeAndHello(identity: { privateKey: Uint8Array; publicKey: Uint8Array }, inviterKey: Uint8Array,
  inviteId: Uint8Array, psk: Uint8Array, endpoints: Endpoint[], ourName: string, timeoutMs: number):
  Promise<{ name: string; via: Endpoint }> {
  return new Promise((resolve, reject) => {
    const pending = new Map<number, { state: InitiatorPending; via: Endpoint }>();
    let via: Endpoint | null = null;
    let dp: DataPlane | null = null;
    let retry: NodeJS.Timeout | null = null;
    let done = false;
    const finish = (err: Error | null, value?: { name: string; via: Endpoint }): void => {
      if (done) return;
      done = true;
      if (retry) clearInterval(retry);
      clearTimeout(deadline);
      dp?.stop();
      if (err) reject(err); else resolve(value!);
    };
    let cookie: Uint8Array | undefined;  // the inviter's cookie when it is under load (cookie.ts)
    const sendInitiation = (ep: Endpoint): void => {
      const senderIndex = randomInt(1, 0xffffffff);
      const { message, state } = createInitiation({
        local: identity, remotePublicKey: inviterKey, psk, senderIndex, nowMs: Date.now(), inviteId, cookie,
      });
      pending.set(senderIndex, { state, via: ep });
      if (pending.size > 16) pending.delete(pending.keys().next().value as number);
      dp!.sendRaw(ep, Buffer.from(message));
    };
    const sendInitiations = (): void => { for (const ep of endpoints) sendInitiation(ep); };
    const sendHello = (): void => { dp!.sendControl(PEER, encodeControl({ t: 'hello', name: ourName })); };
    const onEvent = (ev: NativeEvent): void => {
      if (done) return;
      if (ev.type === 'handshake' && ev.data[0] === 3 && !via) {
        // Under load the inviter answers with a cookie: retry once at once with mac2.
        const idx = cookieReplyReceiver(new Uint8Array(ev.data));
        const p = idx === null ? undefined : pending.get(idx);
        const c = p && openCookieReply(new Uint8Array(ev.data), inviterKey, p.state.mac1);
        if (!p || !c) return;
        cookie = c;
        if (!p.state.withCookie) sendInitiation(p.via);
      } else if (ev.type === 'handshake' && ev.data[0] === 2 && !via) {
        const p = pending.get(ev.data.readUInt32LE(8));
        if (!p) return;
        const r = consumeResponse(p.state, new Uint8Array(ev.data));
        if (!r.ok) return;
        via = p.via;
        dp!.setEndpoint(PEER, ev.from);
        dp!.installKeypair(PEER, {
          localIndex: r.keypair.localIndex, remoteIndex: r.keypair.remoteIndex, initiator: true,
          sendKey: Buffer.from(r.keypair.sendKey), recvKey: Buffer.from(r.keypair.recvKey),
        });
        sendHello();
        if (retry) clearInterval(retry);
        retry = setInterval(sendHello, RETRY_HELLO_MS);
      } else if (ev.type === 'control' && via) {
        const m = decodeControl(ev.data);
        if (m && m.t === 'welcome') finish(null, { name: m.name, via });
      }
    };
    const deadline = setTimeout(() => {
      const where = endpoints.map((e) => `${e.address}:${e.port}`).join(', ');
      finish(new Error(via
        ? `the inviting appliance at ${where} answered the handshake but did not confirm the enrollment within ${Math.round(timeoutMs / 1000)} s`
        : `no answer from the inviting appliance at ${where} within ${Math.round(timeoutMs / 1000)} s: ` +
          'the token was already used or revoked, its daemon is not running (start it with "bridgehead up"), or it is unreachable'));
    }, timeoutMs);
    try {
      const { DataPlane: NativeDataPlane } = loadDataPlane();
      const v6 = endpoints[0].address.includes(':');
      dp = new NativeDataPlane({
        tap: { socketpair: true }, listen: { address: v6 ? '::' : '0.0.0.0', port: 0 },
        macTableCapacity: 16, macAgeMs: 60_000, eventQueueCapacity: 64, onEvent,
      });
      dp.addPeer(PEER, endpoints[0]);
      dp.start();
      sendInitiations();
      retry = setInterval(sendInitiations, RETRY_INITIATION_MS);
    } catch (e) {
      finish(e as Error);
    }
  });
}
