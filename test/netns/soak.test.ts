// The soak script's short variant (scripts/soak.sh: one impaired cell, 20 s): through the WAN
// emulator (1 % loss, 50 ms one way, 1 % duplication and reordering) with TCP, a 10 ms ping, a
// sequence-numbered UDP flow and re-keying every 10 s, the tunnel is never torn down, re-keys,
// and never delivers a datagram twice. Figures are printed, not asserted (docs/BENCHMARKS.md).
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { REPO, TOPOLOGY_SH, missingPrerequisites, netnsSkipReason } from './lib/env';

const PREFIX = `bh-soak-${process.pid}`;
const skip = netnsSkipReason(__filename) || missingPrerequisites(['iperf3', 'jq']) || false;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-soak-'));

after(() => {
  spawnSync('bash', [TOPOLOGY_SH, 'down', PREFIX], { stdio: 'ignore', timeout: 60000 });
  fs.rmSync(work, { recursive: true, force: true });
});

test('soak, one impaired cell for 20 s: no teardown, no duplicate delivered, re-keying happens', { skip, timeout: 240000 }, () => {
  const out = path.join(work, 'soak.json');
  const r = spawnSync('bash', [path.join(REPO, 'scripts', 'soak.sh'), '--seconds', '20', '--cells', '1/50', '--rekey-s', '10',
    '--prefix', PREFIX, '--json', out], { cwd: REPO, encoding: 'utf8', timeout: 200000 });
  process.stdout.write(`${(r.stdout ?? '').trim()}\n`);
  assert.equal(r.status, 0, `soak.sh exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  const cell = JSON.parse(fs.readFileSync(out, 'utf8').trim());
  assert.equal(cell.cell, '1/50');
  assert.ok(cell.goodputBps > 0, `TCP goodput ${cell.goodputBps}`);
  assert.ok(cell.ping.received > 0 && cell.ping.transmitted >= 1500, `pings ${JSON.stringify(cell.ping)}`);
  const seq = cell.seqFlow;
  assert.equal(seq.recv.duplicates, 0, 'a datagram was delivered twice');
  assert.ok(seq.sent >= 3900 && seq.recv.unique > 0.9 * seq.sent, `sequence flow ${JSON.stringify(seq)}`);
  assert.ok(cell.wanEmu.up.duplicated + cell.wanEmu.down.duplicated > 0, 'the emulator duplicated datagrams (else the test proves nothing)');
  for (const d of cell.watch.daemons) {
    assert.equal(d.teardowns, 0, `${d.name}: ${d.teardowns} teardowns`);
    assert.equal(d.failedPolls, 0, `${d.name}: the control socket did not answer`);
    assert.ok(d.handshakes >= 1, `${d.name}: ${d.handshakes} handshakes in 20 s with a 10 s rekey age`);
  }
});
