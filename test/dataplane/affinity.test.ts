// Tier 2: thread CPU affinity (docs/INTERNALS.md 2g). The daemon's choice (planCpuAffinity:
// 'spread' over the allowed CPUs, an explicit pair) is handed to real data planes, and the kernel's
// view is read back: thread names from /proc/self/task/*/comm, affinity from
// /proc/self/task/*/status (Cpus_allowed_list). A refused CPU must not stop forwarding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';

import { formatCpuList } from '../../src/config/cpu-affinity';
import { planCpuAffinity } from '../../src/daemon/cpu-affinity';
import type { DataPlane } from '../../src/dataplane/types';
import { addon, frame, mac, makeNode, makePair, readFrames } from './harness';

function cpusAllowed(statusText: string): string {
  const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(statusText);
  assert.ok(m, 'Cpus_allowed_list in status');
  return m[1];
}

/** Cpus_allowed_list of every bh-rx / bh-tx thread of this process */
function dataPlaneThreads(): { name: string; cpus: string }[] {
  const out: { name: string; cpus: string }[] = [];
  for (const t of fs.readdirSync('/proc/self/task')) {
    try {
      const name = fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      if (name !== 'bh-rx' && name !== 'bh-tx') continue;
      out.push({ name, cpus: cpusAllowed(fs.readFileSync(`/proc/self/task/${t}/status`, 'utf8')) });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.cpus.localeCompare(b.cpus));
}

/** the threads once `n` of them carry their names (each thread names itself first thing) */
async function threadsNamed(n: number): Promise<{ name: string; cpus: string }[]> {
  const deadline = Date.now() + 3000;
  let th = dataPlaneThreads();
  while (th.length < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
    th = dataPlaneThreads();
  }
  return th;
}

const allowed = addon.allowedCpus();
const processCpus = cpusAllowed(fs.readFileSync('/proc/self/status', 'utf8'));

test('allowedCpus() is the process\'s mask (sched_getaffinity = /proc/self/status Cpus_allowed_list)', () => {
  assert.ok(allowed.length >= 1);
  assert.equal(formatCpuList(allowed), processCpus);
});

test("'spread': bh-rx and bh-tx each on its own allowed CPU, as the data plane reports", async (t) => {
  const plan = planCpuAffinity({ cpuAffinity: 'spread' }, allowed, 0, {});
  if (allowed.length < 2) {
    assert.deepEqual(plan.choice, { pin: null, note: `cpuAffinity spread: only one CPU allowed (${processCpus}), threads not pinned` });
    t.skip('one allowed CPU: nothing to spread');
    return;
  }
  assert.ok('pin' in plan.choice && plan.choice.pin);
  const pin = plan.choice.pin;
  assert.notEqual(pin.rx, pin.tx);
  const n = makeNode({ cpuAffinity: pin });
  try {
    n.dp.start();
    assert.deepEqual(n.dp.threadCpus(), { rx: pin.rx, tx: pin.tx, errors: 0 });
    assert.deepEqual(await threadsNamed(2), [{ name: 'bh-rx', cpus: String(pin.rx) }, { name: 'bh-tx', cpus: String(pin.tx) }]);
    assert.equal(cpusAllowed(fs.readFileSync('/proc/self/status', 'utf8')), processCpus, 'the JS thread is not pinned');
  } finally {
    n.dp.stop();
  }
});

async function forwardsBothWays(a: DataPlane, b: DataPlane): Promise<void> {
  const ab = frame(mac(2), mac(1), 200, 1);
  a.testWriteFrame(ab);
  assert.deepEqual(readFrames(b, 1, 2000), [ab], 'A -> B');
  const ba = frame(mac(1), mac(2), 300, 2);
  b.testWriteFrame(ba);
  assert.deepEqual(readFrames(a, 1, 2000), [ba], 'B -> A');
}

test('an explicit pair RX,TX pins exactly those CPUs; traffic flows through pinned threads', async () => {
  const rx = allowed[allowed.length - 1];
  const tx = allowed[0];
  const plan = planCpuAffinity({ cpuAffinity: `${rx},${tx}` }, allowed, 0, {});
  assert.deepEqual(plan.choice, { pin: { rx, tx } });
  const p = await makePair({ cpuAffinity: { rx, tx } });
  try {
    assert.deepEqual(p.a.dp.threadCpus(), { rx, tx, errors: 0 });
    assert.deepEqual(await threadsNamed(4), [
      { name: 'bh-rx', cpus: String(rx) }, { name: 'bh-rx', cpus: String(rx) },
      { name: 'bh-tx', cpus: String(tx) }, { name: 'bh-tx', cpus: String(tx) },
    ]);
    await forwardsBothWays(p.a.dp, p.b.dp);
  } finally {
    p.close();
  }
});

test("'off' (no option): the threads keep the process's mask", async () => {
  const plan = planCpuAffinity({ cpuAffinity: 'off' }, allowed, 0, {});
  assert.deepEqual(plan.choice, { pin: null });
  const n = makeNode();
  try {
    n.dp.start();
    assert.deepEqual(n.dp.threadCpus(), { rx: null, tx: null, errors: 0 });
    assert.deepEqual(await threadsNamed(2), [{ name: 'bh-rx', cpus: processCpus }, { name: 'bh-tx', cpus: processCpus }]);
  } finally {
    n.dp.stop();
  }
});

test('a CPU the kernel refuses is counted, the threads run unpinned and forward', async () => {
  const bad = 1023; // beyond this machine's CPUs: EINVAL, as a CPU outside a cpuset
  assert.ok(!allowed.includes(bad));
  const p = await makePair({ cpuAffinity: { rx: bad, tx: bad } });
  try {
    const got = p.a.dp.threadCpus();
    assert.equal(got.rx, null);
    assert.equal(got.tx, null);
    assert.equal(got.errors, 2);
    assert.equal(got.error, 'Invalid argument');
    for (const th of await threadsNamed(4)) assert.equal(th.cpus, processCpus, th.name);
    await forwardsBothWays(p.a.dp, p.b.dp);
  } finally {
    p.close();
  }
});

test('options.cpuAffinity: bad values throw naming the option', () => {
  const ok = { tap: { socketpair: true as const }, listen: { address: '127.0.0.1', port: 0 }, onEvent() {} };
  const cases: [unknown, string, RegExp][] = [
    ['spread', 'TypeError', /^options\.cpuAffinity must be an object, got 'spread'$/],
    [{ rx: 0 }, 'TypeError', /^options\.cpuAffinity\.tx must be an integer in \[0, 1023\], got undefined$/],
    [{ rx: 1024, tx: 0 }, 'RangeError', /^options\.cpuAffinity\.rx must be an integer in \[0, 1023\], got 1024$/],
    [{ rx: 0, tx: -1 }, 'RangeError', /^options\.cpuAffinity\.tx must be an integer in \[0, 1023\], got -1$/],
  ];
  for (const [cpuAffinity, name, message] of cases) {
    assert.throws(() => new addon.DataPlane({ ...ok, cpuAffinity } as never), (e: Error) => {
      assert.equal(e.name, name, `${JSON.stringify(cpuAffinity)}: ${e.message}`);
      assert.match(e.message, message);
      return true;
    });
  }
});
