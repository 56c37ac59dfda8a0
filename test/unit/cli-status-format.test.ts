// The text form of `bridgehead status` (pure formatter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAgo, formatBytes, formatOffload, formatStatus, isStatusSnapshot } from '../../src/cli/status-format';
import { SAMPLE_STATUS } from './cli-status-fixture';

test('formatBytes uses binary units like wg', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(1024 * 1024), '1.00 MiB');
  assert.equal(formatBytes(5.5 * 1024 ** 3), '5.50 GiB');
  assert.equal(formatBytes(2 * 1024 ** 4), '2.00 TiB');
  assert.equal(formatBytes(-1), '?');
  assert.equal(formatBytes(Number.NaN), '?');
});

test('formatAgo', () => {
  assert.equal(formatAgo(null), 'never');
  assert.equal(formatAgo(400), 'just now');
  assert.equal(formatAgo(1000), '1 second ago');
  assert.equal(formatAgo(65_400), '1 minute, 5 seconds ago');
  assert.equal(formatAgo(2 * 86_400_000 + 3_600_000), '2 days, 1 hour ago');
  assert.equal(formatAgo(-5), '?');
});

test('formatStatus renders the snapshot like wg show', () => {
  const expected = [
    'interface: bh0 (bridge br0)',
    '  name: site-a',
    '  public key: AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=',
    '  listening: 0.0.0.0:51820',
    '  uptime: 1 hour, 2 minutes, 3 seconds',
    '  transfer: 1.34 MiB received (1300 datagrams), 900 B sent (40 datagrams)',
    '  tap: 41 frames read, 1234 frames written, 3 flooded',
    '  mac table: 12/4096 entries (learned 40, moved 1, aged 28, full 0)',
    '  events dropped: 0',
    '',
    'peer: site-b',
    '  public key: AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=',
    '  endpoint: 198.18.0.2:51820',
    '  state: up',
    '  latest handshake: 1 minute, 5 seconds ago',
    '  transfer: 1.21 MiB received (1234 frames), 3.40 KiB sent (1 frame)',
    '  last received: 2 seconds ago',
    '',
    'peer: dr-2',
    '  public key: AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=',
    '  endpoint: (unknown)',
    '  state: down',
    '  latest handshake: never',
    '  transfer: 0 B received (0 frames), 0 B sent (0 frames)',
    '',
    'drops:',
    '  short: 7',
    '  auth_failed: 2',
    '  key_expired: 2',
    '',
  ].join('\n');
  assert.equal(formatStatus(SAMPLE_STATUS), expected);
});

test('formatStatus: no peers, no drops, no bridge; control characters are neutralised', () => {
  const s = {
    ...SAMPLE_STATUS,
    bridge: null,
    peers: [],
    drops: { replay: 0 },
    events: { dropped: 17 },
  };
  const text = formatStatus(s);
  assert.match(text, /^interface: bh0\n/);
  assert.match(text, /\n {2}events dropped: 17\n/);
  assert.match(text, /\npeers: none/);
  assert.match(text, /\ndrops: none\n$/);
  assert.ok(!text.includes('replay'), 'zero counters are not shown');

  const evil = formatStatus({ ...SAMPLE_STATUS, peers: [{ ...SAMPLE_STATUS.peers[0], name: 'x\u001b[2J\nroot' }] });
  assert.ok(!evil.includes('\u001b'));
  assert.match(evil, /\npeer: x\?\[2J\?root\n/);
});

test('isStatusSnapshot rejects replies that are not snapshots', () => {
  assert.equal(isStatusSnapshot(SAMPLE_STATUS), true);
  for (const bad of [null, 1, 'x', [], {}, { ...SAMPLE_STATUS, peers: null }, { ...SAMPLE_STATUS, drops: [] }, { ...SAMPLE_STATUS, peers: [1] }]) {
    assert.equal(isStatusSnapshot(bad), false, JSON.stringify(bad));
  }
});

test('formatStatus shows the UDP offloads (GSO/GRO) when the daemon reports them', () => {
  assert.equal(formatOffload({ gso: 1, gro: 1, gsoSends: 12, groBuffers: 1 }), 'gso on (12 sends), gro on (1 coalesced buffer)');
  assert.equal(formatOffload({ gso: 0, gro: 1, gsoSends: 0, groBuffers: 0 }), 'gso off, gro on (0 coalesced buffers)');
  assert.equal(formatOffload({ gso: 'x', gro: 0 } as never), 'gso ?, gro off');
  const text = formatStatus({ ...SAMPLE_STATUS, offload: { gso: 1, gro: 0, gsoSends: 3, groBuffers: 0 } });
  assert.match(text, /\n {2}events dropped: 0\n {2}udp offload: gso on \(3 sends\), gro off\n\npeer: site-b\n/);
  assert.ok(!formatStatus(SAMPLE_STATUS).includes('udp offload'), 'older daemons: no line');
});

test('formatStatus: the hub shows its relay counters; a mesh site without relayed frames shows no topology line', () => {
  const hub = formatStatus({ ...SAMPLE_STATUS, topology: { layout: 'hub', relayed: 1234, relayFloods: 5 } });
  assert.match(hub, /topology: hub, 1,?234 frames relayed to one site, 5 flooded on to the other sites/);
  const mesh = formatStatus({ ...SAMPLE_STATUS, topology: { layout: 'mesh', relayed: 0, relayFloods: 0 } });
  assert.ok(!/topology:/.test(mesh), mesh);
  assert.ok(!/topology:/.test(formatStatus(SAMPLE_STATUS)), 'an older daemon without the field');
});

test('formatStatus: the busy poll line (on, off, older daemons)', () => {
  const line = (busyPollUs?: number) => formatStatus({ ...SAMPLE_STATUS, busyPollUs }).split('\n').find((l) => l.includes('busy poll'));
  assert.equal(line(200), '  busy poll: 200 us after traffic (light path)');
  assert.equal(line(0), '  busy poll: off');
  assert.equal(line(undefined), undefined);
});

test('formatStatus: the cpu affinity line (pinned, not pinned, refused)', () => {
  const line = (a: NonNullable<typeof SAMPLE_STATUS.cpuAffinity>) =>
    formatStatus({ ...SAMPLE_STATUS, cpuAffinity: a }).split('\n').find((l) => l.includes('cpu affinity'));
  assert.equal(line({ setting: 'spread', rx: 0, tx: 1, errors: 0 }), '  cpu affinity: spread; bh-rx cpu 0, bh-tx cpu 1');
  assert.equal(line({ setting: 'off', rx: 'off', tx: 'off', errors: 0 }), '  cpu affinity: off; bh-rx not pinned, bh-tx not pinned');
  assert.equal(line({ setting: '5,6', rx: 'off', tx: 'off', errors: 2, error: 'Invalid argument' }),
    '  cpu affinity: 5,6; bh-rx not pinned, bh-tx not pinned (2 refused: Invalid argument)');
  assert.equal(formatStatus(SAMPLE_STATUS).includes('cpu affinity'), false, 'older daemons: no line');
});

test('formatStatus shows the TAP reader: io_uring with frames per syscall, or read() and why', () => {
  const uring = formatStatus({ ...SAMPLE_STATUS, tapReader: { reader: 'io_uring', submits: 100, frames: 450 } });
  assert.match(uring, /\n {2}tap reader: io_uring, 450 frames in 100 io_uring submits \(4\.5 frames per syscall\)\n/);
  const read = formatStatus({ ...SAMPLE_STATUS, tapReader: { reader: 'read', why: 'EPERM', submits: 0, frames: 0 } });
  assert.match(read, /\n {2}tap reader: read \(EPERM\), 0 frames in 0 io_uring submits\n/);
  assert.ok(!formatStatus(SAMPLE_STATUS).includes('tap reader'), 'older daemons: no line');
});
