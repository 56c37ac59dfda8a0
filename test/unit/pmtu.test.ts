import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_PLPMTU, initPmtu, pmtuSource, step, type PmtuConfig, type PmtuState } from '../../src/control/pmtu';

/**
 * A simulated path: probes up to `path` bytes are acknowledged after `rttMs`, larger ones vanish;
 * probes above `localMtu` are refused by the "kernel" at once. Ticks every 100 ms.
 */
class Sim {
  s: PmtuState;
  t = 0;
  path: number;
  localMtu = 65535;
  rttMs = 20;
  lossy = 0; // drop every n-th probe (0 = none)
  sent: Array<{ size: number; id: number; t: number }> = [];
  mtus: number[] = [];
  private inflight: Array<{ id: number; size: number; at: number }> = [];
  private n = 0;
  constructor(path: number, cfg: Partial<PmtuConfig> = {}) {
    this.path = path;
    this.s = initPmtu(cfg);
  }
  private run(r: ReturnType<typeof step>) {
    for (const a of r.actions) {
      if (a.type === 'set-mtu') this.mtus.push(a.bytes);
      else {
        this.sent.push({ size: a.size, id: a.id, t: this.t });
        this.n++;
        if (a.size > this.localMtu) this.run(step(this.s, { type: 'refused', id: a.id }, this.t));
        else if (a.size <= this.path && !(this.lossy && this.n % this.lossy === 0))
          this.inflight.push({ id: a.id, size: a.size, at: this.t + this.rttMs });
      }
    }
  }
  start() { this.run(step(this.s, { type: 'start' }, this.t)); }
  event(ev: Parameters<typeof step>[1]) { this.run(step(this.s, ev, this.t)); }
  advance(ms: number) {
    const end = this.t + ms;
    while (this.t < end) {
      this.t += 10;
      for (const a of this.inflight.filter((x) => x.at <= this.t)) this.run(step(this.s, { type: 'ack', id: a.id, size: a.size }, this.t));
      this.inflight = this.inflight.filter((x) => x.at > this.t);
      if (this.t % 100 === 0) this.run(step(this.s, { type: 'tick' }, this.t));
    }
  }
}

test('starts at the base, then converges to the path MTU (1400) within the step', () => {
  const sim = new Sim(1400);
  sim.start();
  assert.equal(sim.mtus[0], BASE_PLPMTU, 'data is fragmented to the base meanwhile');
  sim.advance(20_000);
  assert.equal(sim.s.phase, 'complete');
  assert.ok(sim.s.pmtu <= 1400 && sim.s.pmtu > 1400 - 8, `pmtu ${sim.s.pmtu}`);
  assert.equal(pmtuSource(sim.s), 'discovered');
  assert.ok(sim.sent.every((p) => p.size <= 1500), 'never probes above max');
});

test('a path that fits the maximum completes with one probe', () => {
  const sim = new Sim(1500);
  sim.start();
  sim.advance(1000);
  assert.equal(sim.s.phase, 'complete');
  assert.equal(sim.s.pmtu, 1500);
  assert.equal(sim.sent.length, 1);
});

test('a path at the base: nothing above fits, stays at the base ("default")', () => {
  const sim = new Sim(1280);
  sim.start();
  sim.advance(30_000);
  assert.equal(sim.s.phase, 'complete');
  assert.equal(sim.s.pmtu, 1280);
  assert.equal(pmtuSource(sim.s), 'default');
});

test('lost probes are retried up to 3 times before the size counts as too large', () => {
  const sim = new Sim(1500, { max: 1500 });
  sim.lossy = 2; // every second probe is lost
  sim.start();
  sim.advance(5_000);
  assert.equal(sim.s.pmtu, 1500, 'one loss of 1500 does not make it "too large"');
  const at1500 = sim.sent.filter((p) => p.size === 1500);
  assert.ok(at1500.length >= 1 && at1500.length <= 3);
  const blocked = new Sim(1300, { max: 1500 });
  blocked.start();
  blocked.advance(1_700);
  assert.equal(blocked.sent.filter((p) => p.size === 1500).length, 3, 'three tries of 1500');
  assert.ok(new Set(blocked.sent.map((p) => p.id)).size === blocked.sent.length, 'a new id per probe');
});

test('a probe refused by the local kernel (EMSGSIZE) does not fit at once', () => {
  const sim = new Sim(1500);
  sim.localMtu = 1450;
  sim.start();
  sim.advance(20_000);
  assert.ok(sim.s.pmtu <= 1450 && sim.s.pmtu > 1450 - 8, `pmtu ${sim.s.pmtu}`);
  assert.equal(sim.sent.filter((p) => p.size === 1500).length, 1, 'no retries of a refused size');
});

test('black hole: 3 lost confirmations -> back to the base -> re-search finds the new path MTU', () => {
  const sim = new Sim(1400);
  sim.start();
  sim.advance(20_000);
  const found = sim.s.pmtu;
  assert.ok(found > 1390);
  sim.path = 1300; // the path shrinks
  sim.advance(31_000); // the periodic confirmation (30 s) and its retries
  assert.ok(sim.mtus.includes(BASE_PLPMTU), 'dropped to the base');
  assert.equal(sim.s.blackHoles, 1);
  sim.advance(20_000);
  assert.ok(sim.s.pmtu <= 1300 && sim.s.pmtu > 1300 - 8, `re-discovered ${sim.s.pmtu}`);
});

test('EMSGSIZE triggers an immediate confirmation', () => {
  const sim = new Sim(1400);
  sim.start();
  sim.advance(20_000);
  const before = sim.sent.length;
  sim.path = 1300;
  sim.event({ type: 'msgsize' });
  assert.equal(sim.sent.length, before + 1);
  assert.equal(sim.sent[sim.sent.length - 1].size, sim.s.low);
  sim.advance(2_000);
  assert.equal(sim.s.blackHoles, 1, 'three lost confirmations within ~1.5 s');
});

test('periodic raise: a path that grows is found after raiseIntervalMs', () => {
  const sim = new Sim(1400, { raiseIntervalMs: 60_000 });
  sim.start();
  sim.advance(20_000);
  sim.path = 1500;
  sim.advance(30_000);
  assert.ok(sim.s.pmtu < 1500, 'not before the raise interval');
  sim.advance(35_000);
  assert.equal(sim.s.pmtu, 1500);
});

test('a pinned MTU never probes', () => {
  const sim = new Sim(1400, { pinned: 1400 });
  sim.start();
  sim.event({ type: 'msgsize' });
  sim.advance(700_000);
  assert.deepEqual(sim.mtus, [1400]);
  assert.equal(sim.sent.length, 0);
  assert.equal(pmtuSource(sim.s), 'pinned');
});

test('late, duplicate and foreign acks are ignored', () => {
  const s = initPmtu();
  const r = step(s, { type: 'start' }, 0);
  const probe = r.actions.find((a) => a.type === 'probe')!;
  assert.ok(probe && probe.type === 'probe');
  assert.equal(step(s, { type: 'ack', id: probe.id + 99, size: probe.size }, 10).actions.length, 0);
  assert.equal(step(s, { type: 'ack', id: probe.id, size: probe.size - 1 }, 10).actions.length, 0);
  const ok = step(s, { type: 'ack', id: probe.id, size: probe.size }, 10);
  assert.ok(ok.actions.some((a) => a.type === 'set-mtu'));
  assert.equal(step(s, { type: 'ack', id: probe.id, size: probe.size }, 20).actions.length, 0);
});
