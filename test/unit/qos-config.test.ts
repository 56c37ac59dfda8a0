// The `qos` config section, --wan-rate parsing and the QoS text formatting.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parseConfig, formatConfig, newConfig } from '../../src/config/config';
import { parseRate, qosSettings } from '../../src/config/qos-config';
import { qosEnabled } from '../../src/daemon/qos';
import { formatQosReply, formatQosStatus, formatRate } from '../../src/cli/qos-format';

const base = { version: 1, name: 'a', listen: { address: '0.0.0.0', port: 51820 }, endpoint: null, tap: 'bh0', bridge: null, peers: [] };

test('qos section: defaults, round trip, settings for the data plane', () => {
  const c = parseConfig({ ...base, qos: { wanRateMbit: 190 } });
  assert.deepEqual(c.qos, {
    enabled: true, wanRateMbit: 190, realtimeSharePct: 50, rules: [],
    outerDscp: { 'network-control': 48, realtime: 46, interactive: 34, 'best-effort': 0, bulk: 8 },
  });
  assert.deepEqual(parseConfig(JSON.parse(formatConfig(c))).qos, c.qos);
  const s = qosSettings(parseConfig({ ...base, qos: { rules: [{ proto: 'udp', ports: '16384-32767', band: 'realtime' },
    { proto: 'tcp+udp', ports: 5060, band: 'realtime' }], outerDscp: { bulk: 10 } } }).qos!);
  assert.equal(s.wanRateBitsPerS, 0);
  assert.deepEqual(s.rules, [{ proto: 17, portFrom: 16384, portTo: 32767, band: 'realtime' }, { proto: 0, portFrom: 5060, portTo: 5060, band: 'realtime' }]);
  assert.equal(s.outerDscp?.bulk, 10);
  assert.equal(parseConfig(base).qos, undefined);
});

test('qos section: one-line errors naming the field and value', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ wanRateMbit: 0 }, /qos\.wanRateMbit: expected null or a number .*: 0$/],
    [{ wanRateMbit: '200mbit' }, /qos\.wanRateMbit: .*"200mbit"/],
    [{ realtimeSharePct: 101 }, /qos\.realtimeSharePct: expected an integer 1\.\.100: 101/],
    [{ rules: [{ proto: 'icmp', ports: '1', band: 'bulk' }] }, /qos\.rules\[0\]\.proto: .*"icmp"/],
    [{ rules: [{ proto: 'udp', ports: '9-1', band: 'bulk' }] }, /qos\.rules\[0\]\.ports: .*"9-1"/],
    [{ rules: [{ proto: 'udp', ports: '1', band: 'voice' }] }, /qos\.rules\[0\]\.band: .*"voice"/],
    [{ rules: [{ proto: 'udp', ports: '1', band: 'bulk', x: 1 }] }, /qos\.rules\[0\]\.x: unknown field/],
    [{ outerDscp: { realtime: 64 } }, /qos\.outerDscp\.realtime: expected an integer 0\.\.63: 64/],
    [{ outerDscp: { voice: 1 } }, /qos\.outerDscp\.voice: unknown field/],
    [{ shaper: 1 }, /qos\.shaper: unknown field/],
    [{ enabled: 'yes' }, /qos\.enabled: expected true or false/],
  ];
  for (const [qos, re] of bad) assert.throws(() => parseConfig({ ...base, qos }), re, JSON.stringify(qos));
});

test('--wan-rate: units, limits', () => {
  assert.equal(parseRate('200mbit'), 200);
  assert.equal(parseRate('1gbit'), 1000);
  assert.equal(parseRate('500000kbit'), 500);
  assert.equal(parseRate('1.5Mbit'), 1.5);
  for (const s of ['200', 'fast', '0mbit', '200 mb', '101gbit', '-1mbit']) assert.throws(() => parseRate(s), /expected a rate/, s);
  const c = newConfig({ name: 'a', listen: { address: '0.0.0.0', port: 1 }, wanRateMbit: 190 });
  assert.equal(c.qos?.wanRateMbit, 190);
  assert.equal(c.qos?.rules.length, 2);
  assert.equal(newConfig({ name: 'a', listen: { address: '0.0.0.0', port: 1 } }).qos, undefined);
});

test('qosEnabled: config, then BRIDGEHEAD_QOS', () => {
  const on = parseConfig({ ...base, qos: {} });
  const off = parseConfig({ ...base, qos: { enabled: false } });
  assert.equal(qosEnabled(on, {}), true);
  assert.equal(qosEnabled(off, {}), false);
  assert.equal(qosEnabled(parseConfig(base), {}), false);
  assert.equal(qosEnabled(on, { BRIDGEHEAD_QOS: '0' }), false);
  assert.equal(qosEnabled(off, { BRIDGEHEAD_QOS: '1' }), true);
  assert.throws(() => qosEnabled(off, { BRIDGEHEAD_QOS: '2' }), /BRIDGEHEAD_QOS="2"/);
});

test('status text: qos block', () => {
  assert.deepEqual(formatQosStatus(undefined), []);
  assert.deepEqual(formatQosStatus({ enabled: false }), ['  qos: off']);
  const lines = formatQosStatus({ enabled: true, wanRateBitsPerS: 190e6, realtimeSharePct: 50, shaperDelayed: 7, rules: [],
    bands: [{ name: 'realtime', dscp: 46, enqueued: 50, sent: 50, sentBytes: 5000, dropped: 0, depthPackets: 0, depthBytes: 0, limitPackets: 256, limitBytes: 262144 }] });
  assert.equal(lines[0], '  qos: on, shaper 190 Mbit/s, realtime share 50%, shaper waits 7');
  assert.match(lines[1], /realtime +0 queued \(0 B\), 50 enqueued, 50 sent, 0 dropped/);
  assert.equal(formatRate(1e9), '1 Gbit/s');
  assert.equal(formatRate(0), 'none');
});

test('bridgehead qos text: rules, bands, off', () => {
  const band = (name: string, dscp: number) => ({ name, dscp, enqueued: 3, sent: 3, sentBytes: 300, dropped: 0, depthPackets: 1,
    depthBytes: 100, limitPackets: 256, limitBytes: 262144 });
  const text = formatQosReply({ enabled: true, config: null, live: { enabled: true, wanRateBitsPerS: 190e6, realtimeSharePct: 50,
    shaperDelayed: 0, rules: [{ proto: 17, portFrom: 16384, portTo: 32767, band: 'realtime' }, { proto: 0, portFrom: 5060, portTo: 5061, band: 'realtime' }],
    bands: [band('realtime', 46)] as never } });
  assert.match(text, /shaper: 190 Mbit\/s\n/);
  assert.match(text, /udp +port 16384-32767 +-> realtime/);
  assert.match(text, /tcp\+udp +port 5060-5061 +-> realtime/);
  assert.match(text, /realtime +dscp 46 +1\/256 queued \(100 B of 256\.00 KiB\)/);
  assert.match(formatQosReply({ enabled: false, config: null, live: { enabled: false, wanRateBitsPerS: 0, realtimeSharePct: 0,
    shaperDelayed: 0, rules: [], bands: [] } }), /^qos: off/);
});
