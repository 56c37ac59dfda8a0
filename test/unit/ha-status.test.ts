import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeheadMetrics } from '../../src/daemon/metrics';
import { formatStatus } from '../../src/cli/status-format';
import { SAMPLE_STATUS } from './cli-status-fixture';
import type { HaStatus } from '../../src/ipc/ha-status';

const NOW = 1_800_000_000_000;
const HA: HaStatus = { enabled: true, member: 'prov-b', role: 'master', active: true, waitingForOther: false, steppedDown: null,
  priority: 100, peerMember: { member: 'prov-a', address: '198.19.30.2:19481', role: 'backup', active: false, lastHeardAgeMs: 80, alive: true },
  lastTakeover: { atMs: NOW - 42_000, ageMs: 42_000, reason: 'peer-silent', restoredHosts: 12 }, lastTransition: null,
  table: { version: 7, hosts: 12, ageMs: null }, counters: { takeovers: 1, splits: 0, rxBadMac: 2 } };

test('status text: the ha block names the role, the other member and the last takeover', () => {
  const text = formatStatus({ ...SAMPLE_STATUS, ha: HA });
  assert.match(text, /ha: member prov-b, ACTIVE \(keepalived: master, priority 100\)/);
  assert.match(text, /peer member: prov-a at 198\.19\.30\.2:19481, standby \(keepalived: backup\), last heard 80ms ago/);
  assert.match(text, /last takeover: 42s ago \(peer-silent\), 12 hosts restored/);
  const silent = formatStatus({ ...SAMPLE_STATUS, ha: { ...HA, active: false, role: 'backup', peerMember: { ...HA.peerMember!, alive: false },
    steppedDown: { reason: 'split', remainingMs: 2500 } } });
  assert.match(silent, /ha: member prov-b, standby/);
  assert.match(silent, /SILENT/);
  assert.match(silent, /STEPPED DOWN \(split\)/);
  assert.doesNotMatch(formatStatus(SAMPLE_STATUS), /^ha:/m, 'no block without HA');
});

test('metrics: ha_* families from the status, none without HA', async () => {
  const m = new BridgeheadMetrics({ version: '1', nodeVersion: 'v20' }, { processMetrics: false });
  const text = await m.render({ status: { ...SAMPLE_STATUS, ha: HA }, threadCpu: [], nowMs: NOW });
  for (const line of ['bridgehead_ha_active{member="prov-b"} 1', 'bridgehead_ha_role{member="prov-b",role="master"} 1',
    'bridgehead_ha_role{member="prov-b",role="backup"} 0', 'bridgehead_ha_peer_member_alive{member="prov-b"} 1',
    `bridgehead_ha_last_takeover_timestamp_seconds{member="prov-b"} ${(NOW - 42_000) / 1000}`,
    'bridgehead_ha_events_total{event="takeovers"} 1', 'bridgehead_ha_events_total{event="rx_bad_mac"} 2']) {
    assert.ok(text.includes(line), line);
  }
  const m2 = new BridgeheadMetrics({ version: '1', nodeVersion: 'v20' }, { processMetrics: false });
  assert.doesNotMatch(await m2.render({ status: SAMPLE_STATUS, threadCpu: [], nowMs: NOW }), /^bridgehead_ha_\w+(\{[^}]*\})? /m);
});
