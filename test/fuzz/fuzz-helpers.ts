// Shared pieces of the JS fuzz properties (test/fuzz/*.test.ts, fast-check):
//  - how many runs: BH_FUZZ_RUNS (scripts/fuzz.sh sets 1,000,000; npm test uses the default);
//  - the contract of every parser of untrusted input: it returns a value, or throws its own
//    error type with one clear line; never a TypeError/RangeError or any other crash;
//  - structured mutations of valid seeds: byte edits of a valid encoding, and JSON edits (set a
//    field anywhere in the tree to another JSON value, delete it, add an unknown one).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';

export const DEFAULT_RUNS = 1000;

export function fuzzRuns(def = DEFAULT_RUNS): number {
  const raw = process.env.BH_FUZZ_RUNS;
  if (raw === undefined || raw === '') return def;
  if (!/^[1-9][0-9]*$/.test(raw)) throw new Error(`BH_FUZZ_RUNS=${JSON.stringify(raw)}: expected a positive integer`);
  return Number(raw);
}

/** fc.assert parameters: fixed seed in npm test (reproducible), random in a campaign. */
export function fcParams(runs = fuzzRuns()): fc.Parameters<unknown> {
  const seeded = process.env.BH_FUZZ_RUNS === undefined;
  return { numRuns: runs, ...(seeded ? { seed: 0x6b1d } : {}), endOnFailure: true };
}

/** Seeds live in the source tree (test/fuzz/seeds), read from the compiled test as well. */
export function seedPath(name: string): string {
  const here = path.join(__dirname, 'seeds', name);
  if (fs.existsSync(here)) return here;
  return path.join(__dirname, '..', '..', '..', 'test', 'fuzz', 'seeds', name);
}
export function readSeed(name: string): string {
  return fs.readFileSync(seedPath(name), 'utf8');
}

type ErrorClass = new (...args: never[]) => Error;

/** Runs fn: a value is fine; an error must be an instance of `own` (not a TypeError/RangeError
 *  from a crash inside the parser) with a non-empty one-line message of bounded length. */
export function returnsOrThrowsOwn<T>(fn: () => T, own: ErrorClass): { ok: true; value: T } | { ok: false; error: Error } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!(e instanceof own)) {
      assert.fail(`expected a value or a ${own.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n${(e as Error)?.stack ?? ''}`);
    }
    assert.ok(e.message.length > 0 && e.message.length <= 1000, `error message length ${e.message.length}`);
    assert.ok(!/[\r\n]/.test(e.message), `error message is not one line: ${JSON.stringify(e.message)}`);
    return { ok: false, error: e };
  }
}

// ------------------------------------------------------------------------------- byte mutations

export interface ByteEdit { op: number; pos: number; val: number; len: number }

export const byteEdits = fc.array(
  fc.record({ op: fc.integer({ min: 0, max: 5 }), pos: fc.nat(), val: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 1, max: 16 }) }),
  { minLength: 1, maxLength: 6 },
);

/** Applies edits to a copy: flip a bit, set a byte, insert, delete a range, truncate, duplicate a range. */
export function mutateBytes(seed: Uint8Array, edits: ByteEdit[]): Uint8Array {
  let b = Buffer.from(seed);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.pos % b.length;
    switch (e.op) {
      case 0: if (b.length) b[at] ^= 1 << (e.val & 7); break;
      case 1: if (b.length) b[at] = e.val; break;
      case 2: b = Buffer.concat([b.subarray(0, at), Buffer.from([e.val]), b.subarray(at)]); break;
      case 3: b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]); break;
      case 4: b = b.subarray(0, at); break;
      default: b = Buffer.concat([b.subarray(0, at + e.len), b.subarray(at)]); break;
    }
  }
  return new Uint8Array(b);
}

// -------------------------------------------------------------------------------- JSON mutations

export interface JsonEdit { path: number; op: number; value: unknown; key: string }

export const jsonEdits = fc.array(
  fc.record({
    path: fc.nat(),
    op: fc.integer({ min: 0, max: 3 }),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(-1, 0, 1, 65535, 65536, 1e308, -0, 0.5, '', ' ', 'x'.repeat(300), '198.18.0.1:1', '[::1]:0', null, [], {}),
    ),
    key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
  }),
  { minLength: 1, maxLength: 4 },
);

/** Every path (arrays of keys) inside a JSON value, the root included. */
function paths(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

/** Applies edits to a deep copy: replace a node, delete it, add an unknown key beside it, or
 *  replace it by a JSON value of another shape. The root may be replaced too. */
export function mutateJson(seed: unknown, edits: JsonEdit[]): unknown {
  let root: unknown = JSON.parse(JSON.stringify(seed));
  for (const e of edits) {
    const all = paths(root);
    const p = all[e.path % all.length];
    if (p.length === 0) {
      if (e.op === 0) root = e.value;
      continue;
    }
    const parent = p.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], root) as Record<string | number, unknown> | unknown[];
    const k = p[p.length - 1];
    if (e.op === 1) {
      if (Array.isArray(parent)) parent.splice(k as number, 1);
      else delete parent[k];
    } else if (e.op === 2 && !Array.isArray(parent)) {
      Object.defineProperty(parent, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
    } else {
      (parent as Record<string | number, unknown>)[k] = e.value;
    }
  }
  return root;
}
