// Tenant segments on a VLAN of a trunk or a VXLAN VNI (docs/INTERNALS.md section 9.6) without
// root: the `segment` config section, the plan (what to create, what is a conflict, what a removal
// deletes) on recorded `ip -d -j link show` output, and the CLI's validation of tenant add.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, rm, tmpDir } from './cli-helpers';
import { ConfigError } from '../../src/config/errors';
import { parseConfig, formatConfig } from '../../src/config/config';
import { loadConfig } from '../../src/config/store';
import { parseLinks, planSegment, planTeardown, parseOwned, formatOwned, type LinkInfo } from '../../src/control/segment-plan';
import type { SegmentConfig } from '../../src/config/segment-config';

const base = { version: 1, name: 'p', listen: { address: '0.0.0.0', port: 51820 }, tap: 'bt-a', bridge: 'bb-a', peers: [] };

test('segment section: vlan and vxlan round-trip; every error is one ConfigError line naming the field', () => {
  const v = parseConfig({ ...base, segment: { type: 'vlan', trunk: 'eth1', vlan: 101 } });
  assert.deepEqual(v.segment, { type: 'vlan', trunk: 'eth1', vlan: 101, device: 'eth1.101' });
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(v))).segment, v.segment);
  const x = parseConfig({ ...base, failover: { enabled: true, site: 'provider' }, evpn: { vni: 300 }, segment: { type: 'vxlan', vni: 300, local: '198.18.50.1' } });
  assert.deepEqual(x.segment, { type: 'vxlan', vni: 300, local: '198.18.50.1', dstport: 4789, device: 'vxlan300' });
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ segment: { type: 'vlan', trunk: 'eth1', vlan: 0 } }, /segment\.vlan: expected an integer from 1 to 4094/],
    [{ segment: { type: 'vlan', trunk: 'eth1', vlan: 4095 } }, /segment\.vlan: expected an integer from 1 to 4094/],
    [{ segment: { type: 'vlan', trunk: 'eth1', vlan: 1.5 } }, /segment\.vlan/],
    [{ segment: { type: 'vlan', vlan: 5 } }, /segment\.trunk: expected an interface name/],
    [{ segment: { type: 'vlan', trunk: 'bb-a', vlan: 5 } }, /segment\.trunk: must differ from the bridge/],
    [{ segment: { type: 'vlan', trunk: 'bt-a', vlan: 5 } }, /segment: must not use the TAP/],
    [{ segment: { type: 'vlan', trunk: 'eth1', vlan: 5, extra: 1 } }, /segment\.extra: unknown field/],
    [{ segment: { type: 'vxlan', vni: 0, local: '198.18.50.1' } }, /segment\.vni: expected an integer from 1 to 16777215/],
    [{ segment: { type: 'vxlan', vni: 16777216, local: '198.18.50.1' } }, /segment\.vni/],
    [{ segment: { type: 'vxlan', vni: 5, local: 'fe80::1' } }, /segment\.local: expected this VTEP's IPv4 address/],
    [{ segment: { type: 'vxlan', vni: 5, local: '198.18.50.1', dstport: 0 } }, /segment\.dstport/],
    [{ segment: { type: 'gre' } }, /segment\.type: expected "vlan" or "vxlan"/],
    [{ segment: 'eth1.5' }, /segment: expected an object/],
    [{ bridge: null, segment: { type: 'vlan', trunk: 'eth1', vlan: 5 } }, /bridge: missing: a segment needs the bridge/],
    [{ failover: { enabled: true }, evpn: { vni: 7 }, segment: { type: 'vxlan', vni: 8, local: '198.18.50.1' } }, /segment: must be the evpn section's VNI 7/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => parseConfig({ ...base, ...patch }, 'T'),
      (e: Error) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'), `${JSON.stringify(patch)}`);
  }
});

// recorded from iproute2 6.1 (`ip -d -j link show`), trimmed to the fields the parser reads
const LINKS_JSON = JSON.stringify([
  { ifname: 'lo' },
  { ifname: 'trk0', linkinfo: { info_kind: 'veth' } },
  { ifname: 'trk0.101', link: 'trk0', master: 'bb-a', linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 101 } } },
  { ifname: 'bb-a', linkinfo: { info_kind: 'bridge', info_data: { stp_state: 0 } } },
  { ifname: 'vxlan300', master: 'br300', linkinfo: { info_kind: 'vxlan', info_data: { id: 300, local: '198.18.50.1', port: 4789, learning: false } } },
  { ifname: 'br300', linkinfo: { info_kind: 'bridge' } },
  { ifname: 'lan0', master: 'br9', linkinfo: { info_kind: 'veth' } },
]);
const vlan = (id: number, trunk = 'trk0', device = `${trunk}.${id}`): SegmentConfig => ({ type: 'vlan', trunk, vlan: id, device });
const vni = (id: number, device = `vxlan${id}`): SegmentConfig => ({ type: 'vxlan', vni: id, local: '198.18.50.1', dstport: 4789, device });

test('plan: creates what is missing (and records it), reuses what matches, refuses what does not', () => {
  const links = parseLinks(LINKS_JSON);
  assert.deepEqual(links.find((l) => l.name === 'trk0.101'), { name: 'trk0.101', kind: 'vlan', parent: 'trk0', master: 'bb-a', vlanId: 101 });
  // all new: bridge, then the subinterface, into the bridge, up
  const p = planSegment(vlan(102), 'bb-b', links);
  assert.ok(p.ok);
  assert.deepEqual(p.commands.map((c) => c.argv.join(' ')), [
    'ip link add bb-b type bridge stp_state 0 mcast_snooping 0',
    'ip link add link trk0 name trk0.102 type vlan id 102',
    'ip link set dev trk0.102 master bb-b', 'ip link set dev trk0.102 up', 'ip link set dev bb-b up']);
  assert.deepEqual(p.commands.filter((c) => c.creates).map((c) => c.creates), [{ name: 'bb-b', kind: 'bridge' }, { name: 'trk0.102', kind: 'vlan' }]);
  // already there (a restart): nothing created, only brought up
  const again = planSegment(vlan(101), 'bb-a', links);
  assert.ok(again.ok);
  assert.equal(again.commands.filter((c) => c.creates).length, 0);
  assert.deepEqual(again.commands.map((c) => c.argv.join(' ')), ['ip link set dev trk0.101 up', 'ip link set dev bb-a up']);
  // vxlan: learning off on the port (FRR's layout)
  const x = planSegment(vni(301), 'br301', links);
  assert.ok(x.ok);
  assert.deepEqual(x.commands.map((c) => c.argv.join(' ')), [
    'ip link add br301 type bridge stp_state 0 mcast_snooping 0',
    'ip link add vxlan301 type vxlan id 301 local 198.18.50.1 dstport 4789 nolearning',
    'ip link set dev vxlan301 master br301', 'bridge link set dev vxlan301 learning off', 'ip link set dev vxlan301 up', 'ip link set dev br301 up']);
  const refused: Array<[SegmentPlan, RegExp]> = [
    [planSegment(vlan(5, 'eth9'), 'bb-b', links), /^trunk eth9 does not exist$/],
    [planSegment(vlan(5, 'lan0'), 'bb-b', links), /^trunk lan0 is a port of br9/],
    [planSegment(vlan(101, 'trk0', 'v101'), 'bb-b', links), /^VLAN 101 on trk0 already exists as trk0\.101$/],
    [planSegment(vlan(102, 'trk0', 'trk0.101'), 'bb-b', links), /^trk0\.101 exists and is not VLAN 102 on trk0$/],
    [planSegment(vlan(101), 'bb-c', links), /^trk0\.101 is a port of bb-a, not of bb-c$/],
    [planSegment(vlan(102), 'trk0', links), /^trk0 exists and is not a bridge \(veth\)$/],
    [planSegment(vni(300, 'vx300'), 'br300', links), /^VNI 300 already exists as vxlan300$/],
    [planSegment(vni(301, 'vxlan300'), 'br301', links), /^vxlan300 exists and is not the VXLAN device of VNI 301$/],
  ];
  for (const [r, re] of refused) {
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
});
type SegmentPlan = ReturnType<typeof planSegment>;

test('teardown: deletes only what the record says was created, newest first, if it is still that kind', () => {
  const links: LinkInfo[] = parseLinks(LINKS_JSON);
  const owned = parseOwned(formatOwned([{ name: 'bb-a', kind: 'bridge' }, { name: 'trk0.101', kind: 'vlan' }]));
  assert.deepEqual(planTeardown(owned, links), [['ip', 'link', 'del', 'dev', 'trk0.101'], ['ip', 'link', 'del', 'dev', 'bb-a']]);
  // the bridge existed before (not in the record): only the subinterface goes
  assert.deepEqual(planTeardown([{ name: 'trk0.101', kind: 'vlan' }], links), [['ip', 'link', 'del', 'dev', 'trk0.101']]);
  // a recorded name now held by another kind of device (someone else's): left alone; gone: nothing
  assert.deepEqual(planTeardown([{ name: 'trk0', kind: 'vlan' }, { name: 'gone0', kind: 'bridge' }], links), []);
  assert.throws(() => parseOwned('{"created": []}'), /expected \{"version": 1/);
});

test('CLI: tenant add --vlan/--vni validation, (trunk, VLAN) and VNI unique, the configs written', async () => {
  const d = tmpDir();
  try {
    assert.equal((await run(['init', '-c', d, '--name', 'prov', '--listen', '0.0.0.0:51820', '--endpoint', '198.18.0.1:51820', '--tap', 'bh0'])).code, 0);
    const usage: Array<[string[], RegExp]> = [
      [['tenant', 'add', 'a', '--vlan', '0', '--trunk', 'trk0', '-c', d], /^bridgehead: invalid --vlan "0": must be 1\.\.4094/m],
      [['tenant', 'add', 'a', '--vlan', '4095', '--trunk', 'trk0', '-c', d], /invalid --vlan "4095": must be 1\.\.4094/],
      [['tenant', 'add', 'a', '--vlan', 'x', '--trunk', 'trk0', '-c', d], /invalid --vlan "x": not a whole number/],
      [['tenant', 'add', 'a', '--vlan', '10', '-c', d], /--vlan needs --trunk IF/],
      [['tenant', 'add', 'a', '--trunk', 'trk0', '--bridge', 'b', '-c', d], /--trunk goes with --vlan ID/],
      [['tenant', 'add', 'a', '--vlan', '10', '--trunk', 'trk0', '--vni', '10', '-c', d], /--vlan and --vni exclude each other/],
      [['tenant', 'add', 'a', '--vni', '16777216', '-c', d], /invalid --vni "16777216": must be 1\.\.16777215/],
      [['tenant', 'add', 'a', '--vni', '10', '-c', d], /--vni needs --local IP/],
      [['tenant', 'add', 'a', '--vni', '10', '--local', 'fe80::1', '-c', d], /invalid --local "fe80::1": expected an IPv4 address/],
      [['tenant', 'add', 'a', '--local', '198.18.50.1', '--bridge', 'b', '-c', d], /--local goes with --vni ID/],
      [['tenant', 'add', 'a', '--vlan', '10', '--trunk', 'bad name', '-c', d], /invalid --trunk/],
    ];
    for (const [argv, re] of usage) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.errLines.length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.equal((await run(['tenant', 'add', 'a', '--vlan', '101', '--trunk', 'trk0', '-c', d])).code, 0);
    const a = loadConfig(path.join(d, 'tenants', 'a'));
    assert.deepEqual([a.bridge, a.segment], ['bb-a', { type: 'vlan', trunk: 'trk0', vlan: 101, device: 'trk0.101' }]);
    // a long trunk name: the subinterface falls back to bv-NAME (15 characters at most)
    assert.equal((await run(['tenant', 'add', 'b', '--vlan', '4094', '--trunk', 'enp0s31f6trunk', '-c', d])).code, 0);
    assert.equal(loadConfig(path.join(d, 'tenants', 'b')).segment?.device, 'bv-b');
    const conflicts: Array<[string[], RegExp]> = [
      [['tenant', 'add', 'c', '--vlan', '101', '--trunk', 'trk0', '-c', d], /^bridgehead: VLAN 101 on trk0 is already tenant a's segment$/m],
      [['tenant', 'add', 'c', '--vlan', '102', '--trunk', 'trk0', '--bridge', 'bb-a', '-c', d], /bridge bb-a is already tenant a's bridge/],
      [['tenant', 'add', 'c', '--vlan', '102', '--trunk', 'bt-a', '-c', d], /bt-a is tenant a's TAP/],
    ];
    for (const [argv, re] of conflicts) {
      const r = await run(argv);
      assert.equal(r.code, 1, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.errLines.length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    // the same VLAN on another trunk is another segment
    assert.equal((await run(['tenant', 'add', 'c', '--vlan', '101', '--trunk', 'trk1', '-c', d])).code, 0);
    // VNI tenants: failover on (EVPN hosts go through the neighbor sync), evpn + segment, --local reused
    const x = await run(['tenant', 'add', 'x', '--vni', '300', '--local', '198.18.50.1', '-c', d]);
    assert.equal(x.code, 0, x.stderr);
    assert.match(x.stderr, /bridge br300, vni 300/);
    const y = await run(['tenant', 'add', 'y', '--vni', '301', '-c', d, '--json']);
    assert.equal(y.code, 0, y.stderr);
    const cy = loadConfig(path.join(d, 'tenants', 'y'));
    assert.deepEqual([cy.bridge, cy.segment, cy.evpn?.vni, cy.evpn?.vxlanDevice, cy.failover?.enabled, cy.failover?.site],
      ['br301', { type: 'vxlan', vni: 301, local: '198.18.50.1', dstport: 4789, device: 'vxlan301' }, 301, 'vxlan301', true, 'provider']);
    const dupVni = await run(['tenant', 'add', 'z', '--vni', '300', '-c', d]);
    assert.equal(dupVni.code, 1);
    assert.match(dupVni.stderr, /^bridgehead: VNI 300 is already tenant x's segment$/m);
    const list = await run(['tenant', 'list', '-c', d]);
    assert.match(list.stdout, /^a\s+1\s+bt-a\s+bb-a\s+vlan 101 on trk0\s/m);
    assert.match(list.stdout, /^y\s+5\s+bt-y\s+br301\s+vni 301\s/m);
    // remove with the daemon stopped and nothing created yet: no record, nothing deleted, exit 0
    const r = await run(['tenant', 'remove', 'a', '-c', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /segment deleted/);
    assert.ok(fs.readdirSync(path.join(d, 'tenants')).some((f) => f.startsWith('.removed-a-')));
    assert.equal((await run(['tenant', 'add', 'a2', '--vlan', '101', '--trunk', 'trk0', '-c', d])).code, 0, 'VLAN 101 on trk0 is free again');
  } finally {
    rm(d);
  }
});
