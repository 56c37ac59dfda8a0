// The appliance's systemd units: the plain unit and the template carry the same least-privilege
// settings (only the config path differs), and systemd's own scoring of the sandbox
// (`systemd-analyze security --offline`) stays at or below 2.5 where this systemd can score it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { findPackageRoot } from '../../src/dataplane/native';

const dir = path.join(findPackageRoot(), 'appliance');
const serviceLines = (file: string): string[] => {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  const service = text.split(/^\[Service\]$/m)[1].split(/^\[/m)[0];
  return service.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
};
const values = (lines: string[], key: string): string[] =>
  lines.filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

test('bridgehead.service and bridgehead@.service differ only in the config directory', () => {
  const plain = serviceLines('bridgehead.service');
  const tmpl = serviceLines('bridgehead@.service').map((l) => l.replaceAll('/etc/bridgehead/%i', '/etc/bridgehead').replace('ConfigurationDirectory=bridgehead/%i', 'ConfigurationDirectory=bridgehead'));
  assert.deepEqual(tmpl, plain);
  assert.ok(values(serviceLines('bridgehead@.service'), 'ExecStart')[0].endsWith('up --config /etc/bridgehead/%i'));
});

test('the daemon runs as its own user with CAP_NET_ADMIN only, sandboxed, reloadable', () => {
  const s = serviceLines('bridgehead.service');
  assert.deepEqual(values(s, 'User'), ['bridgehead']);
  assert.deepEqual(values(s, 'AmbientCapabilities'), ['CAP_NET_ADMIN']);
  assert.deepEqual(values(s, 'CapabilityBoundingSet'), ['CAP_NET_ADMIN']);
  assert.deepEqual(values(s, 'ExecReload'), ['/bin/kill -HUP $MAINPID']);
  for (const key of ['NoNewPrivileges', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelLogs',
    'ProtectKernelModules', 'ProtectControlGroups', 'RestrictNamespaces', 'RestrictSUIDSGID', 'LockPersonality'])
    assert.deepEqual(values(s, key), ['yes'], key);
  assert.deepEqual(values(s, 'ProtectProc'), ['invisible']);
  assert.deepEqual(values(s, 'ProtectSystem'), ['strict']);
  assert.deepEqual(values(s, 'DeviceAllow'), ['/dev/net/tun rw']);
  assert.deepEqual(values(s, 'BindPaths'), ['/dev/net/tun']);
  assert.ok(values(s, 'SystemCallFilter').includes('@system-service'));
  assert.deepEqual(values(s, 'UMask'), ['0077']);
  assert.deepEqual(values(s, 'Environment'), ['MALLOC_ARENA_MAX=2']);
});

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const version = analyze.status === 0 ? Number(/systemd (\d+)/.exec(analyze.stdout)?.[1] ?? 0) : 0;

test('systemd-analyze security --offline: exposure <= 2.5 for both units', { skip: version < 250 ? 'systemd-analyze >= 250 not installed' : false }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bh-units-'));
  try {
    for (const [file, as] of [['bridgehead.service', 'bridgehead.service'], ['bridgehead@.service', 'bridgehead@site1.service']]) {
      fs.copyFileSync(path.join(dir, file), path.join(tmp, as));
      const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', path.join(tmp, as)], { encoding: 'utf8' });
      const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout + r.stderr);
      assert.ok(m, `no exposure figure from systemd-analyze for ${file}: ${r.stdout}${r.stderr}`);
      assert.ok(Number(m[1]) <= 2.5, `${file}: exposure ${m[1]} > 2.5`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
