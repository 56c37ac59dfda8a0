// The one check every JSON object of the config files goes through: it is an object, and it has
// only known fields (a typo is an error naming the field and the known ones, never ignored).

import { ValueError, fieldName } from '../util/value-error';
import { parseIfName } from './validate';

export type Fail = (path: string, problem: string, value?: unknown) => never;
export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** raw as an object whose keys are all in `keys`; else fail(path, notObject, raw) or
 *  fail('<path>.<key>', 'unknown field (known: ...)'). */
export function knownFields(raw: unknown, path: string, keys: readonly string[], fail: Fail,
  notObject = 'expected a JSON object'): Obj {
  if (!isObject(raw)) fail(path, notObject, raw);
  const o = raw as Obj;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail(path ? `${path}.${fieldName(k)}` : fieldName(k), `unknown field (known: ${keys.join(', ')})`);
  }
  return o;
}

/** v as an integer within r; else fail(path, 'expected an integer from MIN to MAX', v). */
export function intInRange(v: unknown, path: string, r: { min: number; max: number }, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < r.min || v > r.max) fail(path, `expected an integer from ${r.min} to ${r.max}`, v);
  return v as number;
}

/** v as a Linux interface name (parseIfName's rules); else fail(path, why, v). */
export function ifNameField(v: unknown, path: string, fail: Fail): string {
  if (typeof v !== 'string') fail(path, 'expected an interface name', v);
  try { return parseIfName(v as string); } catch (e) {
    if (e instanceof ValueError) fail(path, e.message, v);
    throw e;
  }
}
