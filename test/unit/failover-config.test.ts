// The `failover` section of bridgehead.json (src/config/failover-config.ts): defaults, the site
// default, round trip through formatConfig, and one-line errors naming the field and the value.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatConfig, newConfig, parseConfig } from '../../src/config/config';
import { DEFAULT_STORM_RATES, dataPlaneFailoverOptions, parseCidr } from '../../src/config/failover-config';

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ version: 1, name: 'a', listen: { address: '0.0.0.0', port: 51820 }, peers: [], ...extra });

test('failover section: absent = off; present = defaults, off unless enabled', () => {
  assert.equal(parseConfig(base()).failover, undefined);
  const f = parseConfig(base({ failover: {} })).failover!;
  assert.deepEqual(f, {
    enabled: false, site: 'tenant', conflictPolicy: 'quarantine', flapMoves: 5, flapWindowS: 180, learnPrefixes: [],
    proxyArp: true, proxyNd: true, loopGuard: true, storm: { toTunnel: DEFAULT_STORM_RATES, fromTunnel: DEFAULT_STORM_RATES },
    isolate: { dhcp: false, vrrp: false, hsrp: false, ra: false },
  });
});

test('failover section: the site defaults to provider for an appliance with a public endpoint', () => {
  assert.equal(parseConfig(base({ endpoint: '198.18.3.2:51820', failover: {} })).failover!.site, 'provider');
  assert.equal(parseConfig(base({ endpoint: '198.18.3.2:51820', failover: { site: 'tenant' } })).failover!.site, 'tenant');
  assert.deepEqual(newConfig({ name: 'a', listen: { address: '0.0.0.0', port: 1 }, site: 'provider' }).failover?.site, 'provider');
  assert.equal(newConfig({ name: 'a', listen: { address: '0.0.0.0', port: 1 }, site: 'provider' }).failover?.enabled, true);
  assert.equal(newConfig({ name: 'a', listen: { address: '0.0.0.0', port: 1 } }).failover, undefined);
});

test('failover section: every field round-trips through formatConfig', () => {
  const failover = {
    enabled: true, site: 'provider', conflictPolicy: 'prefer-tenant', flapMoves: 3, flapWindowS: 60,
    learnPrefixes: ['198.19.10.0/24', '2001:db8::/32'], proxyArp: false, proxyNd: true, loopGuard: false,
    storm: { toTunnel: { ...DEFAULT_STORM_RATES, broadcastPps: 100, broadcastBurst: 50 }, fromTunnel: { ...DEFAULT_STORM_RATES, multicastPps: 0 } },
    isolate: { dhcp: true, vrrp: false, hsrp: true, ra: true },
  };
  const c = parseConfig(base({ failover }));
  assert.deepEqual(c.failover, failover);
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))).failover, failover);
  const o = dataPlaneFailoverOptions(c.failover!);
  assert.deepEqual(o, { proxyArp: false, proxyNd: true, loopGuard: false, learnPrefixes: failover.learnPrefixes, storm: failover.storm, isolate: failover.isolate });
});

test('failover section: bad values are one-line errors naming field and value', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ site: 'cloud' }, /failover\.site: must be one of tenant, provider: "cloud"/],
    [{ conflictPolicy: 'drop' }, /failover\.conflictPolicy: must be one of quarantine, prefer-tenant, log-only: "drop"/],
    [{ flapMoves: 0 }, /failover\.flapMoves: must be 1\.\.1000: 0/],
    [{ flapWindowS: 1.5 }, /failover\.flapWindowS: expected an integer: 1\.5/],
    [{ enabled: 'yes' }, /failover\.enabled: expected true or false: "yes"/],
    [{ learnPrefixes: '10.0.0.0/8' }, /failover\.learnPrefixes: expected an array/],
    [{ learnPrefixes: ['10.0.0.1/8'] }, /failover\.learnPrefixes\[0\]: expected a CIDR prefix .*: "10\.0\.0\.1\/8"/],
    [{ learnPrefixes: ['10.0.0.0/33'] }, /learnPrefixes\[0\]/],
    [{ learnPrefixes: ['2001:db8::1/64'] }, /learnPrefixes\[0\]/],
    [{ learnPrefixes: Array(65).fill('10.0.0.0/8') }, /at most 64 prefixes/],
    [{ storm: { toTunnel: { broadcastPps: -1 } } }, /failover\.storm\.toTunnel\.broadcastPps: must be 0\.\.100000000: -1/],
    [{ storm: { sideways: {} } }, /failover\.storm\.sideways: unknown field/],
    [{ storm: { toTunnel: { bcast: 1 } } }, /failover\.storm\.toTunnel\.bcast: unknown field/],
    [{ isolate: { stp: true } }, /failover\.isolate\.stp: unknown field \(known: dhcp, vrrp, hsrp, ra\)/],
    [{ isolate: { dhcp: 1 } }, /failover\.isolate\.dhcp: expected true or false: 1/],
    [{ bogus: 1 }, /failover\.bogus: unknown field/],
    [[], /failover: expected a JSON object/],
  ];
  for (const [failover, re] of cases) {
    assert.throws(() => parseConfig(base({ failover })), (e: Error) => re.test(e.message) && !e.message.includes('\n'),
      `${JSON.stringify(failover).slice(0, 60)} -> ${re}`);
  }
});

test('parseCidr: canonical prefixes only', () => {
  assert.equal(parseCidr('10.0.0.0/8'), '10.0.0.0/8');
  assert.equal(parseCidr('2001:DB8:0:0::/32'), '2001:db8::/32');
  assert.equal(parseCidr('0.0.0.0/0'), '0.0.0.0/0');
  for (const bad of ['10.0.0.0', '10.0.0.0/', '10.0.0.0/08', '10.00.0.0/8', 'x/8', '10.0.0.0/8/8', '::1/129', '10.0.0.1/31']) {
    assert.equal(parseCidr(bad), null, bad);
  }
});
