// The one check every JSON object of the config files goes through: it is an object, and it has
// only known fields (a typo is an error naming the field and the known ones, never ignored).

import { fieldName } from '../util/value-error';

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
