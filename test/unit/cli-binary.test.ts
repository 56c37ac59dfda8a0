// The built executable (dist/src/cli/main.js) run as a real process: exit codes and exactly one
// stderr line on errors, the shebang, and stdout discipline of `invite`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { rm, tmpDir } from './cli-helpers';

const MAIN = path.resolve(__dirname, '../../src/cli/main.js');

function bh(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const cleanEnv = { ...process.env, ...env };
  delete cleanEnv.BRIDGEHEAD_DEBUG;
  if (!('BRIDGEHEAD_CONFIG' in env)) delete cleanEnv.BRIDGEHEAD_CONFIG;
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: cleanEnv, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneErrorLine(r: { stderr: string }, re: RegExp): void {
  assert.match(r.stderr, /^bridgehead: [^\n]*\n$/, `exactly one stderr line, got ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, re);
}

test('the executable starts with a shebang', () => {
  assert.ok(fs.readFileSync(MAIN, 'utf8').startsWith('#!/usr/bin/env node\n'));
});

test('usage errors exit 2 with one stderr line', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /missing or unknown command/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['init', '--listen', '0.0.0.0:51820'], /required option '--name <NAME>'/],
    [['init', '--config', '/nonexistent', '--name', 'a', '--listen', '1.2.3.4:99999'], /^bridgehead: invalid --listen "1\.2\.3\.4:99999": port must be 1\.\.65535\n$/],
    [['init', '--name', 'a', '--listen', '0.0.0.0:1', '--tap', 'x'.repeat(16)], /invalid --tap/],
    [['invite', '--expires', '1y'], /invalid --expires "1y"/],
    [['status', '--bogus'], /unknown option '--bogus'/],
    [['join'], /missing required argument 'TOKEN'/],
    [['join', 'not-a-token'], /invalid TOKEN: malformed invite token/],
    [['up', 'extra'], /too many arguments for 'up'/],
  ];
  for (const [args, re] of cases) {
    const r = bh(args);
    assert.equal(r.code, 2, `${JSON.stringify(args)}: ${r.stderr}`);
    oneErrorLine(r, re);
    assert.equal(r.stdout, '');
  }
});

test('help and version exit 0', () => {
  const h = bh(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: bridgehead/);
  assert.equal(h.stderr, '');
  const v = bh(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('init, invite (one stdout line), status without daemon, runtime errors exit 1', () => {
  const root = tmpDir('bh-bin-');
  const dir = path.join(root, 'etc');
  try {
    const i = bh(['init', '--config', dir, '--name', 'site-a', '--listen', '0.0.0.0:51820', '--endpoint', '198.18.0.1:51820']);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.equal(fs.statSync(path.join(dir, 'private.key')).mode & 0o777, 0o600);

    const again = bh(['init', '--config', dir, '--name', 'site-a', '--listen', '0.0.0.0:51820']);
    assert.equal(again.code, 1);
    oneErrorLine(again, /already holds an identity/);

    const inv = bh(['invite', '--config', dir]);
    assert.equal(inv.code, 0, inv.stderr);
    assert.match(inv.stdout, /^bh1\.[A-Za-z0-9_-]+\n$/, 'stdout is exactly the token line');

    const env = bh(['status'], { BRIDGEHEAD_CONFIG: dir });
    assert.equal(env.code, 1);
    oneErrorLine(env, new RegExp(`^bridgehead: daemon not running \\(no control socket at ${dir}/bridgehead\\.sock\\)\n$`));

    const missing = bh(['invite', '--config', path.join(root, 'nope')]);
    assert.equal(missing.code, 1);
    oneErrorLine(missing, /bridgehead\.json: not found/);

    fs.writeFileSync(path.join(dir, 'bridgehead.json'), '{ broken');
    const corrupt = bh(['invite', '--config', dir]);
    assert.equal(corrupt.code, 1);
    oneErrorLine(corrupt, /bridgehead\.json: not valid JSON/);

    // `up` on a broken config: one line and exit 1, whatever the daemon is made of.
    const up = bh(['up', '--config', dir]);
    assert.equal(up.code, 1, up.stderr);
    oneErrorLine(up, /./);
  } finally {
    rm(root);
  }
});
