// The `mtu` section of bridgehead.json (docs/INTERNALS.md section 4): the tunnel's path MTU
// towards the peers. Pure validation; config.ts calls it.

export const PATH_MTU_MIN = 576;
export const PATH_MTU_MAX = 65535;

export interface MtuConfig {
  /** pinned path MTU (bytes of the outer IP packet) towards every peer; null = the default */
  pathMtu: number | null;
  /** lower the MSS of TCP SYNs crossing the tunnel to fit the path MTU (default false) */
  mssClamp: boolean;
}

type Fail = (path: string, problem: string, value?: unknown) => never;

export function parseMtuConfig(raw: unknown, fail: Fail): MtuConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('mtu', 'expected a JSON object', raw);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'pathMtu' && k !== 'mssClamp') fail(`mtu.${k}`, 'unknown field (known: pathMtu, mssClamp)');
  const mssClamp = o.mssClamp ?? false;
  if (typeof mssClamp !== 'boolean') fail('mtu.mssClamp', 'expected true or false', mssClamp);
  const v = o.pathMtu ?? null;
  if (v === null) return { pathMtu: null, mssClamp: mssClamp as boolean };
  if (typeof v !== 'number' || !Number.isInteger(v) || v < PATH_MTU_MIN || v > PATH_MTU_MAX)
    fail('mtu.pathMtu', `expected null or an integer ${PATH_MTU_MIN}..${PATH_MTU_MAX}`, v);
  return { pathMtu: v as number, mssClamp: mssClamp as boolean };
}
