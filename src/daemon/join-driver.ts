// `bridgehead join`: enrolls this appliance with the one that created the invite token. The
// protocol steps are the pure machine in control/join.ts; this file is its driver.
//
//   token -> decode + expiry check -> initiation carrying the invite id (psk derived from the
//   token's secret), resent every second -> response -> keypair -> 'hello' (our name) on the
//   authenticated peer channel, resent until the inviter's 'welcome' (it has persisted us)
//   -> persist the inviter as a peer -> tell a running daemon to reload.
//
// It uses the native data plane in socketpair mode (no TAP, no root) on an ephemeral UDP port, so
// the handshake and the peer channel run through exactly the code the daemon uses.

import { loadConfig, loadPrivateKey, updateConfig } from '../config/store';
import { callCtlsock } from '../ipc/ctlsock-client';
import { resolveEndpoint } from './peer-sync';
import { loadDataPlane } from '../dataplane/native';
import type { DataPlane, Endpoint, NativeEvent } from '../dataplane/types';
import { decodePeerMessage, encodePeerMessage } from '../control/peer-channel-messages';
import * as crypto from '../control/crypto';
import { consumeResponse, createInitiation, type InitiatorPending } from '../control/handshake';
import { cookieReplyReceiver, openCookieReply } from '../control/cookie';
import { initJoin, inviterPeerName, nextWakeMs, pendingFor, step, type JoinAction, type JoinEvent, type JoinState } from '../control/join';
import { checkTokenExpiry, decodeToken, pairPsk } from '../control/token';
import { randomInt } from 'node:crypto';

export interface JoinOptions { configDir: string; token: string; timeoutMs: number }
export interface JoinResult { peerName: string; endpoint: string }

const PEER = 1;

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
  const endpointText: string[] = [];
  for (const e of token.endpoints) {
    try { endpoints.push(await resolveEndpoint(e)); endpointText.push(e); } catch { /* try the others */ }
  }
  if (endpoints.length === 0) throw new Error(`cannot resolve the inviter's endpoint(s): ${token.endpoints.join(', ')}`);

  const psk = pairPsk(token.secret);
  const welcome = await handshakeAndHello(identity, token.inviterPublicKey, token.inviteId, psk, endpoints,
    config.name, opts.timeoutMs);

  let name = '';
  const endpoint = endpointText[welcome.endpoint] ?? token.endpoints[0];
  updateConfig(opts.configDir, (c) => {
    name = inviterPeerName(token.inviterName, welcome.name, c.peers.map((p) => p.name));
    c.peers.push({
      name, publicKey: inviterKey, endpoint, psk: Buffer.from(psk).toString('base64'),
      persistentKeepaliveS: 25, addedAt: new Date().toISOString(),
    });
    return c;
  });
  psk.fill(0);
  privateKey.fill(0);
  // A daemon that is already running picks the new peer up without a restart.
  await callCtlsock(`${opts.configDir}/bridgehead.sock`, 'reload', {}, 2000).catch(() => undefined);
  return { peerName: name, endpoint };
}

function handshakeAndHello(identity: { privateKey: Uint8Array; publicKey: Uint8Array }, inviterKey: Uint8Array,
  inviteId: Uint8Array, psk: Uint8Array, endpoints: Endpoint[], ourName: string, timeoutMs: number):
  Promise<{ name: string; endpoint: number }> {
  return new Promise((resolve, reject) => {
    let s: JoinState<InitiatorPending> = initJoin({ endpoints: endpoints.length, timeoutMs });
    let dp: DataPlane | null = null;
    let timer: NodeJS.Timeout | null = null;
    let settled = false;
    const finish = (err: Error | null, value?: { name: string; endpoint: number }): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      dp?.stop();
      if (err) reject(err); else resolve(value!);
    };
    const failure = (reason: 'no-answer' | 'no-welcome'): Error => {
      const where = endpoints.map((e) => `${e.address}:${e.port}`).join(', ');
      const within = `within ${Math.round(timeoutMs / 1000)} s`;
      return new Error(reason === 'no-welcome'
        ? `the inviting appliance at ${where} answered the handshake but did not confirm the enrollment ${within}`
        : `no answer from the inviting appliance at ${where} ${within}: ` +
          'the token was already used or revoked, its daemon is not running (start it with "bridgehead up"), or it is unreachable');
    };
    const run = (ev: JoinEvent<InitiatorPending>): void => {
      if (settled) return;
      const r = step(s, ev, Date.now());
      s = r.state;
      for (const a of r.actions) perform(a);
      schedule();
    };
    let cookie: Uint8Array | undefined;  // the inviter's cookie when it is under load (control/cookie.ts)
    const perform = (a: JoinAction): void => {
      switch (a.type) {
        case 'send-initiation': {
          const senderIndex = randomInt(1, 0xffffffff);
          const { message, state } = createInitiation({
            local: identity, remotePublicKey: inviterKey, psk, senderIndex, nowMs: Date.now(), inviteId, cookie,
          });
          s = step(s, { type: 'initiation-sent', senderIndex, endpoint: a.endpoint, handshake: state }, Date.now()).state;
          dp!.sendRaw(endpoints[a.endpoint], Buffer.from(message));
          break;
        }
        case 'send-hello': dp!.sendControl(PEER, encodePeerMessage({ t: 'hello', name: ourName })); break;
        case 'done': finish(null, { name: a.name, endpoint: a.endpoint }); break;
        case 'fail': finish(failure(a.reason)); break;
      }
    };
    const schedule = (): void => {
      if (timer) clearTimeout(timer);
      timer = null;
      const at = nextWakeMs(s);
      if (at !== null && !settled) timer = setTimeout(() => run({ type: 'tick' }), Math.max(0, at - Date.now()));
    };
    const onEvent = (ev: NativeEvent): void => {
      if (settled) return;
      if (ev.type === 'handshake' && ev.data[0] === 3) {
        // Under load the inviter answers with a cookie: keep it and retry at once with mac2
        // (only for an initiation that had none: a forged reply cannot cause a retry storm).
        const idx = cookieReplyReceiver(new Uint8Array(ev.data));
        const p = idx === null ? undefined : pendingFor(s, idx);
        const c = p && openCookieReply(new Uint8Array(ev.data), inviterKey, p.handshake.mac1);
        if (!p || !c) return;
        cookie = c;
        if (!p.handshake.withCookie) perform({ type: 'send-initiation', endpoint: p.endpoint });
      } else if (ev.type === 'handshake' && ev.data[0] === 2) {
        const senderIndex = ev.data.readUInt32LE(8);
        const p = pendingFor(s, senderIndex);
        if (!p) return;
        const r = consumeResponse(p.handshake, new Uint8Array(ev.data));
        if (!r.ok) return;
        dp!.setEndpoint(PEER, ev.from);
        dp!.installKeypair(PEER, {
          localIndex: r.keypair.localIndex, remoteIndex: r.keypair.remoteIndex, initiator: true,
          sendKey: Buffer.from(r.keypair.sendKey), recvKey: Buffer.from(r.keypair.recvKey),
        });
        run({ type: 'keyed', senderIndex });
      } else if (ev.type === 'control') {
        const m = decodePeerMessage(ev.data);
        if (m && m.t === 'welcome') run({ type: 'welcome', name: m.name });
      }
    };
    try {
      const { DataPlane: NativeDataPlane } = loadDataPlane();
      const v6 = endpoints[0].address.includes(':');
      dp = new NativeDataPlane({
        tap: { socketpair: true }, listen: { address: v6 ? '::' : '0.0.0.0', port: 0 },
        macTableCapacity: 16, macAgeMs: 60_000, eventQueueCapacity: 64, onEvent,
      });
      dp.addPeer(PEER, endpoints[0]);
      dp.start();
      run({ type: 'start' });
    } catch (e) {
      finish(e as Error);
    }
  });
}
