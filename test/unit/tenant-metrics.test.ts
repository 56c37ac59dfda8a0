// /metrics of a multi-tenant provider (src/daemon/tenant-metrics.ts): every tenant's families
// merged under one HELP/TYPE each, every sample labelled tenant=NAME ("" = the appliance), the
// process-wide families once and unlabelled; promtool accepts the result.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BridgeheadMetrics } from '../../src/daemon/metrics';
import { mergeTenantExpositions, withTenantLabel } from '../../src/daemon/tenant-metrics';
import type { StatusSnapshot } from '../../src/ipc/status-types';
import { SAMPLE_STATUS } from './cli-status-fixture';

test('withTenantLabel: with and without labels, escaping', () => {
  assert.equal(withTenantLabel('bridgehead_floods_total 5', 'acme'), 'bridgehead_floods_total{tenant="acme"} 5');
  assert.equal(withTenantLabel('bridgehead_drops_total{reason="short"} 2', 'b'), 'bridgehead_drops_total{tenant="b",reason="short"} 2');
  assert.equal(withTenantLabel('x{} 1', 'c'), 'x{tenant="c"} 1');
  assert.equal(withTenantLabel('x 1', 'a"b'), 'x{tenant="a\\"b"} 1');
});

test('merged exposition: one header per family, a tenant label per sample, promtool-valid', async (t) => {
  const build = { version: '1.0.0', nodeVersion: 'v20.0.0' };
  // each tenant's data plane has its own path counters, TAP reader and pinned threads
  const statusA: StatusSnapshot = { ...(SAMPLE_STATUS as StatusSnapshot),
    dataPath: { lightFrames: 10, pipelineFrames: 5, toPipeline: 1, toLight: 1, inlineDrains: 2 },
    tapReader: { reader: 'read', why: 'asked', submits: 0, frames: 0 },
    cpuAffinity: { setting: 'spread', rx: 0, tx: 1, errors: 0 }, busyPollUs: 0 };
  const statusB: StatusSnapshot = { ...statusA, peers: statusA.peers.map((p) => ({ ...p, name: `${p.name}-b`, rxBytes: 777 })),
    cpuAffinity: { setting: 'spread', rx: 1, tx: 0, errors: 0 } };
  const front = new BridgeheadMetrics(build);
  const b = new BridgeheadMetrics(build, { processMetrics: false });
  const c = new BridgeheadMetrics(build, { processMetrics: false });
  const parts = [
    { tenant: '', text: await front.render({ status: statusA, threadCpu: [{ thread: 'bh-rx', seconds: 1 }], nowMs: 1e12 }) },
    { tenant: 'acme', text: await b.render({ status: statusB, threadCpu: [], nowMs: 1e12 }) },
    { tenant: 'beta', text: await c.render({ status: statusA, threadCpu: [], nowMs: 1e12 }) },
  ];
  const text = mergeTenantExpositions(parts, (n) => /^(process_|nodejs_)/.test(n) || n === 'bridgehead_build_info' ||
    n === 'bridgehead_dataplane_thread_cpu_seconds_total');
  const lines = text.split('\n');
  assert.equal(lines.filter((l) => l === '# TYPE bridgehead_floods_total counter').length, 1, 'one TYPE per family');
  const floods = lines.filter((l) => l.startsWith('bridgehead_floods_total'));
  assert.deepEqual(floods.map((l) => /tenant="([^"]*)"/.exec(l)?.[1]), ['', 'acme', 'beta']);
  assert.ok(lines.some((l) => l.startsWith('bridgehead_peer_receive_bytes_total{tenant="acme",peer=') && l.endsWith(' 777')));
  assert.equal(lines.filter((l) => l.startsWith('bridgehead_build_info')).length, 1, 'build info once');
  assert.ok(lines.includes('bridgehead_dataplane_thread_pinned_cpu{tenant="acme",thread="bh-rx"} 1'), 'per-data-plane pinning, by tenant');
  assert.ok(lines.includes('bridgehead_dataplane_thread_pinned_cpu{tenant="",thread="bh-rx"} 0'));
  assert.ok(lines.includes('bridgehead_datapath_frames_total{tenant="beta",path="light"} 10'));
  assert.ok(!lines.some((l) => l.startsWith('process_') && l.includes('tenant=')), 'process families unlabelled');
  assert.ok(lines.some((l) => l.startsWith('process_resident_memory_bytes ')));
  // every sample line of a bridgehead_ family but the process-wide ones carries a tenant
  for (const l of lines) {
    if (!l.startsWith('bridgehead_') || l.startsWith('bridgehead_build_info') || l.startsWith('bridgehead_dataplane_thread_cpu_seconds')) continue;
    assert.match(l, /^[a-z_]+\{tenant="/, l);
  }
  const which = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  if (which.status !== 0) { t.skip('promtool not installed: run bash scripts/setup.sh'); return; }
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
