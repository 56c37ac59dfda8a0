// Thread CPU affinity in the control plane (docs/INTERNALS.md 2g): the choice of the pair from the
// allowed CPUs (pure), the config key's validation and round trip, and BRIDGEHEAD_CPU_AFFINITY.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { ConfigError, formatConfig, parseConfig } from '../../src/config';
import { chooseCpus, formatCpuList, parseCpuAffinity } from '../../src/config/cpu-affinity';
import { CPU_AFFINITY_DEFAULT, cpuAffinitySetting, cpuAffinityStatus, planCpuAffinity } from '../../src/daemon/cpu-affinity';
import { restartOnlyChanges } from '../../src/daemon/reload';

const spread = { kind: 'spread' } as const;

test('spread: one allowed CPU -> no pinning, with a note naming the CPU', () => {
  assert.deepEqual(chooseCpus(spread, [3]), { pin: null, note: 'cpuAffinity spread: only one CPU allowed (3), threads not pinned' });
  assert.deepEqual(chooseCpus(spread, [3], 5), chooseCpus(spread, [3]));
  assert.deepEqual(chooseCpus(spread, [3, 3]), chooseCpus(spread, [3]), 'duplicates are one CPU');
});

test('spread: two CPUs -> rx and tx apart; tenants alternate which CPU takes rx', () => {
  assert.deepEqual(chooseCpus(spread, [0, 1]), { pin: { rx: 0, tx: 1 } });
  assert.deepEqual(chooseCpus(spread, [1, 0]), { pin: { rx: 0, tx: 1 } }, 'order of the mask does not matter');
  const rx = [0, 1, 2, 3].map((t) => (chooseCpus(spread, [0, 1], t) as { pin: { rx: number; tx: number } }).pin);
  assert.deepEqual(rx, [{ rx: 0, tx: 1 }, { rx: 1, tx: 0 }, { rx: 0, tx: 1 }, { rx: 1, tx: 0 }]);
});

test('spread: four CPUs -> the first tenants get disjoint pairs, and over 4 tenants each CPU has one rx and one tx', () => {
  const pairs = [0, 1, 2, 3].map((t) => (chooseCpus(spread, [0, 1, 2, 3], t) as { pin: { rx: number; tx: number } }).pin);
  assert.deepEqual(pairs.slice(0, 2), [{ rx: 0, tx: 1 }, { rx: 2, tx: 3 }]);
  assert.deepEqual(pairs.map((p) => p.rx).sort(), [0, 1, 2, 3]);
  assert.deepEqual(pairs.map((p) => p.tx).sort(), [0, 1, 2, 3]);
  for (const p of pairs) assert.notEqual(p.rx, p.tx);
});

test('spread: holes in the mask -> only allowed CPUs, never one outside', () => {
  const mask = [2, 5, 7]; // e.g. systemd CPUAffinity=2 5 7
  const seen = new Set<number>();
  for (let t = 0; t < 6; t++) {
    const c = chooseCpus(spread, mask, t) as { pin: { rx: number; tx: number } };
    assert.ok(mask.includes(c.pin.rx) && mask.includes(c.pin.tx), JSON.stringify(c));
    assert.notEqual(c.pin.rx, c.pin.tx);
    seen.add(c.pin.rx);
  }
  assert.deepEqual([...seen].sort(), [2, 5, 7], 'rx rotates over every allowed CPU');
  assert.deepEqual(chooseCpus(spread, [4, 9]), { pin: { rx: 4, tx: 9 } });
});

test('explicit pair: must be in the allowed mask (one-line error naming the CPU); may be equal', () => {
  assert.deepEqual(chooseCpus({ kind: 'pair', rx: 1, tx: 0 }, [0, 1]), { pin: { rx: 1, tx: 0 } });
  assert.deepEqual(chooseCpus({ kind: 'pair', rx: 1, tx: 1 }, [0, 1]), { pin: { rx: 1, tx: 1 } });
  assert.deepEqual(chooseCpus({ kind: 'pair', rx: 0, tx: 5 }, [0, 1, 2, 3]),
    { error: "cpuAffinity 0,5: CPU 5 is not among this process's allowed CPUs (0-3)" });
  assert.deepEqual(chooseCpus({ kind: 'pair', rx: 3, tx: 0 }, [0, 2, 4, 5, 6]),
    { error: "cpuAffinity 3,0: CPU 3 is not among this process's allowed CPUs (0,2,4-6)" });
  assert.deepEqual(chooseCpus({ kind: 'off' }, [0, 1]), { pin: null });
  assert.equal(formatCpuList([6, 0, 1, 2, 4]), '0-2,4,6');
});

test('parseCpuAffinity: off, spread, RX,TX; anything else is refused', () => {
  assert.deepEqual(parseCpuAffinity('off'), { kind: 'off' });
  assert.deepEqual(parseCpuAffinity('spread'), { kind: 'spread' });
  assert.deepEqual(parseCpuAffinity('2,3'), { kind: 'pair', rx: 2, tx: 3 });
  assert.deepEqual(parseCpuAffinity(' 2 , 3 '), { kind: 'pair', rx: 2, tx: 3 });
  assert.equal(parseCpuAffinity('0,1024'), 'CPU 1024 is above 1023');
  for (const bad of ['', 'on', 'Spread', '1', '1,2,3', '-1,0', '0;1', 0, null, true, [0, 1]]) {
    assert.match(String(parseCpuAffinity(bad)), /^expected 'off', 'spread' or 'RX,TX'/, JSON.stringify(bad));
  }
});

function raw(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, name: 'site-a', listen: { address: '0.0.0.0', port: 51820 }, tap: 'bh0', ...extra };
}

test('config: cpuAffinity is optional, validated in one line, and round-trips', () => {
  const plain = parseConfig(raw());
  assert.equal(plain.cpuAffinity, undefined);
  assert.ok(!formatConfig(plain).includes('cpuAffinity'));
  for (const [v, norm] of [['off', 'off'], ['spread', 'spread'], ['1,0', '1,0'], [' 3, 2', '3,2']]) {
    const c = parseConfig(raw({ cpuAffinity: v }));
    assert.equal(c.cpuAffinity, norm);
    assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))), c);
  }
  for (const bad of ['on', '1', 7, '0,2000']) {
    assert.throws(() => parseConfig(raw({ cpuAffinity: bad })),
      (e: unknown) => e instanceof ConfigError && /cpuAffinity: (expected 'off', 'spread' or 'RX,TX'|CPU 2000 is above 1023)/.test(String(e)) && !String(e).includes('\n'),
      String(bad));
  }
  assert.deepEqual(restartOnlyChanges(plain, parseConfig(raw({ cpuAffinity: 'spread' }))), ['cpuAffinity'], 'applies at restart');
});

test('setting: environment > config > default; bad environment refused in one line', () => {
  assert.deepEqual(CPU_AFFINITY_DEFAULT, { kind: 'off' });
  assert.deepEqual(cpuAffinitySetting({}, {}), CPU_AFFINITY_DEFAULT);
  assert.deepEqual(cpuAffinitySetting({ cpuAffinity: 'spread' }, {}), { kind: 'spread' });
  assert.deepEqual(cpuAffinitySetting({ cpuAffinity: 'spread' }, { BRIDGEHEAD_CPU_AFFINITY: 'off' }), { kind: 'off' });
  assert.deepEqual(cpuAffinitySetting({}, { BRIDGEHEAD_CPU_AFFINITY: '1,0' }), { kind: 'pair', rx: 1, tx: 0 });
  assert.deepEqual(cpuAffinitySetting({ cpuAffinity: 'spread' }, { BRIDGEHEAD_CPU_AFFINITY: '' }), { kind: 'spread' }, 'empty = not given');
  assert.throws(() => cpuAffinitySetting({}, { BRIDGEHEAD_CPU_AFFINITY: 'yes' }),
    (e: unknown) => e instanceof Error && e.message.startsWith('BRIDGEHEAD_CPU_AFFINITY="yes": expected \'off\', \'spread\' or \'RX,TX\''));
  // the tenant index rotates spread; an explicit pair outside the mask is the start error
  assert.deepEqual(planCpuAffinity({ cpuAffinity: 'spread' }, [0, 1], 1, {}).choice, { pin: { rx: 1, tx: 0 } });
  assert.deepEqual(planCpuAffinity({}, [0, 1], 0, { BRIDGEHEAD_CPU_AFFINITY: '0,2' }).choice,
    { error: "cpuAffinity 0,2: CPU 2 is not among this process's allowed CPUs (0-1)" });
});

test('plan: the allowed CPUs are asked only when pinning; if they cannot be read, no pinning (a note, no error)', () => {
  let asked = 0;
  const count = () => { asked++; return [0, 1]; };
  assert.deepEqual(planCpuAffinity({ cpuAffinity: 'off' }, count, 0, {}).choice, { pin: null });
  assert.equal(asked, 0);
  assert.deepEqual(planCpuAffinity({ cpuAffinity: 'spread' }, count, 0, {}).choice, { pin: { rx: 0, tx: 1 } });
  assert.equal(asked, 1);
  const refused = () => { throw new Error('allowedCpus: sched_getaffinity: operation not permitted'); };
  assert.deepEqual(planCpuAffinity({ cpuAffinity: '0,1' }, refused, 0, {}).choice,
    { pin: null, note: 'cpuAffinity 0,1: allowed CPUs unknown (allowedCpus: sched_getaffinity: operation not permitted), threads not pinned' });
});

test('status: the setting and the CPU each thread got, off when not pinned', () => {
  assert.deepEqual(cpuAffinityStatus({ kind: 'spread' }, { rx: 0, tx: 1, errors: 0 }), { setting: 'spread', rx: 0, tx: 1, errors: 0 });
  assert.deepEqual(cpuAffinityStatus({ kind: 'pair', rx: 5, tx: 6 }, { rx: null, tx: null, errors: 2, error: 'Invalid argument' }),
    { setting: '5,6', rx: 'off', tx: 'off', errors: 2, error: 'Invalid argument' });
});
