import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from '../../src/control/crypto';
import { keepalivedConf } from '../../src/config/keepalived-conf';
import { IdentityError, openIdentity, sealIdentity } from '../../src/control/ha-identity';
import { fromReplicated, shareEntryOf, toReplicated } from '../../src/daemon/ha-table';
import { NB_PINNED } from '../../src/control/neighbor-messages';
import type { HaConfig } from '../../src/config/ha-config';
import type { HostRecord } from '../../src/control/mobility';

const HA: HaConfig = { enabled: true, member: 'prov-a', listen: '198.18.2.2:19481', peer: '198.18.2.3:19481',
  secret: Buffer.alloc(32, 1).toString('base64'), vrrpId: 51, priority: 120, preempt: false, vrrpInterface: 'wan0',
  virtualAddress: '198.18.1.10/24', advertIntervalMs: 500 };
const PATHS = { notify: '/usr/local/bin/bridgehead ha notify', check: '/opt/bridgehead/appliance/bridgehead-ha-check.sh', configDir: '/etc/bridgehead', scriptSecurity: true };

test('keepalived.conf: nopreempt by default, notify hooks, track script and step-down file, VIP; keepalived accepts it', () => {
  const c = keepalivedConf(HA, PATHS);
  for (const line of ['state BACKUP', 'interface wan0', 'virtual_router_id 51', 'priority 120', 'advert_int 0.5', 'nopreempt',
    '198.18.1.10/24 dev wan0', 'notify_master "/usr/local/bin/bridgehead ha notify MASTER -c /etc/bridgehead"',
    'notify_backup "/usr/local/bin/bridgehead ha notify BACKUP -c /etc/bridgehead"', 'notify_fault "/usr/local/bin/bridgehead ha notify FAULT -c /etc/bridgehead"',
    'script "/opt/bridgehead/appliance/bridgehead-ha-check.sh /etc/bridgehead"', 'file "/etc/bridgehead/ha-stepdown"',
    'bridgehead_stepdown weight 0', 'enable_script_security', 'vrrp_version 3']) {
    assert.ok(c.includes(line), line);
  }
  assert.ok(!keepalivedConf({ ...HA, preempt: true }, PATHS).includes('nopreempt'));
  assert.ok(!keepalivedConf({ ...HA, virtualAddress: null }, PATHS).includes('virtual_ipaddress'));
  assert.throws(() => keepalivedConf(HA, { ...PATHS, notify: 'bridgehead ha notify' }), /absolute/);
  assert.throws(() => keepalivedConf(HA, { ...PATHS, check: '/x"y' }), /unsupported character/);
  // keepalived's own config check, when it is installed (scripts/setup.sh installs it)
  let have = true;
  try { execFileSync('keepalived', ['--version'], { stdio: 'ignore' }); } catch { have = false; }
  if (have) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-ka-'));
    const f = path.join(dir, 'k.conf');
    fs.writeFileSync(f, keepalivedConf(HA, { ...PATHS, configDir: dir }));
    const r = spawnSync('keepalived', ['--config-test', '-f', f], { encoding: 'utf8' });
    // wan0 does not exist here (no interface is created for a unit test): only that may be reported
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() && !/interface|wan0/i.test(l));
    assert.deepEqual(problems, []);
    fs.rmSync(dir, { recursive: true });
  }
});

test('identity bundle: opens with the pair secret only; damaged or foreign bundles are one-line errors', async () => {
  await crypto.ready();
  const secret = new Uint8Array(32).fill(4);
  const b = { from: 'prov-a', name: 'provider', endpoint: '198.18.1.10:51820', privateKey: Buffer.alloc(32, 7).toString('base64'), peers: [{ name: 't' }] };
  const t = sealIdentity(b, secret, new Uint8Array(16).fill(1));
  assert.deepEqual(openIdentity(t, secret), b);
  assert.ok(!t.includes(b.privateKey), 'the key is not readable in the bundle');
  assert.notEqual(sealIdentity(b, secret, new Uint8Array(16).fill(2)), t, 'a fresh salt per bundle');
  assert.throws(() => openIdentity(t, new Uint8Array(32).fill(5)), (e: Error) => e instanceof IdentityError && /ha\.secret/.test(e.message));
  const raw = Buffer.from(t.slice(9), 'base64'); raw[20] ^= 1;
  assert.throws(() => openIdentity(`bhha-id1:${raw.toString('base64')}`, secret), IdentityError);
  assert.throws(() => openIdentity('hello', secret), /not an identity bundle/);
  assert.throws(() => openIdentity('bhha-id1:AAAA', secret), /truncated/);
});

test('replicated host records: round trip keeps site, seq, pin and the conflict (quarantined copy)', () => {
  const r: HostRecord = { ip: '198.19.10.11', mac: '02:00:00:00:10:11', site: 'provider', seq: 7, router: false, origin: 'arp',
    moves: [{ atMs: 1, from: 'tenant', to: 'provider' }], handover: false, pinned: true, verify: null,
    conflict: { ip: '198.19.10.11', reason: 'pinned', detectedMs: 5, atSeq: 7, sites: ['provider', 'tenant'], macs: { tenant: '02:00:00:00:10:11', provider: '02:00:00:00:10:11' },
      quarantined: { site: 'tenant', mac: '02:00:00:00:10:11' }, policy: 'quarantine' } };
  const back = fromReplicated(toReplicated(r)!, 'quarantine', 99);
  assert.deepEqual({ ...back, moves: r.moves, conflict: { ...back.conflict!, detectedMs: 5 } }, r);
  assert.deepEqual(back.moves, [], 'no flap history carried over');
  assert.equal(shareEntryOf(back).flags & NB_PINNED, NB_PINNED);
  assert.equal(fromReplicated(toReplicated({ ...r, conflict: null })!, 'quarantine', 1).conflict, null);
});

test('appliance/keepalived.conf.example is what keepalived-conf generates for its example member', () => {
  const file = path.join(__dirname, '..', '..', '..', 'appliance', 'keepalived.conf.example');
  const example = { ...HA, priority: 100, listen: '198.18.20.2:19481', peer: '198.18.20.3:19481' };
  assert.equal(fs.readFileSync(file, 'utf8'), keepalivedConf(example, PATHS));
});
