import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialSession, step, sessionIsUp, type SessionAction, type SessionEvent, type SessionState,
  REKEY_AFTER_TIME_MS, REKEY_TIMEOUT_MS, REKEY_ATTEMPT_TIME_MS, KEEPALIVE_TIMEOUT_MS, REJECT_AFTER_TIME_MS,
  REKEY_AFTER_MESSAGES,
} from '../../src/control/session';

/** Drives a session with ticks every `everyMs`, feeding traffic counters from a function of time. */
class Driver {
  s: SessionState = initialSession();
  t = 0;
  rx = 0;
  tx = 0;
  log: Array<{ t: number; a: SessionAction }> = [];
  constructor(public canInitiate = true, public pkMs = 0) {}
  ev(e: SessionEvent): SessionAction[] {
    const r = step(this.s, e, this.t);
    this.s = r.state;
    for (const a of r.actions) this.log.push({ t: this.t, a });
    return r.actions;
  }
  tick(sendCounter: bigint | null = null): SessionAction[] {
    return this.ev({ kind: 'tick', rxBytes: this.rx, txBytes: this.tx, sendCounter, canInitiate: this.canInitiate,
      persistentKeepaliveMs: this.pkMs, jitterMs: 0 });
  }
  run(untilMs: number, everyMs: number, traffic: (t: number) => { rx?: boolean; tx?: boolean } = () => ({})): void {
    while (this.t < untilMs) {
      this.t += everyMs;
      const tr = traffic(this.t);
      if (tr.rx) this.rx += 100;
      if (tr.tx) this.tx += 100;
      this.tick();
    }
  }
  kinds(): string[] { return this.log.map((l) => (l.a.kind === 'initiate' ? `initiate:${l.a.reason}` : l.a.kind)); }
}

test('start initiates only when the endpoint is known', () => {
  const a = new Driver(true);
  assert.deepEqual(a.ev({ kind: 'start', canInitiate: true }), [{ kind: 'initiate', reason: 'startup' }]);
  const b = new Driver(false);
  assert.deepEqual(b.ev({ kind: 'start', canInitiate: false }), []);
});

test('handshake is retried every 5 s and abandoned after 90 s', () => {
  const d = new Driver();
  d.ev({ kind: 'need-handshake', canInitiate: true });
  d.run(REKEY_ATTEMPT_TIME_MS + 1000, 250);
  const inits = d.log.filter((l) => l.a.kind === 'initiate');
  // first + one retry every 5 s until 90 s: 1 + 17
  assert.equal(inits.length, 1 + Math.floor((REKEY_ATTEMPT_TIME_MS - 1) / REKEY_TIMEOUT_MS));
  for (let i = 1; i < inits.length; i++) assert.equal(inits[i].t - inits[i - 1].t, REKEY_TIMEOUT_MS);
  assert.equal(d.log.filter((l) => l.a.kind === 'give-up').length, 1);
  assert.equal(d.s.handshake, null);
});

test('a second need-handshake during a handshake does not start another', () => {
  const d = new Driver();
  d.ev({ kind: 'need-handshake', canInitiate: true });
  d.t = 1000;
  assert.deepEqual(d.ev({ kind: 'need-handshake', canInitiate: true }), []);
});

test('initiator confirms the new keypair with a keepalive; session is up until 180 s', () => {
  const d = new Driver();
  d.ev({ kind: 'start', canInitiate: true });
  d.t = 100;
  assert.deepEqual(d.ev({ kind: 'initiated-keypair' }), [{ kind: 'keepalive' }]);
  assert.ok(sessionIsUp(d.s, d.t));
  assert.ok(!sessionIsUp(d.s, 100 + REJECT_AFTER_TIME_MS));
});

test('initiator rekeys after 120 s when it sends', () => {
  const d = new Driver();
  d.ev({ kind: 'initiated-keypair' });
  d.run(REKEY_AFTER_TIME_MS + 2000, 250, () => ({ tx: true, rx: true }));
  const rekeys = d.log.filter((l) => l.a.kind === 'initiate');
  assert.equal(rekeys.length, 1);
  assert.equal((rekeys[0].a as { reason: string }).reason, 'rekey-time');
  assert.ok(rekeys[0].t >= REKEY_AFTER_TIME_MS && rekeys[0].t < REKEY_AFTER_TIME_MS + 500);
});

test('responder does not rekey at 120 s but takes over at 165 s if still receiving', () => {
  const d = new Driver();
  d.ev({ kind: 'responded' });
  d.ev({ kind: 'keypair-confirmed' });
  d.run(REKEY_AFTER_TIME_MS + 10_000, 250, () => ({ tx: true, rx: true }));
  assert.equal(d.log.filter((l) => l.a.kind === 'initiate').length, 0);
  d.run(REJECT_AFTER_TIME_MS, 250, () => ({ tx: true, rx: true }));
  const first = d.log.find((l) => l.a.kind === 'initiate');
  assert.ok(first && first.t >= REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS);
});

test('rekey after 2^60 messages', () => {
  const d = new Driver();
  d.ev({ kind: 'initiated-keypair' });
  d.t = 1000;
  assert.deepEqual(d.tick(REKEY_AFTER_MESSAGES - 1n), []);
  d.t = 1250;
  assert.deepEqual(d.tick(REKEY_AFTER_MESSAGES), [{ kind: 'initiate', reason: 'rekey-messages' }]);
});

test('keepalive 10 s after receiving when nothing was sent', () => {
  const d = new Driver();
  d.ev({ kind: 'responded' });
  d.ev({ kind: 'keypair-confirmed' });
  d.log = [];
  d.run(40_000, 250, (t) => ({ rx: t <= 12_000 }));  // one-way traffic for 12 s, then silence
  const ka = d.log.filter((l) => l.a.kind === 'keepalive');
  // armed by the first packet (250), again by the first packet after the keepalive (10 500)
  assert.deepEqual(ka.map((k) => k.t), [250 + KEEPALIVE_TIMEOUT_MS, 10_500 + KEEPALIVE_TIMEOUT_MS]);
});

test('no keepalive when we send anyway', () => {
  const d = new Driver();
  d.ev({ kind: 'responded' });
  d.ev({ kind: 'keypair-confirmed' });
  d.log = [];
  d.run(30_000, 250, () => ({ rx: true, tx: true }));
  assert.equal(d.log.filter((l) => l.a.kind === 'keepalive').length, 0);
});

test('new handshake 15 s after sending without any reply', () => {
  const d = new Driver();
  d.ev({ kind: 'initiated-keypair' });
  d.log = [];
  d.run(20_000, 250, () => ({ tx: true }));
  const inits = d.log.filter((l) => l.a.kind === 'initiate');
  assert.equal(inits.length, 1);
  assert.equal((inits[0].a as { reason: string }).reason, 'no-reply');
  assert.equal(inits[0].t, 250 + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS);
});

test('a responder that just answered does not start a crossing handshake', () => {
  const d = new Driver();
  d.ev({ kind: 'responded' });
  d.t = 1000;
  assert.deepEqual(d.ev({ kind: 'need-handshake', canInitiate: true }), []);
  d.t = REKEY_TIMEOUT_MS + 1;
  assert.deepEqual(d.ev({ kind: 'need-handshake', canInitiate: true }), [{ kind: 'initiate', reason: 'data' }]);
});

test('persistent keepalive: handshake when there is no session, keepalives while idle', () => {
  const d = new Driver(true, 25_000);
  d.run(1000, 250);
  assert.deepEqual(d.kinds(), ['initiate:persistent-keepalive']);
  d.ev({ kind: 'initiated-keypair' });
  d.log = [];
  d.run(60_000, 250);
  const ka = d.log.filter((l) => l.a.kind === 'keepalive');
  assert.equal(ka.length, 2);
  assert.ok(ka[1].t - ka[0].t >= 25_000 && ka[1].t - ka[0].t < 25_500);
});

test('persistent keepalive keeps retrying after a give-up (an appliance reconnects by itself)', () => {
  const d = new Driver(true, 25_000);
  d.run(REKEY_ATTEMPT_TIME_MS + 6_000, 250);
  assert.ok(d.kinds().includes('give-up'));
  const after = d.log.filter((l) => l.a.kind === 'initiate' && l.t > REKEY_ATTEMPT_TIME_MS);
  assert.ok(after.length >= 1);
});

test('keys are wiped 540 s after the last handshake', () => {
  const d = new Driver(false);
  d.ev({ kind: 'initiated-keypair' });
  d.log = [];
  d.run(3 * REJECT_AFTER_TIME_MS + 1000, 1000);
  assert.deepEqual(d.kinds().filter((k) => k === 'wipe-keys'), ['wipe-keys']);
  assert.equal(d.s.current, null);
});

test('a shorter rekey age (config rekeyAfterS) makes the initiator rekey at that age, not before', () => {
  const d = new Driver();
  d.ev({ kind: 'initiated-keypair' });
  const at = 30_000;
  while (d.t < at + 2000) {
    d.t += 250;
    d.tx += 100;
    d.rx += 100;
    d.ev({ kind: 'tick', rxBytes: d.rx, txBytes: d.tx, sendCounter: null, canInitiate: true, persistentKeepaliveMs: 0, jitterMs: 0, rekeyAfterMs: at });
  }
  const rekeys = d.log.filter((l) => l.a.kind === 'initiate');
  assert.equal(rekeys.length, 1);
  assert.equal((rekeys[0].a as { reason: string }).reason, 'rekey-time');
  assert.ok(rekeys[0].t >= at && rekeys[0].t < at + 500, `rekey at ${rekeys[0].t}`);
});
