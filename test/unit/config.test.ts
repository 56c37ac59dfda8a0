// Config layer: validators, parseConfig/formatConfig, and the on-disk store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  ConfigError,
  ValueError,
  formatConfig,
  newConfig,
  parseConfig,
  parseDuration,
  parseHostPort,
  parseIfName,
  parseListen,
  parseName,
  INVITE_TTL_BOUNDS,
  advertisedEndpoint,
} from '../../src/config';
import {
  configPaths,
  identityExists,
  loadConfig,
  loadInvites,
  loadPrivateKey,
  permissionWarnings,
  saveConfig,
  saveInvites,
  savePrivateKey,
  updateConfig,
  updateInvites,
  withConfigLock,
} from '../../src/config/store';
import { newInvite } from '../../src/config/invites';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');
const PSK = Buffer.alloc(32, 3).toString('base64');

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'bh-config-'));
}

function validRaw(): Record<string, unknown> {
  return {
    version: 1,
    name: 'site-a',
    listen: { address: '0.0.0.0', port: 51820 },
    endpoint: '198.18.0.1:51820',
    tap: 'bh0',
    bridge: 'br0',
    macTableCapacity: 4096,
    macAgeS: 300,
    logLevel: 'info',
    peers: [
      {
        name: 'site-b',
        publicKey: KEY_A,
        endpoint: '[2001:db8::2]:51820',
        psk: PSK,
        persistentKeepaliveS: 25,
        addedAt: '2024-05-01T10:00:00.000Z',
      },
    ],
  };
}

function throwsValue(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ValueError && re.test(e.message));
}

test('parseHostPort', () => {
  assert.deepEqual(parseHostPort('1.2.3.4:51820'), { host: '1.2.3.4', port: 51820, kind: 'ipv4' });
  assert.deepEqual(parseHostPort('[::1]:51820'), { host: '::1', port: 51820, kind: 'ipv6' });
  assert.deepEqual(parseHostPort('VPN.Example.com:1'), { host: 'vpn.example.com', port: 1, kind: 'hostname' });
  assert.deepEqual(parseHostPort('h:65535').port, 65535);
  throwsValue(() => parseHostPort('1.2.3.4:99999'), /port must be 1\.\.65535/);
  throwsValue(() => parseHostPort('1.2.3.4:0'), /port must be 1\.\.65535/);
  throwsValue(() => parseHostPort('1.2.3.4'), /missing ":PORT"/);
  throwsValue(() => parseHostPort('1.2.3.4:'), /missing port/);
  throwsValue(() => parseHostPort('1.2.3.4:http'), /port must be a number/);
  throwsValue(() => parseHostPort('::1:51820'), /brackets/);
  throwsValue(() => parseHostPort('[::g]:51820'), /not a valid IPv6/);
  throwsValue(() => parseHostPort('[::1]51820'), /expected ":PORT"/);
  throwsValue(() => parseHostPort('1.2.3.999:5'), /not a valid IPv4/);
  throwsValue(() => parseHostPort('bad_host:5'), /host must be/);
  throwsValue(() => parseHostPort(':5'), /missing host/);
  throwsValue(() => parseHostPort('a b:5'), /whitespace/);
  throwsValue(() => parseHostPort(''), /HOST:PORT/);
});

test('parseListen accepts IP literals only', () => {
  assert.deepEqual(parseListen('0.0.0.0:51820'), { address: '0.0.0.0', port: 51820 });
  assert.deepEqual(parseListen('[::]:51820'), { address: '::', port: 51820 });
  throwsValue(() => parseListen('example.com:51820'), /IP literal/);
  throwsValue(() => parseListen('0.0.0.0:0'), /port must be 1\.\.65535/);
  throwsValue(() => parseListen(':51820'), /missing address/);
});

test('parseIfName follows IFNAMSIZ rules', () => {
  assert.equal(parseIfName('bh0'), 'bh0');
  assert.equal(parseIfName('a'.repeat(15)), 'a'.repeat(15));
  throwsValue(() => parseIfName(''), /empty/);
  throwsValue(() => parseIfName('a'.repeat(16)), /at most 15 bytes/);
  throwsValue(() => parseIfName('é'.repeat(8)), /at most 15 bytes/);
  throwsValue(() => parseIfName('.'), /"\."/);
  throwsValue(() => parseIfName('..'), /"\."/);
  throwsValue(() => parseIfName('a/b'), /"\/"/);
  throwsValue(() => parseIfName('a:1'), /":"/);
  throwsValue(() => parseIfName('a b'), /whitespace/);
  throwsValue(() => parseIfName('a\tb'), /whitespace/);
  throwsValue(() => parseIfName('a\u0001b'), /control/);
});

test('parseName', () => {
  assert.equal(parseName('site-a.dc_1'), 'site-a.dc_1');
  assert.equal(parseName('x'.repeat(32)), 'x'.repeat(32));
  throwsValue(() => parseName(''), /empty/);
  throwsValue(() => parseName('x'.repeat(33)), /at most 32/);
  throwsValue(() => parseName('a b'), /letters, digits/);
  throwsValue(() => parseName('ä'), /letters, digits/);
});

test('parseDuration', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('3600'), 3_600_000);
  assert.equal(parseDuration('1m', INVITE_TTL_BOUNDS), 60_000);
  assert.equal(parseDuration('30d', INVITE_TTL_BOUNDS), 30 * 86_400_000);
  throwsValue(() => parseDuration('59s', INVITE_TTL_BOUNDS), /between 1m and 30d/);
  throwsValue(() => parseDuration('31d', INVITE_TTL_BOUNDS), /between 1m and 30d/);
  throwsValue(() => parseDuration('5x'), /expected a duration/);
  throwsValue(() => parseDuration('-5m'), /expected a duration/);
  throwsValue(() => parseDuration('1.5h'), /expected a duration/);
  throwsValue(() => parseDuration(''), /empty/);
  throwsValue(() => parseDuration('1m1m'), /twice/);
  throwsValue(() => parseDuration('99999999999999999d'), /too long/);
});

test('valid config roundtrips through formatConfig', () => {
  const c = parseConfig(validRaw());
  assert.equal(c.peers[0].endpoint, '[2001:db8::2]:51820');
  const text = formatConfig(c);
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(parseConfig(JSON.parse(text)), c);
  assert.equal(formatConfig(parseConfig(JSON.parse(text))), text, 'formatting is stable');
});

test('tapReader: each value parses and formats back; absent stays absent (the daemon default applies)', () => {
  for (const v of ['auto', 'io_uring', 'read'] as const) {
    const c = parseConfig({ ...validRaw(), tapReader: v });
    assert.equal(c.tapReader, v);
    assert.equal(parseConfig(JSON.parse(formatConfig(c))).tapReader, v);
  }
  assert.equal(parseConfig(validRaw()).tapReader, undefined);
});

test('defaults are filled in', () => {
  const c = parseConfig({
    version: 1,
    name: 'a',
    listen: { address: '::', port: 1 },
    peers: [
      { name: 'p1', publicKey: KEY_A, psk: PSK, endpoint: 'h.example:5', addedAt: '2024-01-01T00:00:00Z' },
      { name: 'p2', publicKey: KEY_B, psk: PSK, addedAt: '2024-01-01T00:00:00Z' },
    ],
  });
  assert.equal(c.tap, 'bh0');
  assert.equal(c.bridge, null);
  assert.equal(c.endpoint, null);
  assert.equal(c.macTableCapacity, 4096);
  assert.equal(c.macAgeS, 300);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.peers[0].persistentKeepaliveS, 25, 'keepalive on when we know the endpoint');
  assert.equal(c.peers[1].persistentKeepaliveS, 0, 'keepalive off without an endpoint');
  assert.equal(c.peers[1].endpoint, null);
  assert.equal(advertisedEndpoint(c), null);
  assert.equal(advertisedEndpoint(newConfig({ name: 'x', listen: { address: '198.18.0.1', port: 7 } })), '198.18.0.1:7');
});

type Mutate = (r: Record<string, any>) => void;
const INVALID: Array<[string, Mutate, RegExp]> = [
  ['version', (r) => (r.version = 2), /^bridgehead\.json: version: unsupported version \(expected 1\): 2$/],
  ['version missing', (r) => delete r.version, /^bridgehead\.json: version: missing$/],
  ['name', (r) => (r.name = 'bad name'), /^bridgehead\.json: name: .*letters.*: "bad name"$/],
  ['name type', (r) => (r.name = 5), /^bridgehead\.json: name: expected a string: 5$/],
  ['listen type', (r) => (r.listen = '0.0.0.0:51820'), /^bridgehead\.json: listen: expected a JSON object: "0\.0\.0\.0:51820"$/],
  ['listen.address', (r) => (r.listen.address = 'example.com'), /^bridgehead\.json: listen\.address: not an IP address.*: "example\.com"$/],
  ['listen.port range', (r) => (r.listen.port = 99999), /^bridgehead\.json: listen\.port: must be 1\.\.65535: 99999$/],
  ['listen.port zero', (r) => (r.listen.port = 0), /^bridgehead\.json: listen\.port: must be 1\.\.65535: 0$/],
  ['listen.port type', (r) => (r.listen.port = '51820'), /^bridgehead\.json: listen\.port: expected an integer: "51820"$/],
  ['listen unknown', (r) => (r.listen.adress = 'x'), /^bridgehead\.json: listen\.adress: unknown field/],
  ['endpoint', (r) => (r.endpoint = '1.2.3.4:99999'), /^bridgehead\.json: endpoint: port must be 1\.\.65535: "1\.2\.3\.4:99999"$/],
  ['tap', (r) => (r.tap = 'x'.repeat(16)), /^bridgehead\.json: tap: interface name must be at most 15 bytes \(got 16\): "x{16}"$/],
  ['bridge', (r) => (r.bridge = 'a/b'), /^bridgehead\.json: bridge: .*"\/".*: "a\/b"$/],
  ['bridge == tap', (r) => (r.bridge = 'bh0'), /^bridgehead\.json: bridge: must differ from tap: "bh0"$/],
  ['macTableCapacity', (r) => (r.macTableCapacity = 8), /^bridgehead\.json: macTableCapacity: must be 16\.\.1048576: 8$/],
  ['macTableCapacity float', (r) => (r.macTableCapacity = 100.5), /^bridgehead\.json: macTableCapacity: expected an integer: 100\.5$/],
  ['macAgeS', (r) => (r.macAgeS = 0), /^bridgehead\.json: macAgeS: must be 10\.\.86400: 0$/],
  ['logLevel', (r) => (r.logLevel = 'loud'), /^bridgehead\.json: logLevel: must be one of trace, debug, info, warn, error: "loud"$/],
  ['unknown top field', (r) => (r.nmae = 'x'), /^bridgehead\.json: nmae: unknown field \(known: /],
  ['peers type', (r) => (r.peers = {}), /^bridgehead\.json: peers: expected an array: \{\}$/],
  ['peer type', (r) => (r.peers = [null]), /^bridgehead\.json: peers\[0\]: expected a JSON object: null$/],
  ['peer publicKey', (r) => (r.peers[0].publicKey = 'abc'), /^bridgehead\.json: peers\[0\]\.publicKey: not 32 bytes of base64: "abc"$/],
  ['peer publicKey zero', (r) => (r.peers[0].publicKey = Buffer.alloc(32).toString('base64')), /^bridgehead\.json: peers\[0\]\.publicKey: all-zero public key: "A+=?"$/],
  ['peer publicKey 31', (r) => (r.peers[0].publicKey = Buffer.alloc(31, 1).toString('base64')), /^bridgehead\.json: peers\[0\]\.publicKey: not 32 bytes of base64/],
  ['peer psk', (r) => (r.peers[0].psk = 'nope'), /^bridgehead\.json: peers\[0\]\.psk: not 32 bytes of base64 \(value not shown\)$/],
  ['peer psk missing', (r) => delete r.peers[0].psk, /^bridgehead\.json: peers\[0\]\.psk: missing$/],
  ['peer name', (r) => (r.peers[0].name = ''), /^bridgehead\.json: peers\[0\]\.name: name must not be empty: ""$/],
  ['peer endpoint', (r) => (r.peers[0].endpoint = '::1:5'), /^bridgehead\.json: peers\[0\]\.endpoint: IPv6 addresses must be written in brackets.*: "::1:5"$/],
  ['peer keepalive', (r) => (r.peers[0].persistentKeepaliveS = -1), /^bridgehead\.json: peers\[0\]\.persistentKeepaliveS: must be 0\.\.65535: -1$/],
  ['peer addedAt', (r) => (r.peers[0].addedAt = 'yesterday'), /^bridgehead\.json: peers\[0\]\.addedAt: not an ISO-8601.*: "yesterday"$/],
  ['peer unknown', (r) => (r.peers[0].persistentKeepalive = 25), /^bridgehead\.json: peers\[0\]\.persistentKeepalive: unknown field/],
  ['peer duplicate name', (r) => r.peers.push({ ...r.peers[0], publicKey: KEY_B }), /^bridgehead\.json: peers\[1\]\.name: duplicate of peers\[0\]\.name: "site-b"$/],
  ['tapReader', (r) => (r.tapReader = 'uring'), /^bridgehead\.json: tapReader: expected 'auto', 'io_uring' or 'read': "uring"$/],
  ['tapReader type', (r) => (r.tapReader = true), /^bridgehead\.json: tapReader: expected 'auto', 'io_uring' or 'read': true$/],
  ['peer duplicate key', (r) => r.peers.push({ ...r.peers[0], name: 'other' }), /^bridgehead\.json: peers\[1\]\.publicKey: duplicate of peers\[0\]\.publicKey/],
];

for (const [label, mutate, re] of INVALID) {
  test(`invalid config field: ${label}`, () => {
    const raw = validRaw();
    mutate(raw);
    assert.throws(
      () => parseConfig(raw),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, `ConfigError expected, got ${String(e)}`);
        assert.match(e.message, re);
        assert.ok(!e.message.includes('\n'), 'one line');
        return true;
      },
    );
  });
}

test('non-object configs are refused', () => {
  for (const raw of [null, [], 'x', 5]) {
    assert.throws(() => parseConfig(raw), (e: unknown) => e instanceof ConfigError && /^bridgehead\.json: expected a JSON object/.test(e.message));
  }
});

test('store: save/load config, key, invites; modes 0600, dir 0700, no temp files', () => {
  const root = tmpDir();
  const dir = path.join(root, 'etc', 'bridgehead');
  try {
    const c = parseConfig(validRaw());
    assert.equal(identityExists(dir), false);
    saveConfig(dir, c);
    const key = new Uint8Array(32).fill(7);
    savePrivateKey(dir, key);
    const inv = newInvite(Date.parse('2024-01-01T00:00:00Z'), 3_600_000, (n) => new Uint8Array(n).fill(9));
    saveInvites(dir, [inv]);
    assert.equal(identityExists(dir), true);

    assert.deepEqual(loadConfig(dir), c);
    assert.deepEqual(loadPrivateKey(dir), key);
    assert.deepEqual(loadInvites(dir), [inv]);
    assert.equal(fs.readFileSync(configPaths(dir).privateKey, 'utf8'), `${Buffer.from(key).toString('base64')}\n`);

    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    for (const f of ['bridgehead.json', 'private.key', 'invites.json']) {
      assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
    }
    assert.deepEqual(fs.readdirSync(dir).sort(), ['bridgehead.json', 'invites.json', 'private.key']);
    assert.deepEqual(permissionWarnings(dir), []);

    // Overwrite keeps mode 0600 even if someone loosened it, and still leaves no temp files.
    fs.chmodSync(configPaths(dir).config, 0o644);
    assert.equal(permissionWarnings(dir).length, 1);
    const c2 = updateConfig(dir, (x) => ({ ...x, macAgeS: 600 }));
    assert.equal(c2.macAgeS, 600);
    assert.equal(loadConfig(dir).macAgeS, 600);
    assert.equal(fs.statSync(configPaths(dir).config).mode & 0o777, 0o600);
    updateInvites(dir, (l) => [...l, newInvite(0, 1000, (n) => new Uint8Array(n).fill(4))]);
    assert.equal(loadInvites(dir).length, 2);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['bridgehead.json', 'invites.json', 'private.key']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('store: refuses to save an invalid config and keeps the old file', () => {
  const dir = tmpDir();
  try {
    const c = parseConfig(validRaw());
    saveConfig(dir, c);
    assert.throws(() => saveConfig(dir, { ...c, name: 'bad name' }), (e: unknown) => e instanceof ConfigError && /refusing to save.*name/.test(e.message));
    assert.deepEqual(loadConfig(dir), c);
    assert.deepEqual(fs.readdirSync(dir), ['bridgehead.json']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('store: missing, corrupt and invalid files give one clear line', () => {
  const dir = tmpDir();
  const p = configPaths(dir);
  const check = (fn: () => unknown, re: RegExp): void => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  };
  try {
    check(() => loadConfig(dir), new RegExp(`^${p.config}: not found \\(run "bridgehead init`));
    check(() => loadPrivateKey(dir), new RegExp(`^${p.privateKey}: not found`));
    assert.deepEqual(loadInvites(dir), [], 'missing invites.json is an empty list');

    fs.writeFileSync(p.config, '{"version": 1,');
    check(() => loadConfig(dir), new RegExp(`^${p.config}: not valid JSON: `));
    fs.writeFileSync(p.config, '');
    check(() => loadConfig(dir), new RegExp(`^${p.config}: empty file$`));
    fs.writeFileSync(p.config, JSON.stringify({ ...validRaw(), tap: 'a:b' }));
    check(() => loadConfig(dir), new RegExp(`^${p.config}: tap: .*":".*: "a:b"$`));
    fs.writeFileSync(p.privateKey, 'c2VjcmV0\n');
    check(() => loadPrivateKey(dir), new RegExp(`^${p.privateKey}: not 32 bytes of base64 \\(value not shown\\)$`));
    fs.writeFileSync(p.invites, '[{"id": "zz"}]');
    check(() => loadInvites(dir), new RegExp(`^${p.invites}: \\[0\\]\\.id: not 16 bytes of lower-case hex: "zz"$`));
    fs.mkdirSync(path.join(dir, 'sub'));
    check(() => loadConfig(path.join(dir, 'sub', 'bridgehead.json')), /a parent is not a directory|not found/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('store: a lock left by a dead process is broken; a live one times out cleanly', () => {
  const dir = tmpDir();
  const p = configPaths(dir);
  try {
    // A pid that surely does not exist any more: a child that already exited.
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    fs.writeFileSync(p.lock, `${child.stdout.toString()}\n`);
    assert.equal(withConfigLock(dir, () => 42), 42);
    assert.equal(fs.existsSync(p.lock), false, 'lock released');
    // Our own pid is alive: the nested attempt must give up with one line.
    withConfigLock(dir, () => {
      assert.throws(() => withConfigLock(dir, () => 0, 100), (e: unknown) => e instanceof ConfigError && /locked by process \d+$/.test(e.message));
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('config errors stay one line when a key or value holds control characters (found by test/fuzz)', () => {
  const raw = validRaw();
  (raw.listen as Record<string, unknown>)['po\rt'] = 1;
  assert.throws(() => parseConfig(raw, 'f.json'), (e: unknown) => e instanceof ConfigError && e.message === 'f.json: listen."po\\rt": unknown field (known: address, port)');
  assert.throws(() => parseConfig({ ...validRaw(), ['x\ny']: 1 }, 'f.json'), (e: unknown) => e instanceof ConfigError && !/\n/.test(e.message) && /"x\\ny"/.test(e.message));
  assert.throws(() => parseConfig({ ...validRaw(), qos: { ['a\u0007']: 1 } }, 'dir\n/f.json'), (e: unknown) => e instanceof ConfigError && !/[\n\u0007]/.test(e.message));
});
