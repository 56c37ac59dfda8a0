// CLI of the peer lifecycle: peers, peer remove, peer set, reload, invites, invite revoke,
// completion. Usage errors (exit 2, one line), config edits under the lock, the reload of a
// (fake) running daemon and its refusal (exit 1), and "daemon not running" (edit kept, exit 0).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { run, rm, tmpDir } from './cli-helpers';
import { startCtlsockServer } from '../../src/daemon/ctlsock-server';
import { loadConfig, loadInvites, updateConfig } from '../../src/config/store';
import type { ReloadReply } from '../../src/ipc/reload-reply';
import { SAMPLE_STATUS } from './cli-status-fixture';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

async function withPeers(): Promise<string> {
  const d = tmpDir();
  const r = await run(['init', '--config', d, '--name', 'here', '--listen', '0.0.0.0:51820', '--endpoint', '198.18.0.1:51820']);
  assert.equal(r.code, 0, r.stderr);
  const peer = (name: string, publicKey: string, endpoint: string | null) => ({ name, publicKey, endpoint,
    psk: Buffer.alloc(32, 9).toString('base64'), persistentKeepaliveS: 25, addedAt: '2026-01-01T00:00:00.000Z' });
  updateConfig(d, (c) => ({ ...c, peers: [peer('alpha', KEY_A, '198.18.0.2:51820'), peer('beta', KEY_B, null)] }));
  return d;
}

test('peer commands: bad arguments are usage errors (exit 2, one line)', async () => {
  const d = await withPeers();
  try {
    const cases: Array<[string[], RegExp]> = [
      [['peer', 'remove', '--config', d], /missing required argument 'NAME'/],
      [['peer', 'remove', 'bad name', '--config', d], /^bridgehead: invalid NAME "bad name"/],
      [['peer', 'remove', 'alpha', 'beta', '--config', d], /too many arguments/],
      [['peer', 'set', 'alpha', '--config', d], /give --endpoint and\/or --keepalive/],
      [['peer', 'set', 'alpha', '--endpoint', '198.18.0.9', '--config', d], /invalid --endpoint "198\.18\.0\.9": missing ":PORT"/],
      [['peer', 'set', 'alpha', '--endpoint', '198.18.0.9:70000', '--config', d], /invalid --endpoint/],
      [['peer', 'set', 'alpha', '--keepalive', '-1', '--config', d], /--keepalive/],
      [['peer', 'frob', '--config', d], /unknown command 'frob'/],
      [['peers', 'x', '--config', d], /too many arguments/],
      [['reload', '--bogus', '--config', d], /unknown option '--bogus'/],
      [['invite', 'revoke', 'xyz', '--config', d], /invalid ID "xyz": expected 8\.\.32 hex digits/],
      [['completion', 'zsh'], /value 'zsh' is invalid for argument 'SHELL'/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.equal(r.errLines.length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.equal(loadConfig(d).peers.length, 2, 'nothing changed');
  } finally { rm(d); }
});

test('peers / peer set / peer remove without a daemon: the file changes, "not running" said, exit 0', async () => {
  const d = await withPeers();
  try {
    let r = await run(['peers', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.outLines[0], /^NAME\s+STATE\s+ENDPOINT\s+CONFIGURED\s+HANDSHAKE\s+RX\s+TX\s+PUBLIC KEY$/);
    assert.match(r.outLines[1], /^alpha\s+-\s+198\.18\.0\.2:51820\s+198\.18\.0\.2:51820\s+-\s+-\s+-\s+AQEB/);
    assert.match(r.outLines[2], /^beta\s+-\s+-\s+\(learned\)/);
    assert.equal(r.outLines[3], '(daemon not running)');
    r = await run(['peers', '--config', d, '--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.daemonRunning, false);
    assert.deepEqual(j.peers.map((p: { name: string }) => p.name), ['alpha', 'beta']);
    assert.ok(!r.stdout.includes('psk'), 'the psk is never printed');

    r = await run(['peer', 'set', 'alpha', '--endpoint', '[2001:db8::7]:4000', '--keepalive', '0', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.outLines[0], 'peer "alpha": endpoint 198.18.0.2:51820 -> [2001:db8::7]:4000, keepalive 25s -> 0s');
    assert.match(r.outLines[1], /daemon not running/);
    let c = loadConfig(d);
    assert.equal(c.peers[0].endpoint, '[2001:db8::7]:4000');
    assert.equal(c.peers[0].persistentKeepaliveS, 0);
    r = await run(['peer', 'set', 'alpha', '--endpoint', 'none', '--config', d, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).peer.endpoint, null);
    assert.equal(loadConfig(d).peers[0].endpoint, null);

    r = await run(['peer', 'remove', 'gamma', '--config', d]);
    assert.equal(r.code, 1);
    assert.match(r.errLines[0], /^bridgehead: no peer named "gamma" in .*bridgehead\.json \(peers: alpha, beta\)$/);
    r = await run(['peer', 'remove', 'alpha', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.outLines[0], /^removed peer "alpha" from /);
    c = loadConfig(d);
    assert.deepEqual(c.peers.map((p) => p.name), ['beta']);

    r = await run(['reload', '--config', d]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bridgehead: daemon not running/);
  } finally { rm(d); }
});

test('against a running daemon: peers merges the live view; edits reload it; a refused reload exits 1', async () => {
  const d = await withPeers();
  let reloads = 0;
  let refuse: string | null = null;
  const applied: ReloadReply = { ok: true, added: [], removed: [], updated: ['alpha'], needRestart: ['tap'] };
  const server = await startCtlsockServer(path.join(d, 'bridgehead.sock'), {
    status: () => SAMPLE_STATUS, // its peer site-b has KEY_B (beta here)
    reload: () => { reloads++; if (refuse) throw new Error(refuse); return applied; },
  });
  try {
    let r = await run(['peers', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.outLines[1], /^alpha\s+unknown\s+198\.18\.0\.2:51820\s+198\.18\.0\.2:51820\s+-\s+-\s+-\s+/);
    assert.match(r.outLines[2], /^beta\s+up\s+198\.18\.0\.2:51820\s+\(learned\)\s+65s ago\s+1268777\s+3482\s+AgIC/);
    assert.equal(r.outLines.length, 3);
    r = await run(['peers', '--config', d, '--json']);
    assert.equal(JSON.parse(r.stdout).daemonRunning, true);
    assert.equal(JSON.parse(r.stdout).peers[1].live.state, 'up');
    r = await run(['peer', 'set', 'alpha', '--endpoint', '198.18.0.3:51820', '--config', d]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.outLines.slice(1), ['reloaded: updated alpha', 'needs a restart to take effect: tap']);
    assert.equal(reloads, 1);
    r = await run(['reload', '--config', d, '--json']);
    assert.deepEqual(JSON.parse(r.stdout), applied);
    refuse = '/x/bridgehead.json: peers[0].endpoint: missing ":PORT"';
    r = await run(['reload', '--config', d]);
    assert.equal(r.code, 1);
    assert.equal(r.errLines.length, 1);
    assert.match(r.stderr, /reload refused: .*missing ":PORT"; the daemon keeps running with its previous config/);
    r = await run(['peer', 'remove', 'beta', '--config', d, '--json']);
    assert.equal(r.code, 1, 'the daemon refused: exit 1');
    const j = JSON.parse(r.stdout);
    assert.equal(j.daemon.ok, false);
    assert.equal(j.removed.name, 'beta');
    assert.equal(reloads, 4);
  } finally {
    await server.close();
    rm(d);
  }
});

test('invites / invite revoke: list without secrets, revoke by unique prefix, used ones refused', async () => {
  const d = await withPeers();
  const t0 = Date.parse('2026-06-01T00:00:00Z');
  try {
    for (let i = 0; i < 2; i++) assert.equal((await run(['invite', '--config', d, '--expires', '1h'], { now: () => t0 })).code, 0);
    let r = await run(['invites', '--config', d, '--json'], { now: () => t0 + 60_000 });
    const list = JSON.parse(r.stdout).invites as Array<{ id: string; state: string }>;
    assert.deepEqual(list.map((i) => i.state), ['pending', 'pending']);
    assert.ok(!r.stdout.includes('secret'));
    r = await run(['invites', '--config', d], { now: () => t0 + 2 * 3600_000 });
    assert.match(r.outLines[1], /^[0-9a-f]{32}\s+expired\s+/);

    r = await run(['invite', 'revoke', list[0].id.slice(0, 12).toUpperCase(), '--config', d], { now: () => t0 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `revoked invite ${list[0].id}\n`);
    assert.deepEqual(loadInvites(d).map((i) => i.id), [list[1].id]);
    r = await run(['invite', 'revoke', list[0].id, '--config', d]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no invite [0-9a-f]{32} in .*invites\.json/);

    const { updateInvites } = await import('../../src/config/store');
    updateInvites(d, (l) => l.map((i) => ({ ...i, usedAt: new Date(t0).toISOString(), usedBy: KEY_A })));
    r = await run(['invite', 'revoke', list[1].id, '--config', d]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already used by .*bridgehead peer remove NAME/);
  } finally { rm(d); }
});

test('completion bash: a valid script that completes commands, subcommands, options and choices', async () => {
  const r = await run(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  const d = tmpDir();
  try {
    const file = path.join(d, 'c.sh');
    fs.writeFileSync(file, r.stdout);
    const complete = (...words: string[]): string => execFileSync('bash', ['-c',
      `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _bridgehead; echo "\${COMPREPLY[*]}"`],
    { encoding: 'utf8' }).trim();
    assert.equal(complete('bridgehead', 'pe'), 'peers peer');
    assert.equal(complete('bridgehead', 'peer', ''), 'remove set help --help');
    assert.equal(complete('bridgehead', 'peer', 'set', 'alpha', '--e'), '--endpoint');
    assert.equal(complete('bridgehead', 'capture', '--where', ''), 'tap wan');
    assert.equal(complete('bridgehead', 'invite', 'revoke', 'ab', '--j'), '--json');
  } finally { rm(d); }
  const h = await run(['help', 'peer']);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /remove \[options\] <NAME>/);
});
