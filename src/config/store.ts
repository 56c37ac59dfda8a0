// The config directory on disk (docs/INTERNALS.md section 4):
//
//   bridgehead.json  0600  Config (formatConfig)
//   private.key      0600  base64 X25519 private key + "\n"
//   invites.json     0600  Invite[] (formatInvites)
//   bridgehead.sock  0600  control socket of the running daemon (not touched here)
//   .bridgehead.lock 0600  short-lived lock for read-modify-write (updateConfig/updateInvites)
//
// Every write is atomic: temp file in the same directory (0600, exclusive create), write,
// fsync, rename over the target, fsync the directory. The directory is created 0700 when
// missing. Every failure is one ConfigError line naming the path and the problem.
// Synchronous on purpose: the files are tiny and the CLI and daemon both want simple ordering.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from './errors';
import { Config, formatConfig, parseConfig } from './config';
import { Invite, formatInvites, parseInvites } from './invites';
import { ValueError, parseBase64Key } from './validate';

export const DEFAULT_CONFIG_DIR = '/etc/bridgehead';
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const LOCK_WAIT_MS = 5000;
const LOCK_STALE_MS = 30_000;

export interface ConfigPaths {
  dir: string;
  config: string;
  privateKey: string;
  invites: string;
  socket: string;
  lock: string;
}

export function configPaths(dir: string): ConfigPaths {
  const d = path.resolve(dir);
  return {
    dir: d,
    config: path.join(d, 'bridgehead.json'),
    privateKey: path.join(d, 'private.key'),
    invites: path.join(d, 'invites.json'),
    socket: path.join(d, 'bridgehead.sock'),
    lock: path.join(d, '.bridgehead.lock'),
  };
}

function errCode(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function describe(e: unknown): string {
  switch (errCode(e)) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EROFS':
      return 'read-only file system';
    default:
      return e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e);
  }
}

/** Create the config directory (0700) if missing; refuse a path that is not a directory. */
export function ensureConfigDir(dir: string): void {
  const d = path.resolve(dir);
  try {
    fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new ConfigError(`${d}: cannot create config directory: ${describe(e)}`);
  }
  const st = fs.statSync(d);
  if (!st.isDirectory()) throw new ConfigError(`${d}: not a directory`);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename itself already happened.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Atomically replace `file` with `data` (mode 0600 unless told otherwise). */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
    fs.fchmodSync(fd, mode); // umask may have narrowed it; never leave it wider than asked
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* not created or already renamed */
    }
    throw new ConfigError(`${file}: cannot write: ${describe(e)}`);
  }
  fsyncDir(dir);
}

function readText(file: string, missingHint: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const hint = errCode(e) === 'ENOENT' && missingHint ? ` (${missingHint})` : '';
    throw new ConfigError(`${file}: ${describe(e)}${hint}`);
  }
  if (!st.isFile()) throw new ConfigError(`${file}: not a regular file`);
  if (st.size > MAX_FILE_BYTES) throw new ConfigError(`${file}: too large (${st.size} bytes, max ${MAX_FILE_BYTES})`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: ${describe(e)}`);
  }
}

function parseJsonFile(file: string, text: string): unknown {
  if (text.trim() === '') throw new ConfigError(`${file}: empty file`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e);
    throw new ConfigError(`${file}: not valid JSON: ${msg}`);
  }
}

function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

// --- lock ----------------------------------------------------------------------------------

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}

/**
 * Run `fn` holding the directory's lock file (exclusive create). A lock left by a dead process,
 * or older than 30 s (the critical sections take microseconds), is broken.
 */
export function withConfigLock<T>(dir: string, fn: () => T, waitMs = LOCK_WAIT_MS): T {
  const p = configPaths(dir);
  ensureConfigDir(p.dir);
  const deadline = Date.now() + waitMs;
  let fd: number | undefined;
  for (;;) {
    try {
      fd = fs.openSync(p.lock, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      break;
    } catch (e) {
      if (fd !== undefined) {
        fs.closeSync(fd);
        fd = undefined;
      }
      if (errCode(e) !== 'EEXIST') throw new ConfigError(`${p.lock}: cannot create lock: ${describe(e)}`);
    }
    let holder = NaN;
    let stale = false;
    try {
      const st = fs.statSync(p.lock);
      holder = Number.parseInt(fs.readFileSync(p.lock, 'utf8'), 10);
      stale = Date.now() - st.mtimeMs > LOCK_STALE_MS || (Number.isInteger(holder) && holder > 0 && !pidAlive(holder));
    } catch {
      continue; // vanished meanwhile: retry at once
    }
    if (stale) {
      try {
        fs.unlinkSync(p.lock);
      } catch {
        /* someone else broke it */
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new ConfigError(`${p.lock}: config directory locked by process ${Number.isInteger(holder) ? holder : '?'}`);
    }
    sleepSync(10);
  }
  try {
    return fn();
  } finally {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(p.lock);
    } catch {
      /* broken as stale by someone else: nothing to do */
    }
  }
}

// --- config --------------------------------------------------------------------------------

export function loadConfig(dir: string): Config {
  const p = configPaths(dir);
  return parseConfigText(readText(p.config, `run "bridgehead init --config ${p.dir}" first`), p.config);
}

/** A config file's text (as read from disk) to a Config; ConfigError naming `file` otherwise. */
export function parseConfigText(text: string, file: string): Config {
  return parseConfig(parseJsonFile(file, text), file);
}

function writeConfig(p: ConfigPaths, c: Config): void {
  // Validate what we are about to write: a bug elsewhere must not leave an unloadable file.
  const text = formatConfig(c);
  parseConfig(JSON.parse(text), `${p.config} (refusing to save)`);
  writeFileAtomic(p.config, text);
}

export function saveConfig(dir: string, c: Config): void {
  const p = configPaths(dir);
  withConfigLock(p.dir, () => writeConfig(p, c));
}

/** Locked read-modify-write of bridgehead.json; returns what was saved. */
export function updateConfig(dir: string, fn: (c: Config) => Config): Config {
  const p = configPaths(dir);
  return withConfigLock(p.dir, () => {
    const next = fn(loadConfig(p.dir));
    writeConfig(p, next);
    return next;
  });
}

// --- private key ---------------------------------------------------------------------------

export function loadPrivateKey(dir: string): Uint8Array {
  const p = configPaths(dir);
  const text = readText(p.privateKey, `run "bridgehead init --config ${p.dir}" first`);
  try {
    return parseBase64Key(text.trim(), 32);
  } catch (e) {
    if (e instanceof ValueError) throw new ConfigError(`${p.privateKey}: ${e.message} (value not shown)`);
    throw e;
  }
}

export function savePrivateKey(dir: string, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new ConfigError('private key must be 32 bytes');
  const p = configPaths(dir);
  ensureConfigDir(p.dir);
  writeFileAtomic(p.privateKey, `${Buffer.from(key).toString('base64')}\n`);
}

/** True when the directory already holds an identity (a private key or a config). */
export function identityExists(dir: string): boolean {
  const p = configPaths(dir);
  return exists(p.privateKey) || exists(p.config);
}

// --- invites -------------------------------------------------------------------------------

/** invites.json; a missing file is an empty list. */
export function loadInvites(dir: string): Invite[] {
  const p = configPaths(dir);
  if (!exists(p.invites)) return [];
  return parseInvitesText(readText(p.invites, ''), p.invites);
}

/** An invites file's text to the list; ConfigError naming `file` otherwise. */
export function parseInvitesText(text: string, file: string): Invite[] {
  return parseInvites(parseJsonFile(file, text), file);
}

function writeInvites(p: ConfigPaths, list: readonly Invite[]): void {
  const text = formatInvites(list);
  parseInvites(JSON.parse(text), `${p.invites} (refusing to save)`);
  writeFileAtomic(p.invites, text);
}

export function saveInvites(dir: string, list: readonly Invite[]): void {
  const p = configPaths(dir);
  withConfigLock(p.dir, () => writeInvites(p, list));
}

/** Locked read-modify-write of invites.json (the CLI adds, the daemon marks used). */
export function updateInvites(dir: string, fn: (list: Invite[]) => Invite[]): Invite[] {
  const p = configPaths(dir);
  return withConfigLock(p.dir, () => {
    const next = fn(loadInvites(p.dir));
    writeInvites(p, next);
    return next;
  });
}

// --- permissions ---------------------------------------------------------------------------

/** One warning line per secret file readable or writable by group/others (for the daemon log). */
export function permissionWarnings(dir: string): string[] {
  const p = configPaths(dir);
  const out: string[] = [];
  for (const f of [p.config, p.privateKey, p.invites]) {
    try {
      const mode = fs.statSync(f).mode & 0o777;
      if (mode & 0o077) out.push(`${f}: mode ${mode.toString(8).padStart(4, '0')} is accessible by others; should be 0600`);
    } catch {
      /* missing files are reported elsewhere */
    }
  }
  return out;
}
