// CLI: argument parsing and exit codes for every command, and the actions of init, invite,
// join (offline refusals) and status (with a fake daemon on the control socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/program';
import { loadConfig, loadInvites, saveInvites } from '../../src/config/store';
import { newInvite } from '../../src/config/invites';
import { startCtlsockServer } from '../../src/daemon/ctlsock-server';
import * as crypto from '../../src/control/crypto';
import { decodeToken, encodeToken } from '../../src/control/token';
import { run, rm, tmpDir } from './cli-helpers';
import { SAMPLE_STATUS } from './cli-status-fixture';

const HOUR = 3_600_000;

function assertUsage(r: Awaited<ReturnType<typeof run>>, re: RegExp): void {
  assert.equal(r.code, 2, `exit code 2 expected; stderr: ${r.stderr}`);
  assert.equal(r.errLines.length, 1, `one stderr line expected, got: ${JSON.stringify(r.stderr)}`);
  assert.match(r.errLines[0], /^bridgehead: /);
  assert.match(r.errLines[0], re);
  assert.equal(r.stdout, '');
}

function assertFailure(r: Awaited<ReturnType<typeof run>>, re: RegExp): void {
  assert.equal(r.code, 1, `exit code 1 expected; stderr: ${r.stderr}`);
  assert.equal(r.errLines.length, 1, `one stderr line expected, got: ${JSON.stringify(r.stderr)}`);
  assert.match(r.errLines[0], /^bridgehead: /);
  assert.match(r.errLines[0], re);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
}

async function init(dir: string, ...extra: string[]): Promise<string> {
  const r = await run(['init', '--config', dir, '--name', 'site-a', '--listen', '0.0.0.0:51820', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

test('help and version exit 0 on stdout', async () => {
  for (const argv of [['--help'], ['-h'], ['help'], ['init', '--help'], ['help', 'join'], ['status', '-h']]) {
    const r = await run(argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.stdout, /^Usage: bridgehead/);
    assert.equal(r.stderr, '');
  }
  const top = await run(['--help']);
  for (const c of ['init', 'invite', 'join', 'up', 'status', 'BRIDGEHEAD_CONFIG']) assert.ok(top.stdout.includes(c), c);
  const v = await run(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('usage errors: one line naming the problem, exit 2', async () => {
  const d = '/nonexistent/bh';
  const L = ['--listen', '0.0.0.0:51820'];
  const N = ['--name', 'a'];
  const cases: Array<[string[], RegExp]> = [
    [[], /missing or unknown command/],
    [['nosuch'], /unknown command 'nosuch'/],
    [['help', 'nosuch'], /missing or unknown command/],
    [['--bogus'], /unknown option '--bogus'/],
    [['init', '--config', d, ...L], /required option '--name <NAME>' not specified/],
    [['init', '--config', d, ...N], /required option '--listen <IP:PORT>' not specified/],
    [['init', '--config', d, '--name'], /option '--name <NAME>' argument missing/],
    [['init', '--config', d, '--name', 'bad name', ...L], /^bridgehead: invalid --name "bad name": name may only contain/],
    [['init', '--config', d, '--name', 'x'.repeat(33), ...L], /invalid --name "x{33}": name must be at most 32 characters/],
    [['init', '--config', d, ...N, '--listen', '1.2.3.4:99999'], /^bridgehead: invalid --listen "1\.2\.3\.4:99999": port must be 1\.\.65535$/],
    [['init', '--config', d, ...N, '--listen', '1.2.3.4'], /^bridgehead: invalid --listen "1\.2\.3\.4": missing ":PORT"$/],
    [['init', '--config', d, ...N, '--listen', 'host.example:51820'], /invalid --listen "host\.example:51820": address must be an IP literal/],
    [['init', '--config', d, ...N, '--listen', '::1:51820'], /invalid --listen "::1:51820": IPv6 addresses must be written in brackets/],
    [['init', '--config', d, ...N, ...L, '--endpoint', 'vpn.example.com:0'], /^bridgehead: invalid --endpoint "vpn\.example\.com:0": port must be 1\.\.65535$/],
    [['init', '--config', d, ...N, ...L, '--endpoint', 'bad_host:5'], /invalid --endpoint "bad_host:5"/],
    [['init', '--config', d, ...N, ...L, '--tap', 'averyveryverylongname'], /^bridgehead: invalid --tap "averyveryverylongname": interface name must be at most 15 bytes \(got 21\)$/],
    [['init', '--config', d, ...N, ...L, '--tap', 'a/b'], /invalid --tap "a\/b": interface name must not contain "\/" or ":"/],
    [['init', '--config', d, ...N, ...L, '--bridge', 'br 0'], /invalid --bridge "br 0": interface name must not contain whitespace/],
    [['init', '--config', d, ...N, ...L, '--bridge', '..'], /invalid --bridge "\.\.":/],
    [['init', '--config', d, ...N, ...L, '--bridge', 'bh0'], /invalid --bridge "bh0": must differ from --tap/],
    [['init', '--config', '', ...N, ...L], /invalid --config "": must not be empty/],
    [['init', '--config', d, ...N, ...L, '--forse'], /unknown option '--forse'/],
    [['init', '--config', d, ...N, ...L, 'extra'], /too many arguments for 'init'/],
    [['invite', '--config', d, '--expires', '5x'], /^bridgehead: invalid --expires "5x": expected a duration like 90s, 30m, 24h, 7d or plain seconds$/],
    [['invite', '--config', d, '--expires', '30s'], /invalid --expires "30s": must be between 1m and 30d/],
    [['invite', '--config', d, '--expires', '31d'], /invalid --expires "31d": must be between 1m and 30d/],
    [['invite', '--config', d, 'extra'], /too many arguments for 'invite'/],
    [['invite', '--config', d, '--endpoint', 'x:1'], /unknown option '--endpoint'/],
    [['join', '--config', d], /missing required argument 'TOKEN'/],
    [['join', '--config', d, 'a', 'b'], /too many arguments for 'join'/],
    [['join', '--config', d, 'bh1.AAAA', '--timeout', '0'], /invalid --timeout "0": must be between 1s and 10m/],
    [['join', '--config', d, 'bh1.AAAA', '--timeout', 'soon'], /invalid --timeout "soon"/],
    [['up', '--config', d, '--log-level', 'loud'], /^bridgehead: invalid --log-level "loud": log level must be one of trace, debug, info, warn, error$/],
    [['up', '--config', d, 'now'], /too many arguments for 'up'/],
    [['status', '--config', d, '--verbose'], /unknown option '--verbose'/],
    [['status', '--config', d, 'peers'], /too many arguments for 'status'/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(argv);
    try {
      assertUsage(r, re);
    } catch (e) {
      throw new Error(`argv ${JSON.stringify(argv)}: ${(e as Error).message}`);
    }
  }
});

test('buildProgram works with exitOverride for tests (commander errors are thrown)', async () => {
  let err = '';
  const program = buildProgram({ stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) } });
  program.exitOverride();
  await assert.rejects(program.parseAsync(['init', '--listen', '0.0.0.0:1'], { from: 'user' }), (e: unknown) => {
    assert.ok(e instanceof CommanderError);
    assert.equal(e.code, 'commander.missingMandatoryOptionValue');
    return true;
  });
  assert.equal(err, "bridgehead: required option '--name <NAME>' not specified\n");
});

test('init creates the identity with the right modes and refuses to overwrite without --force', async () => {
  const root = tmpDir();
  const dir = path.join(root, 'conf');
  try {
    const r = await run(['init', '--config', dir, '--name', 'site-a', '--listen', '[::]:51820', '--endpoint', 'VPN.example.com:51820', '--tap', 'bh7', '--bridge', 'br0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.outLines.length, 1);
    const pub = r.outLines[0];
    assert.equal(Buffer.from(pub, 'base64').length, 32);
    assert.match(r.stderr, /created identity "site-a"/);

    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    for (const f of ['bridgehead.json', 'private.key']) assert.equal(fs.statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['bridgehead.json', 'private.key']);
    const c = loadConfig(dir);
    assert.deepEqual(
      { name: c.name, listen: c.listen, endpoint: c.endpoint, tap: c.tap, bridge: c.bridge, peers: c.peers },
      { name: 'site-a', listen: { address: '::', port: 51820 }, endpoint: 'vpn.example.com:51820', tap: 'bh7', bridge: 'br0', peers: [] },
    );
    await crypto.ready();
    const priv = Buffer.from(fs.readFileSync(path.join(dir, 'private.key'), 'utf8').trim(), 'base64');
    assert.equal(Buffer.from(crypto.publicKey(priv)).toString('base64'), pub, 'printed key matches private.key');

    const again = await run(['init', '--config', dir, '--name', 'other', '--listen', '0.0.0.0:1']);
    assertFailure(again, /already holds an identity; use --force/);
    assert.equal(loadConfig(dir).name, 'site-a', 'untouched');

    // An invite made under the old identity must not survive --force.
    saveInvites(dir, [newInvite(Date.now(), HOUR, (n) => new Uint8Array(n).fill(1))]);
    const forced = await run(['init', '--config', dir, '--name', 'other', '--listen', '0.0.0.0:1', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(forced.outLines[0], pub, 'a new key');
    assert.equal(loadConfig(dir).name, 'other');
    assert.deepEqual(loadInvites(dir), []);
    assert.match(forced.stderr, /no --endpoint given/);
  } finally {
    rm(root);
  }
});

test('init --force refuses while a daemon answers on the config directory', async () => {
  const dir = tmpDir();
  try {
    await init(dir);
    const server = await startCtlsockServer(path.join(dir, 'bridgehead.sock'), { status: () => SAMPLE_STATUS });
    try {
      const r = await run(['init', '--config', dir, '--name', 'b', '--listen', '0.0.0.0:1', '--force']);
      assertFailure(r, /daemon is running on .*; stop it before replacing its identity/);
    } finally {
      await server.close();
    }
  } finally {
    rm(dir);
  }
});

test('BRIDGEHEAD_CONFIG is the default config directory', async () => {
  const dir = tmpDir();
  try {
    const r = await run(['status'], { env: { BRIDGEHEAD_CONFIG: dir } });
    assertFailure(r, new RegExp(`no control socket at ${dir}/bridgehead\\.sock`));
    if (!fs.existsSync('/etc/bridgehead/bridgehead.sock')) {
      const d = await run(['status']);
      assertFailure(d, /no control socket at \/etc\/bridgehead\/bridgehead\.sock/);
    }
  } finally {
    rm(dir);
  }
});

test('invite prints exactly one stdout line: a token that decodes to our identity', async () => {
  const dir = tmpDir();
  try {
    const pub = await init(dir, '--endpoint', '198.18.0.1:51820');
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const r = await run(['invite', '--config', dir, '--expires', '30m'], { now: () => now });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.outLines.length, 1);
    assert.ok(r.errLines.length >= 1, 'informational text on stderr');
    await crypto.ready();
    const t = decodeToken(r.outLines[0]);
    assert.equal(Buffer.from(t.inviterPublicKey).toString('base64'), pub);
    assert.deepEqual(t.endpoints, ['198.18.0.1:51820']);
    assert.equal(t.inviterName, 'site-a');
    assert.equal(t.expiresMs, now + 30 * 60_000);

    const list = loadInvites(dir);
    assert.equal(list.length, 1);
    assert.equal(list[0].id, Buffer.from(t.inviteId).toString('hex'));
    assert.equal(list[0].secret, Buffer.from(t.secret).toString('base64'));
    assert.equal(list[0].expiresAt, '2030-01-01T00:30:00.000Z');
    assert.equal(fs.statSync(path.join(dir, 'invites.json')).mode & 0o777, 0o600);

    const second = await run(['invite', '--config', dir], { now: () => now });
    assert.equal(second.code, 0);
    assert.equal(loadInvites(dir).length, 2, 'invites accumulate');
    assert.equal(decodeToken(second.outLines[0]).expiresMs, now + 24 * HOUR, 'default 24h');
  } finally {
    rm(dir);
  }
});

test('invite: endpoint from a specific listen address; refusal with a wildcard and no endpoint', async () => {
  const a = tmpDir();
  const b = tmpDir();
  try {
    await run(['init', '--config', a, '--name', 'a', '--listen', '198.18.0.5:4000']);
    const r = await run(['invite', '--config', a]);
    assert.equal(r.code, 0, r.stderr);
    await crypto.ready();
    assert.deepEqual(decodeToken(r.outLines[0]).endpoints, ['198.18.0.5:4000']);

    await init(b);
    const w = await run(['invite', '--config', b]);
    assertFailure(w, /no endpoint configured .*wildcard.*re-run "bridgehead init" with --endpoint HOST:PORT/);
    assert.equal(w.stdout, '');
    assert.equal(fs.existsSync(path.join(b, 'invites.json')), false);

    const none = await run(['invite', '--config', path.join(b, 'missing')]);
    assertFailure(none, /bridgehead\.json: not found \(run "bridgehead init/);
  } finally {
    rm(a);
    rm(b);
  }
});

test('invite: pending invites are bounded', async () => {
  const dir = tmpDir();
  try {
    await init(dir, '--endpoint', '198.18.0.1:51820');
    let c = 0;
    const rng = (n: number): Uint8Array => {
      const b = new Uint8Array(n).fill(7);
      new DataView(b.buffer).setUint32(0, ++c);
      return b;
    };
    saveInvites(dir, Array.from({ length: 50 }, () => newInvite(Date.now(), HOUR, rng)));
    const r = await run(['invite', '--config', dir]);
    assertFailure(r, /50 invites are still pending .*max 50/);
    assert.equal(r.stdout, '');
    assert.equal(loadInvites(dir).length, 50);
  } finally {
    rm(dir);
  }
});

test('join refuses malformed, tampered and expired tokens offline, with one line', async () => {
  const a = tmpDir();
  const b = tmpDir();
  try {
    await init(a, '--endpoint', '198.18.0.1:51820');
    await init(b);
    const inv = await run(['invite', '--config', a, '--expires', '1h']);
    const token = inv.outLines[0];

    assertUsage(await run(['join', '--config', b, 'hello']), /^bridgehead: invalid TOKEN: malformed invite token: it must start with "bh1\."$/);
    assertUsage(await run(['join', '--config', b, 'bh1.']), /invalid TOKEN: malformed invite token/);
    assertUsage(await run(['join', '--config', b, token.slice(0, -5)]), /invalid TOKEN: malformed invite token/);
    assertUsage(await run(['join', '--config', b, `${token}AAAA`]), /invalid TOKEN: malformed invite token/);
    const mid = 30;
    const flipped = token.slice(0, mid) + (token[mid] === 'A' ? 'B' : 'A') + token.slice(mid + 1);
    assertUsage(await run(['join', '--config', b, flipped]), /^bridgehead: invalid TOKEN: invite token checksum mismatch/);
    const r = await run(['join', '--config', b, `${token.slice(0, 20)}!${token.slice(21)}`]);
    assertUsage(r, /invalid character "!" at position 21/);
    assert.ok(!r.stderr.includes(token.slice(40)), 'the token (and its secret) is not echoed');

    await crypto.ready();
    const t = decodeToken(token);
    const expired = encodeToken({ ...t, expiresMs: Date.now() - 1000 });
    assertFailure(await run(['join', '--config', b, expired]), /^bridgehead: invite token expired at \d{4}-.*; ask "site-a" for a new invite$/);
    // Same token, but "now" is after its expiry.
    assertFailure(await run(['join', '--config', b, token], { now: () => t.expiresMs }), /invite token expired/);

    assertFailure(await run(['join', '--config', a, token]), /created by this appliance/);
    assertFailure(await run(['join', '--config', path.join(b, 'none'), token]), /no identity in .*; run "bridgehead init/);
  } finally {
    rm(a);
    rm(b);
  }
});

test('status: no daemon -> one line, exit 1; fake daemon -> text and --json', async () => {
  const dir = tmpDir();
  try {
    assertFailure(await run(['status', '--config', dir]), new RegExp(`^bridgehead: daemon not running \\(no control socket at ${dir}/bridgehead\\.sock\\)$`));
    assertFailure(await run(['status', '--config', dir, '--json']), /daemon not running/);

    let reply: unknown = SAMPLE_STATUS;
    const server = await startCtlsockServer(path.join(dir, 'bridgehead.sock'), {
      status: () => {
        if (reply instanceof Error) throw reply;
        return reply;
      },
    });
    try {
      const text = await run(['status', '--config', dir]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^interface: bh0 \(bridge br0\)\n/);
      assert.match(text.stdout, /\npeer: site-b\n/);
      assert.equal(text.stderr, '');

      const json = await run(['status', '--config', dir, '--json']);
      assert.equal(json.code, 0);
      assert.deepEqual(JSON.parse(json.stdout), SAMPLE_STATUS);

      reply = { hello: 1 };
      assertFailure(await run(['status', '--config', dir]), /unexpected status reply from the daemon/);
      reply = new Error('status unavailable: data plane stopped');
      assertFailure(await run(['status', '--config', dir]), /^bridgehead: status unavailable: data plane stopped$/);
    } finally {
      await server.close();
    }
  } finally {
    rm(dir);
  }
});

test('BRIDGEHEAD_DEBUG=1 adds the stack; without it there is none', async () => {
  const dir = tmpDir();
  try {
    const plain = await run(['invite', '--config', dir]);
    assert.equal(plain.errLines.length, 1);
    const dbg = await run(['invite', '--config', dir], { env: { BRIDGEHEAD_DEBUG: '1' } });
    assert.equal(dbg.code, 1);
    assert.equal(dbg.errLines[0], plain.errLines[0]);
    assert.ok(dbg.errLines.length > 1);
    assert.match(dbg.stderr, /\n\s+at /);
  } finally {
    rm(dir);
  }
});
