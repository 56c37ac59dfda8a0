// CLI of partial failover: neighbors, fdb, failover, failback, resolve, init --site. Argument
// validation (exit 2, one line naming the value), daemon not running (exit 1), and the output and
// exit codes against a fake daemon (a control server with canned answers).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, rm, tmpDir } from './cli-helpers';
import { startCtlsockServer } from '../../src/daemon/ctlsock-server';
import type { OpResult } from '../../src/ipc/failover-replies';

test('failover commands: bad HOST / --keep / --site are usage errors (exit 2, one line)', async () => {
  const d = tmpDir();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['failover', '1.2.3', '--config', d], /^bridgehead: invalid HOST "1\.2\.3": expected an IPv4 address, an IPv6 address or a MAC address/],
      [['failover', '224.0.0.1', '--config', d], /invalid HOST "224\.0\.0\.1": not a unicast host address/],
      [['failback', 'ff:ff:ff:ff:ff:ff', '--config', d], /invalid HOST "ff:ff:ff:ff:ff:ff": not a unicast MAC address/],
      [['failback', '--config', d], /missing required argument 'HOST'/],
      [['failover', '198.19.10.11', 'extra', '--config', d], /too many arguments/],
      [['resolve', '198.19.10.11', '--config', d], /required option '--keep <SITE>' not specified/],
      [['resolve', '198.19.10.11', '--keep', 'both', '--config', d], /invalid --keep "both": must be tenant or provider/],
      [['neighbors', 'x', '--config', d], /too many arguments/],
      [['fdb', '--bogus', '--config', d], /unknown option '--bogus'/],
      [['init', '--config', d, '--name', 'a', '--listen', '0.0.0.0:1', '--site', 'cloud'], /invalid --site "cloud": must be tenant or provider/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.errLines.length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  } finally { rm(d); }
});

test('failover commands without a daemon: exit 1, one line', async () => {
  const d = tmpDir();
  try {
    for (const argv of [['neighbors'], ['fdb', '--json'], ['failover', '198.19.10.11', '--check'], ['failback', '02:00:00:00:10:11'],
      ['resolve', 'fe80::1', '--keep', 'tenant']]) {
      const r = await run([...argv, '--config', d]);
      assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^bridgehead: daemon not running/);
      assert.equal(r.errLines.length, 1);
    }
  } finally { rm(d); }
});

test('init --site writes an enabled failover section', async () => {
  const d = tmpDir();
  try {
    const r = await run(['init', '--config', d, '--name', 'pa', '--listen', '0.0.0.0:51820', '--site', 'provider']);
    assert.equal(r.code, 0, r.stderr);
    const cfg = JSON.parse(fs.readFileSync(path.join(d, 'bridgehead.json'), 'utf8'));
    assert.equal(cfg.failover.enabled, true);
    assert.equal(cfg.failover.site, 'provider');
  } finally { rm(d); }
});

test('against a daemon: tables, move results and exit codes (refused = 1)', async () => {
  const d = tmpDir();
  const calls: Array<[string, unknown]> = [];
  const moved: OpResult = { op: 'failover', host: '198.19.10.11', check: false, ok: true, changed: true,
    items: [{ ip: '198.19.10.11', outcome: 'moved', mac: '02:00:00:00:10:11', from: 'tenant', to: 'provider', seq: 2,
      probe: { lan: 'tenant', result: 'silent' } }] };
  const unchanged: OpResult = { op: 'failover', host: '198.19.10.12', check: false, ok: true, changed: false,
    items: [{ ip: '198.19.10.12', outcome: 'unchanged', to: 'provider' }] };
  const refused: OpResult = { op: 'failback', host: '198.19.10.11', check: true, ok: false, changed: false,
    items: [{ ip: '198.19.10.11', outcome: 'refused', reason: 'still-answers', probe: { lan: 'provider', result: 'answered', mac: '02:00:00:00:10:11' } }] };
  const server = await startCtlsockServer(path.join(d, 'bridgehead.sock'), {
    neighbors: (p) => { calls.push(['neighbors', p]); return { site: 'tenant', entries: [{ ip: '198.19.10.21', mac: '02:00:00:00:10:21',
      site: 'provider', peer: 'provider', seq: 0, origin: 'peer', router: false, frozen: false, ageMs: 1500, conflict: null }] }; },
    fdb: () => ({ site: 'tenant', entries: [{ mac: '02:00:00:00:10:11', site: 'tenant', peer: null, ageMs: 20, origin: 'learned' }] }),
    failover: (p) => { calls.push(['failover', p]); return (p as { host: string }).host === '198.19.10.12' ? unchanged : moved; },
    failback: (p) => { calls.push(['failback', p]); return refused; },
    resolve: (p) => { calls.push(['resolve', p]); return { op: 'resolve', host: '198.19.10.11', check: false, ok: true, changed: true,
      items: [{ ip: '198.19.10.11', outcome: 'resolved', to: 'tenant', seq: 9 }] }; },
  });
  try {
    let r = await run(['neighbors', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.outLines[0], /^IP\s+MAC\s+SITE\s+AGE\s+ORIGIN\s+SEQ\s+FLAGS$/);
    assert.match(r.outLines[1], /^198\.19\.10\.21\s+02:00:00:00:10:21\s+provider\s+1s\s+peer\s+0\s+-$/);
    r = await run(['fdb', '--config', d, '--json']);
    assert.equal(JSON.parse(r.stdout).entries[0].mac, '02:00:00:00:10:11');
    r = await run(['failover', '198.019.10.11'.replace('019', '19'), '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /198\.19\.10\.11: moved tenant -> provider \(seq 2\) \(probe on the tenant LAN: silent\)/);
    // idempotent: already at the provider = exit 0, "changed": false
    r = await run(['failover', '198.19.10.12', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /198\.19\.10\.12: already at the provider site, nothing changed/);
    r = await run(['failover', '198.19.10.12', '--config', d, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).changed, false);
    calls.splice(calls.findIndex((c) => (c[1] as { host?: string }).host === '198.19.10.12'), 2);
    r = await run(['failback', '02-00-00-00-10-11', '--check', '--config', d]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /failback refused: the original still answers/);
    r = await run(['resolve', '198.19.10.11', '--keep', 'tenant', '--config', d, '--json']);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.stdout).items[0].outcome, 'resolved');
    assert.deepEqual(calls.slice(1), [
      ['failover', { host: '198.19.10.11', check: false, force: false }],
      ['failback', { host: '02:00:00:00:10:11', check: true, force: false }],
      ['resolve', { host: '198.19.10.11', keep: 'tenant' }],
    ]);
  } finally {
    await server.close();
    rm(d);
  }
});

test('status text: the failover block (off, on with a conflict)', async () => {
  const { formatFailoverStatus } = await import('../../src/cli/failover-format');
  assert.deepEqual(formatFailoverStatus(undefined), []);
  assert.deepEqual(formatFailoverStatus({ enabled: false }), ['', 'failover: off']);
  const lines = formatFailoverStatus({
    enabled: true, site: 'provider', policy: 'quarantine',
    peers: [{ name: 'tenant', up: true, peerSite: 'tenant', siteMismatch: false, hosts: 3, sharing: 1, remote: 2, syncing: false }],
    conflicts: [{ ip: '198.19.10.11', reason: 'ip-two-macs', detectedMs: 1, atSeq: 2, macs: { tenant: '02:00:00:00:10:11', provider: '02:00:00:00:99:99' },
      quarantined: { site: 'provider', mac: '02:00:00:00:99:99' }, policy: 'quarantine', peer: 'tenant' }],
    counters: { moves: 2, failovers: 1, failbacks: 0, conflicts: 1, quarantines: 1, resolves: 0 },
    dataPlane: null, recent: [],
  });
  assert.equal(lines[1], 'failover: on, site provider, conflict policy quarantine');
  assert.match(lines.join('\n'), /peer tenant: sync up, 3 hosts, sharing 1, learned 2 from the peer/);
  assert.match(lines.join('\n'), /198\.19\.10\.11: ip-two-macs \(tenant 02:00:00:00:10:11, provider 02:00:00:00:99:99\), provider copy 02:00:00:00:99:99 quarantined/);
});
