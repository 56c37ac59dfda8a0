// bridgehead.json: types, defaults, validation (parseConfig) and canonical formatting
// (formatConfig). Pure: no file system, no clock. Every error is one ConfigError line of the
// form `<source>: <field path>: <problem>: <value>`; unknown fields are errors so that typos
// never pass silently.

import { ConfigError } from './errors';
import {
  LOG_LEVELS,
  LogLevel,
  ValueError,
  formatHostPort,
  isWildcardAddress,
  parseBase64Key,
  parseHostPort,
  parseIfName,
  parseIsoTime,
  parseName,
  parsePublicKey,
  quote,
} from './validate';
import { isIP } from 'node:net';
import { LIMITS } from '../dataplane/limits';
import { formatCpuAffinity, parseCpuAffinity } from './cpu-affinity';
import { knownFields } from './fields';
import { MtuConfig, parseMtuConfig } from './mtu-config';
import { FailoverConfig, formatFailoverConfig, parseFailoverConfig } from './failover-config';
import { QosConfig, VOICE_RULES, formatQosConfig, parseQosConfig } from './qos-config';
import { MetricsConfig, formatMetricsConfig, parseMetricsConfig } from './metrics-config';
import { EvpnConfig, formatEvpnConfig, parseEvpnConfig } from './evpn-config';
import { type SegmentConfig, formatSegmentConfig, parseSegmentConfig } from './segment-config';
import { HaConfig, formatHaConfig, parseHaConfig } from './ha-config';
import { Topology, parseTopologyValue } from './topology-config';

export const CONFIG_VERSION = 1;
export const DEFAULT_TAP = 'bh0';
export const DEFAULT_MAC_TABLE_CAPACITY = 4096;
export const MAC_TABLE_CAPACITY_MIN = 16;
export const MAC_TABLE_CAPACITY_MAX = 1_048_576;
export const DEFAULT_MAC_AGE_S = 300;
export const MAC_AGE_S_MIN = 10;
export const MAC_AGE_S_MAX = 86_400;
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
export const DEFAULT_PERSISTENT_KEEPALIVE_S = 25;
export const PERSISTENT_KEEPALIVE_S_MAX = 65_535;
export const MAX_PEERS = 1024;

export interface PeerConfig {
  name: string;
  publicKey: string; // base64, 32 bytes
  endpoint: string | null; // "host:port"
  psk: string; // base64, 32 bytes
  persistentKeepaliveS: number; // 0 = off
  addedAt: string; // ISO-8601
}

export interface Config {
  version: 1;
  name: string;
  listen: { address: string; port: number };
  endpoint: string | null; // "host:port" others use to reach us
  tap: string;
  bridge: string | null;
  peers: PeerConfig[];
  macTableCapacity: number;
  macAgeS: number;
  logLevel: LogLevel;
  /** Fair-queued transmit path (fq_codel, docs/INTERNALS.md 2b); absent = the built-in default. */
  fairQueue?: boolean;
  /** TAP offloads (IFF_VNET_HDR + TSO, docs/INTERNALS.md section 1d); absent = the built-in default. */
  tapOffload?: boolean;
  /** Tunnel path MTU (src/config/mtu-config.ts); absent = the default. */
  mtu?: MtuConfig;
  /** Partial failover (src/config/failover-config.ts); absent = off. */
  failover?: FailoverConfig;
  /** QoS bands + WAN shaper (src/config/qos-config.ts); absent = off. */
  qos?: QosConfig;
  /** Nice value of the data-plane threads, -20..19 (src/daemon/thread-nice.ts); absent = the default. */
  threadNice?: number;
  /** CPU affinity of bh-rx/bh-tx: 'off', 'spread' or 'RX,TX' (src/config/cpu-affinity.ts, docs/INTERNALS.md 2g); absent = the default. */
  cpuAffinity?: string;
  /** Which data-plane thread reads the TAP (docs/INTERNALS.md 2f): 'auto' (default), 'light', 'pipeline'. */
  dataPath?: 'auto' | 'light' | 'pipeline';
  /** How the TAP is read (docs/INTERNALS.md 2h): 'read' (default, by measurement: one read() per frame),
   * 'auto' (io_uring chains when the kernel allows them, else read) or 'io_uring' (refuse to start without it). */
  tapReader?: 'auto' | 'io_uring' | 'read';
  /** Light path: busy-poll this many µs after activity before sleeping (0..20000; absent = the default). */
  busyPollUs?: number;
  /** Session rekey age in seconds, 10..120 (src/daemon/rekey-timer.ts); absent = 120. */
  rekeyAfterS?: number;
  /** Prometheus /metrics endpoint (src/config/metrics-config.ts); absent = off. */
  metrics?: MetricsConfig;
  /** VXLAN VNI of a BGP-EVPN fabric (src/config/evpn-config.ts); absent = off. */
  evpn?: EvpnConfig;
  /** The segment's kernel objects the appliance creates (src/config/segment-config.ts); absent = the operator's bridge. */
  segment?: SegmentConfig;
  /** Active/standby pair membership (src/config/ha-config.ts); absent = a single appliance. */
  ha?: HaConfig;
  /** Multi-site layout: 'hub' relays between its peers, 'mesh' never (src/config/topology-config.ts); absent = mesh. */
  topology?: Topology;
}

/** rekeyAfterS: shorter than WireGuard's 120 s only, and at least 10 s so one handshake (5 s retry) finishes first. */
export const REKEY_AFTER_S_RANGE = { min: 10, max: 120 } as const;

const TOP_KEYS = ['version', 'name', 'listen', 'endpoint', 'tap', 'bridge', 'macTableCapacity', 'macAgeS', 'logLevel', 'peers', 'fairQueue', 'mtu', 'failover', 'tapOffload', 'qos', 'threadNice', 'cpuAffinity', 'dataPath', 'tapReader', 'busyPollUs', 'rekeyAfterS', 'metrics', 'evpn', 'segment', 'ha'] as const;
const TOPOLOGY_KEYS = ['topology'] as const; // beside TOP_KEYS (src/config/topology-config.ts)
const LISTEN_KEYS = ['address', 'port'] as const;
const PEER_KEYS = ['name', 'publicKey', 'endpoint', 'psk', 'persistentKeepaliveS', 'addedAt'] as const;

type Obj = Record<string, unknown>;

class Checker {
  constructor(private readonly source: string) {}

  fail(path: string, problem: string, value?: unknown): never {
    const where = path ? `${path}: ` : '';
    const v = arguments.length >= 3 ? `: ${quote(value)}` : '';
    throw new ConfigError(`${this.source}: ${where}${problem}${v}`);
  }

  object(value: unknown, path: string, keys: readonly string[]): Obj {
    return knownFields(value, path, keys, (p, problem, ...v) => this.fail(p, problem, ...v));
  }

  has(o: Obj, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(o, key) && o[key] !== undefined;
  }

  required(o: Obj, key: string, path: string): unknown {
    if (!this.has(o, key)) this.fail(path, 'missing');
    return o[key];
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'expected a string', value);
    return value as string;
  }

  /** Run a string validator, turning its ValueError into a ConfigError for this field. */
  check<T>(value: unknown, path: string, fn: (s: string) => T): T {
    const s = this.string(value, path);
    try {
      return fn(s);
    } catch (e) {
      if (e instanceof ValueError) this.fail(path, e.message, s);
      throw e;
    }
  }

  integer(value: unknown, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(path, 'expected an integer', value);
    const n = value as number;
    if (n < min || n > max) this.fail(path, `must be ${min}..${max}`, n);
    return n;
  }
}

function canonicalEndpoint(s: string): string {
  const hp = parseHostPort(s);
  return formatHostPort(hp.host, hp.port);
}

function parsePeer(c: Checker, raw: unknown, path: string): PeerConfig {
  const o = c.object(raw, path, PEER_KEYS);
  const name = c.check(c.required(o, 'name', `${path}.name`), `${path}.name`, parseName);
  const publicKey = c.required(o, 'publicKey', `${path}.publicKey`);
  c.check(publicKey, `${path}.publicKey`, parsePublicKey);
  const psk = c.required(o, 'psk', `${path}.psk`);
  if (typeof psk !== 'string') c.fail(`${path}.psk`, 'expected a string');
  try {
    parseBase64Key(psk as string, 32);
  } catch (e) {
    // A secret: the value is never echoed.
    if (e instanceof ValueError) c.fail(`${path}.psk`, `${e.message} (value not shown)`);
    throw e;
  }
  let endpoint: string | null = null;
  if (c.has(o, 'endpoint') && o.endpoint !== null) {
    endpoint = c.check(o.endpoint, `${path}.endpoint`, canonicalEndpoint);
  }
  const persistentKeepaliveS = c.has(o, 'persistentKeepaliveS')
    ? c.integer(o.persistentKeepaliveS, `${path}.persistentKeepaliveS`, 0, PERSISTENT_KEEPALIVE_S_MAX)
    : endpoint !== null
      ? DEFAULT_PERSISTENT_KEEPALIVE_S
      : 0;
  const addedAtRaw = c.required(o, 'addedAt', `${path}.addedAt`);
  c.check(addedAtRaw, `${path}.addedAt`, parseIsoTime);
  return {
    name,
    publicKey: publicKey as string,
    endpoint,
    psk: psk as string,
    persistentKeepaliveS,
    addedAt: addedAtRaw as string,
  };
}

/**
 * Validate a parsed bridgehead.json and fill in defaults. `source` labels error messages (the
 * store passes the file's path).
 */
export function parseConfig(raw: unknown, source = 'bridgehead.json'): Config {
  const c = new Checker(source);
  const o = c.object(raw, '', [...TOP_KEYS, ...TOPOLOGY_KEYS]);

  const version = c.required(o, 'version', 'version');
  if (version !== CONFIG_VERSION) c.fail('version', `unsupported version (expected ${CONFIG_VERSION})`, version);

  const name = c.check(c.required(o, 'name', 'name'), 'name', (s) => parseName(s));

  const l = c.object(c.required(o, 'listen', 'listen'), 'listen', LISTEN_KEYS);
  const address = c.check(c.required(l, 'address', 'listen.address'), 'listen.address', (s) => {
    if (isIP(s) === 0) throw new ValueError('not an IP address (use 0.0.0.0 or :: for all addresses)');
    return s;
  });
  const port = c.integer(c.required(l, 'port', 'listen.port'), 'listen.port', 1, 65535);

  let endpoint: string | null = null;
  if (c.has(o, 'endpoint') && o.endpoint !== null) endpoint = c.check(o.endpoint, 'endpoint', canonicalEndpoint);

  const tap = c.has(o, 'tap') ? c.check(o.tap, 'tap', parseIfName) : DEFAULT_TAP;
  let bridge: string | null = null;
  if (c.has(o, 'bridge') && o.bridge !== null) bridge = c.check(o.bridge, 'bridge', parseIfName);
  if (bridge !== null && bridge === tap) c.fail('bridge', 'must differ from tap', bridge);

  const macTableCapacity = c.has(o, 'macTableCapacity')
    ? c.integer(o.macTableCapacity, 'macTableCapacity', MAC_TABLE_CAPACITY_MIN, MAC_TABLE_CAPACITY_MAX)
    : DEFAULT_MAC_TABLE_CAPACITY;
  const macAgeS = c.has(o, 'macAgeS') ? c.integer(o.macAgeS, 'macAgeS', MAC_AGE_S_MIN, MAC_AGE_S_MAX) : DEFAULT_MAC_AGE_S;
  let logLevel: LogLevel = DEFAULT_LOG_LEVEL;
  if (c.has(o, 'logLevel')) {
    const s = c.string(o.logLevel, 'logLevel');
    if (!(LOG_LEVELS as readonly string[]).includes(s)) c.fail('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`, s);
    logLevel = s as LogLevel;
  }

  const peers: PeerConfig[] = [];
  if (c.has(o, 'peers')) {
    if (!Array.isArray(o.peers)) c.fail('peers', 'expected an array', o.peers);
    const list = o.peers as unknown[];
    if (list.length > MAX_PEERS) c.fail('peers', `at most ${MAX_PEERS} peers`, list.length);
    const names = new Map<string, number>();
    const keys = new Map<string, number>();
    list.forEach((p, i) => {
      const peer = parsePeer(c, p, `peers[${i}]`);
      const dupName = names.get(peer.name);
      if (dupName !== undefined) c.fail(`peers[${i}].name`, `duplicate of peers[${dupName}].name`, peer.name);
      const dupKey = keys.get(peer.publicKey);
      if (dupKey !== undefined) c.fail(`peers[${i}].publicKey`, `duplicate of peers[${dupKey}].publicKey`, peer.publicKey);
      names.set(peer.name, i);
      keys.set(peer.publicKey, i);
      peers.push(peer);
    });
  }

  const cfg: Config = { version: 1, name, listen: { address, port }, endpoint, tap, bridge, peers, macTableCapacity, macAgeS, logLevel };
  if (c.has(o, 'fairQueue')) {
    if (typeof o.fairQueue !== 'boolean') c.fail('fairQueue', 'expected true or false', o.fairQueue);
    cfg.fairQueue = o.fairQueue as boolean;
  }
  if (c.has(o, 'tapOffload')) {
    if (typeof o.tapOffload !== 'boolean') c.fail('tapOffload', 'expected true or false', o.tapOffload);
    cfg.tapOffload = o.tapOffload as boolean;
  }
  if (c.has(o, 'threadNice')) {
    const n = o.threadNice;
    const { min, max } = LIMITS.threadNice;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) c.fail('threadNice', `expected an integer from ${min} to ${max}`, n);
    cfg.threadNice = n as number;
  }
  if (c.has(o, 'cpuAffinity')) {
    const a = parseCpuAffinity(o.cpuAffinity);
    if (typeof a === 'string') return c.fail('cpuAffinity', a);
    cfg.cpuAffinity = formatCpuAffinity(a);
  }
  if (c.has(o, 'dataPath')) {
    const d = o.dataPath;
    if (d !== 'auto' && d !== 'light' && d !== 'pipeline') c.fail('dataPath', "expected 'auto', 'light' or 'pipeline'", d);
    cfg.dataPath = d as 'auto' | 'light' | 'pipeline';
  }
  if (c.has(o, 'tapReader')) {
    const r = o.tapReader;
    if (r !== 'auto' && r !== 'io_uring' && r !== 'read') c.fail('tapReader', "expected 'auto', 'io_uring' or 'read'", r);
    cfg.tapReader = r as 'auto' | 'io_uring' | 'read';
  }
  if (c.has(o, 'busyPollUs')) cfg.busyPollUs = c.integer(o.busyPollUs, 'busyPollUs', LIMITS.busyPollUs.min, LIMITS.busyPollUs.max);
  if (c.has(o, 'rekeyAfterS')) cfg.rekeyAfterS = c.integer(o.rekeyAfterS, 'rekeyAfterS', REKEY_AFTER_S_RANGE.min, REKEY_AFTER_S_RANGE.max);
  if (c.has(o, 'mtu')) cfg.mtu = parseMtuConfig(o.mtu, (path, problem, ...v) => c.fail(path, problem, ...v));
  if (c.has(o, 'failover')) cfg.failover = parseFailoverConfig(o.failover, (path, problem, ...v) => c.fail(path, problem, ...v), endpoint);
  if (c.has(o, 'qos')) cfg.qos = parseQosConfig(o.qos, (path, problem, ...v) => c.fail(path, problem, ...v));
  if (c.has(o, 'metrics')) cfg.metrics = parseMetricsConfig(o.metrics, (path, problem, ...v) => c.fail(path, problem, ...v));
  if (c.has(o, 'evpn')) {
    cfg.evpn = parseEvpnConfig(o.evpn, (path, problem, ...v) => c.fail(path, problem, ...v),
      { bridge, failoverEnabled: cfg.failover?.enabled === true });
  }
  if (c.has(o, 'segment')) {
    const fail = (path: string, problem: string, ...v: unknown[]): never => c.fail(path, problem, ...v);
    const seg = parseSegmentConfig(o.segment, fail, { bridge, tap });
    if (seg.type === 'vxlan' && cfg.evpn?.enabled && (cfg.evpn.vni !== seg.vni || cfg.evpn.vxlanDevice !== seg.device)) {
      fail('segment', `must be the evpn section's VNI ${cfg.evpn.vni} and device ${cfg.evpn.vxlanDevice}`, seg);
    }
    cfg.segment = seg;
  }
  if (c.has(o, 'ha')) cfg.ha = parseHaConfig(o.ha, (path, problem, ...v) => c.fail(path, problem, ...v));
  if (c.has(o, 'topology')) cfg.topology = parseTopologyValue(o.topology, (path, problem, ...v) => c.fail(path, problem, ...v));
  return cfg;
}

/** Canonical text of a config: fixed key order, two-space JSON, trailing newline. */
export function formatConfig(c: Config): string {
  const ordered = {
    version: c.version,
    name: c.name,
    listen: { address: c.listen.address, port: c.listen.port },
    endpoint: c.endpoint,
    tap: c.tap,
    bridge: c.bridge,
    macTableCapacity: c.macTableCapacity,
    macAgeS: c.macAgeS,
    logLevel: c.logLevel,
    ...(c.fairQueue !== undefined ? { fairQueue: c.fairQueue } : {}),
    ...(c.mtu !== undefined
      ? { mtu: { pathMtu: c.mtu.pathMtu, mssClamp: c.mtu.mssClamp, ...(c.mtu.maxFrameSize !== undefined ? { maxFrameSize: c.mtu.maxFrameSize } : {}) } }
      : {}),
    ...(c.tapOffload !== undefined ? { tapOffload: c.tapOffload } : {}),
    ...(c.failover !== undefined ? { failover: formatFailoverConfig(c.failover) } : {}),
    ...(c.qos !== undefined ? { qos: formatQosConfig(c.qos) } : {}),
    ...(c.threadNice !== undefined ? { threadNice: c.threadNice } : {}),
    ...(c.cpuAffinity !== undefined ? { cpuAffinity: c.cpuAffinity } : {}),
    ...(c.dataPath !== undefined ? { dataPath: c.dataPath } : {}),
    ...(c.tapReader !== undefined ? { tapReader: c.tapReader } : {}),
    ...(c.busyPollUs !== undefined ? { busyPollUs: c.busyPollUs } : {}),
    ...(c.rekeyAfterS !== undefined ? { rekeyAfterS: c.rekeyAfterS } : {}),
    ...(c.metrics !== undefined ? { metrics: formatMetricsConfig(c.metrics) } : {}),
    ...(c.evpn !== undefined ? { evpn: formatEvpnConfig(c.evpn) } : {}),
    ...(c.segment !== undefined ? { segment: formatSegmentConfig(c.segment) } : {}),
    ...(c.ha !== undefined ? { ha: formatHaConfig(c.ha) } : {}),
    ...(c.topology !== undefined ? { topology: c.topology } : {}),
    peers: c.peers.map((p) => ({
      name: p.name,
      publicKey: p.publicKey,
      endpoint: p.endpoint,
      psk: p.psk,
      persistentKeepaliveS: p.persistentKeepaliveS,
      addedAt: p.addedAt,
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A fresh config with defaults (what `bridgehead init` writes). */
export function newConfig(opts: {
  name: string;
  listen: { address: string; port: number };
  endpoint?: string | null;
  tap?: string;
  bridge?: string | null;
  /** partial failover on, serving this site (`init --site`); absent = no failover section */
  site?: 'tenant' | 'provider';
  /** QoS on with this shaper rate and the voice rules (`init --wan-rate`); absent = no qos section */
  wanRateMbit?: number;
  /** Prometheus /metrics on (`init --metrics [IP:PORT]`): true = the default loopback address */
  metrics?: string | true;
  /** multi-site layout (`init --topology`); absent = no topology key (mesh) */
  topology?: Topology;
}): Config {
  return parseConfig({
    version: 1,
    name: opts.name,
    listen: opts.listen,
    endpoint: opts.endpoint ?? null,
    tap: opts.tap ?? DEFAULT_TAP,
    bridge: opts.bridge ?? null,
    peers: [],
    ...(opts.site !== undefined ? { failover: { enabled: true, site: opts.site } } : {}),
    ...(opts.wanRateMbit !== undefined ? { qos: { wanRateMbit: opts.wanRateMbit, rules: VOICE_RULES } } : {}),
    ...(opts.metrics !== undefined ? { metrics: opts.metrics === true ? { enabled: true } : { enabled: true, listen: opts.metrics } } : {}),
    ...(opts.topology !== undefined ? { topology: opts.topology } : {}),
  });
}

/** The "host:port" peers should use to reach us, or null when we cannot tell (wildcard listen
 *  and no configured endpoint). */
export function advertisedEndpoint(c: Config): string | null {
  if (c.endpoint !== null) return c.endpoint;
  if (isWildcardAddress(c.listen.address)) return null;
  return formatHostPort(c.listen.address, c.listen.port);
}
