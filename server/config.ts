/**
 * Configuration: the only module that reads `process.env`. Options come from (highest first) command-line flags,
 * environment variables, an optional JSON file (`--config` / `LWTWIN_CONFIG`), and the documented defaults.
 * Everything is validated once at start-up; a bad value stops start-up with a message naming the option.
 */
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ALL_RANGE_INDEX_PATHS, canonicalPaths, DEFAULT_RANGE_INDEX_PATHS, invalidPathReason } from './twin/range-index-paths.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Per-object / per-resource observation attributes, keyed by object id or `objectId/resourceId`. */
export type ObserveAttributeOverrides = Record<string, { pmin?: number; pmax?: number }>;

export interface LwTwinConfig {
  /** UDP port of the CoAP server. @defaultValue 5683 */
  coapPort: number;
  /** Address the CoAP socket binds to. @defaultValue '0.0.0.0' */
  coapHost: string;
  /** UDP port of the CoAP-over-DTLS (coaps) server (RFC 7252 §9.1: 5684). @defaultValue 5684 */
  coapsPort: number;
  /** PEM file with the server's P-256 private key for ECDHE_ECDSA (RPK/X.509); unset: an ephemeral key per process. @defaultValue undefined */
  dtlsKey?: string;
  /** PEM file with the server's certificate chain (leaf first) for X.509 devices. @defaultValue undefined */
  dtlsCert?: string;
  /** PEM file with the CA certificates X.509 devices must chain to. @defaultValue undefined (X.509 devices refused) */
  dtlsCa?: string;
  /** Refuse plain CoAP registrations: only DTLS-authenticated devices may register. @defaultValue false */
  requireDtls: boolean;
  /** HTTP API port. @defaultValue 8080 */
  httpPort: number;
  /** Address the HTTP API binds to. @defaultValue '0.0.0.0' */
  httpHost: string;
  /** Redis connection URL; with `redisCluster`, one or more seed node URLs, comma-separated. @defaultValue 'redis://127.0.0.1:6379' */
  redisUrl: string;
  /** Connect to a Redis Cluster (server/store/redis-client.ts). @defaultValue false */
  redisCluster: boolean;
  /**
   * Several server processes: one whose heartbeat is older than this is dead (its job queue is adopted, the
   * fleet-wide sweeps move to another process). Heartbeats go every quarter of it. @defaultValue 10000
   */
  nodeTimeoutMs: number;
  /** BullMQ lock of a running device job, ms: a job of a killed process runs again elsewhere after this. @defaultValue 10000 */
  jobLockMs: number;
  /** Prefix of every Redis key. @defaultValue 'lwtwin:' */
  redisPrefix: string;
  /**
   * Twin path prefixes whose numeric leaves the range index keeps (server/twin/number-index.ts, canonical form of
   * server/twin/range-index-paths.ts; empty: off), for range queries on them. Each indexed reported number costs the
   * notify path a ZADD and a ZREM (the notify bench in BENCHMARKS.md: ~30 % of its throughput with every reported
   * number indexed) and ~140 bytes of Redis memory per leaf; a range query on a path not covered scans every twin.
   * Flag values: `off`, `all`, or a comma-separated list of prefixes. Give every process the same setting.
   * @defaultValue ['properties.desired', 'tags']
   */
  twinRangeIndex: readonly string[];
  /** Identity of this server process; jobs for a device run on the process owning its socket. Stable across restarts. @defaultValue `<hostname>:<coapPort>` */
  serverId: string;
  /** Extra directories of OMA DDF XML object definitions. @defaultValue [] */
  objectsDirs: string[];
  /** Deadline of one request to a device, ms. @defaultValue 10000 */
  requestTimeoutMs: number;
  /** Seconds a registration may outlive its lifetime before it expires. @defaultValue 10 */
  lifetimeGraceSec: number;
  /** A queue-mode device counts as asleep after this much silence, ms (MAX_TRANSMIT_WAIT). @defaultValue 93000 */
  queueModeAwakeMs: number;
  /** Default observation minimum period, s. @defaultValue 300 */
  observePmin: number;
  /** Default observation maximum period, s. @defaultValue 21600 */
  observePmax: number;
  /** Objects observed after every Register. @defaultValue [3, 4, 5, 6] */
  observeObjects: number[];
  /** pmin/pmax per object (`"5"`) or per resource (`"3/9"`). @defaultValue {"5": {"pmin": 30}} */
  observeOverrides: ObserveAttributeOverrides;
  /** Devices whose observations are set up at once. @defaultValue 64 */
  observeSetupConcurrency: number;
  /** Observation set-ups (one device each) started per second, so a Register burst or a restart is paced. @defaultValue 200 */
  observeSetupRate: number;
  /** First retry after a failed observation set-up, s; doubles per failure up to 600 s. @defaultValue 5 */
  observeRetrySec: number;
  /**
   * Devices this process is sized for: the bounds on per-device state (observations, caches) follow from it
   * (server/node-bounds.ts). @defaultValue 100000
   */
  maxDevices: number;
  /** Entries of the shallow-read cache. @defaultValue `maxDevices` */
  cacheSize: number;
  /** Admin bearer token; when unset, `npm start` generates one under the data directory. @defaultValue undefined */
  adminToken?: string;
  /** Extra tokens: token -> role. @defaultValue {} */
  tokens: Record<string, 'reader' | 'operator' | 'admin'>;
  /** Where `npm start` keeps Redis data and the generated admin token. @defaultValue '.lwtwin' */
  dataDir: string;
  /** Register requests allowed per source address per second before 5.03. @defaultValue 100 */
  registerRatePerAddress: number;
  /** Register requests one source address may send at once before the rate applies. @defaultValue 300 */
  registerBurst: number;
  /** Requests (new exchanges) the server sends to one address per second; more are refused with RATE_LIMITED. @defaultValue 500 */
  downlinkRatePerAddress: number;
  /** Requests the server may send to one address at once before the rate applies. @defaultValue 1000 */
  downlinkBurst: number;
  /** The only directory firmware `packageSource` files are read from; unset: local package sources are refused. @defaultValue undefined */
  firmwareDir?: string;
  /** Origins (`https://fw.example.com,http://127.0.0.1:8000`) firmware `packageSource` URLs may be fetched from. @defaultValue [] (none) */
  firmwareUrlAllow: string[];
  /** Deadline of one firmware package download, ms. @defaultValue 30000 */
  firmwareFetchTimeoutMs: number;
  /** Largest firmware package pushed to a device, bytes. @defaultValue 33554432 (32 MiB) */
  firmwareMaxBytes: number;
  /**
   * Server secret (at least 32 characters) that encrypts secrets at rest in Redis (PSK keys of the security store),
   * see server/security/secret-box.ts; `npm start` generates one under the data directory. @defaultValue undefined
   * (stored unencrypted)
   */
  serverSecret?: string;
  /** Bytes of events an `/api/events` client may leave unread before it is disconnected. @defaultValue 1048576 (1 MiB) */
  sseMaxBufferedBytes: number;
  /** UDP port of the LwM2M bootstrap server (plain CoAP); off unless set (`npm start` uses 5783). @defaultValue undefined */
  bootstrapPort?: number;
  /**
   * UDP port of the LwM2M bootstrap server over DTLS (coaps), authenticating devices with their bootstrap credentials
   * (the `bootstrap` namespace of the security store); off unless set (`npm start` uses 5784). @defaultValue undefined
   */
  bootstrapCoapsPort?: number;
  /** Log level. @defaultValue 'info' */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

type Parser<T> = (raw: unknown, name: string) => T;

const integer = (min: number, max: number): Parser<number> => (raw, name) => {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}: expected an integer in ${min}..${max}, got ${JSON.stringify(raw)}`);
  return n;
};
const port: Parser<number> = integer(0, 65535);
const str: Parser<string> = (raw, name) => {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ConfigError(`${name}: expected a non-empty string, got ${JSON.stringify(raw)}`);
  return raw.trim();
};
const redisUrl: Parser<string> = (raw, name) => {
  const urls = str(raw, name)
    .split(',')
    .map((x) => x.trim());
  for (const s of urls) {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ConfigError(`${name}: not a URL: ${JSON.stringify(s)}`);
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`${name}: expected a redis:// or rediss:// URL, got ${JSON.stringify(s)}`);
  }
  return urls.join(',');
};
const bool: Parser<boolean> = (raw, name) => {
  if (typeof raw === 'boolean') return raw;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name}: expected true/false or 1/0, got ${JSON.stringify(raw)}`);
};
/** `off` / `all` (and their boolean spellings) or a comma-separated list of twin path prefixes, made canonical. */
const rangeIndexPaths: Parser<readonly string[]> = (raw, name) => {
  if (raw === false || raw === 'off' || raw === '0' || raw === 'false' || raw === 'none') return [];
  if (raw === true || raw === 'all' || raw === '1' || raw === 'true' || raw === 'on') return ALL_RANGE_INDEX_PATHS;
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()) : undefined;
  if (!items || items.length === 0) throw new ConfigError(`${name}: expected off, all or a comma-separated list of twin paths, got ${JSON.stringify(raw)}`);
  for (const item of items) {
    const why = typeof item === 'string' ? invalidPathReason(item) : `${JSON.stringify(item)} is not a string`;
    if (why !== undefined) throw new ConfigError(`${name}: ${why}; expected off, all or twin paths such as tags,properties.desired,properties.reported.device.batteryLevel`);
  }
  return canonicalPaths(items as string[]);
};
const directory: Parser<string> = (raw, name) => {
  const dir = path.resolve(str(raw, name));
  let ok: boolean;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError(`${name}: ${JSON.stringify(dir)} is not a directory`);
  return dir;
};
/** A readable PEM file: resolved to an absolute path (the server reads and parses it at start-up). */
const pemFile: Parser<string> = (raw, name) => {
  const file = path.resolve(str(raw, name));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${name}: cannot read ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(`${name}: ${JSON.stringify(file)} is not a PEM file`);
  return file;
};
const origin: Parser<string> = (raw, name) => {
  const s = str(raw, name);
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new ConfigError(`${name}: not a URL: ${JSON.stringify(s)}`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
    throw new ConfigError(`${name}: expected an http(s) origin such as https://fw.example.com or http://127.0.0.1:8000, got ${JSON.stringify(s)}`);
  }
  return u.origin;
};
const list = <T>(item: Parser<T>): Parser<T[]> => (raw, name) => {
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (!items) throw new ConfigError(`${name}: expected a comma-separated list, got ${JSON.stringify(raw)}`);
  return items.map((x, i) => item(x, `${name}[${i}]`));
};
const oneOf = <T extends string>(...values: T[]): Parser<T> => (raw, name) => {
  if (typeof raw !== 'string' || !values.includes(raw as T)) throw new ConfigError(`${name}: expected one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
};
const json = <T>(check: (v: unknown, name: string) => T): Parser<T> => (raw, name) => {
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      throw new ConfigError(`${name}: not valid JSON`);
    }
  }
  return check(v, name);
};
const overrides = json<ObserveAttributeOverrides>((v, name) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${name}: expected an object keyed by "objectId" or "objectId/resourceId"`);
  const out: ObserveAttributeOverrides = {};
  for (const [k, a] of Object.entries(v)) {
    if (!/^\d{1,5}(\/\d{1,5})?$/.test(k)) throw new ConfigError(`${name}: key ${JSON.stringify(k)} is not "objectId" or "objectId/resourceId"`);
    if (!a || typeof a !== 'object') throw new ConfigError(`${name}.${k}: expected {pmin?, pmax?}`);
    const e = a as Record<string, unknown>;
    out[k] = {
      ...(e.pmin !== undefined ? { pmin: integer(0, 2 ** 31 - 1)(e.pmin, `${name}.${k}.pmin`) } : {}),
      ...(e.pmax !== undefined ? { pmax: integer(0, 2 ** 31 - 1)(e.pmax, `${name}.${k}.pmax`) } : {}),
    };
  }
  return out;
});
const tokens = json<Record<string, 'reader' | 'operator' | 'admin'>>((v, name) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${name}: expected an object token -> role`);
  const out: Record<string, 'reader' | 'operator' | 'admin'> = {};
  for (const [k, role] of Object.entries(v)) {
    if (k.length < 16) throw new ConfigError(`${name}: tokens must be at least 16 characters`);
    out[k] = oneOf('reader', 'operator', 'admin')(role, `${name}[${k.slice(0, 4)}…]`);
  }
  return out;
});

interface OptionSpec {
  key: keyof LwTwinConfig;
  flag: string;
  env: string;
  parse: Parser<unknown>;
  default: () => unknown;
  help: string;
  /** A boolean option: the bare flag means true. */
  switch?: boolean;
}

/** Every option: its flag, environment variable, parser, default and help text. The README table is generated from this. */
export const OPTIONS: OptionSpec[] = [
  { key: 'coapPort', flag: 'coap-port', env: 'LWTWIN_COAP_PORT', parse: port, default: () => 5683, help: 'UDP port of the CoAP server' },
  { key: 'coapHost', flag: 'coap-host', env: 'LWTWIN_COAP_HOST', parse: str, default: () => '0.0.0.0', help: 'address the CoAP socket binds to' },
  { key: 'coapsPort', flag: 'coaps-port', env: 'LWTWIN_COAPS_PORT', parse: port, default: () => 5684, help: 'UDP port of the CoAP-over-DTLS (coaps) server' },
  { key: 'dtlsKey', flag: 'dtls-key', env: 'LWTWIN_DTLS_KEY', parse: pemFile, default: () => undefined, help: 'PEM file: the server P-256 private key for RPK/X.509 devices (unset: ephemeral)' },
  { key: 'dtlsCert', flag: 'dtls-cert', env: 'LWTWIN_DTLS_CERT', parse: pemFile, default: () => undefined, help: 'PEM file: the server certificate chain for X.509 devices' },
  { key: 'dtlsCa', flag: 'dtls-ca', env: 'LWTWIN_DTLS_CA', parse: pemFile, default: () => undefined, help: 'PEM file: CA certificates X.509 devices must chain to' },
  { key: 'requireDtls', flag: 'require-dtls', env: 'LWTWIN_REQUIRE_DTLS', parse: bool, default: () => false, help: 'refuse plain CoAP registrations', switch: true },
  { key: 'httpPort', flag: 'http-port', env: 'LWTWIN_HTTP_PORT', parse: port, default: () => 8080, help: 'HTTP API port' },
  { key: 'httpHost', flag: 'http-host', env: 'LWTWIN_HTTP_HOST', parse: str, default: () => '0.0.0.0', help: 'address the HTTP API binds to' },
  { key: 'redisUrl', flag: 'redis-url', env: 'LWTWIN_REDIS_URL', parse: redisUrl, default: () => 'redis://127.0.0.1:6379', help: 'Redis URL (with --redis-cluster: seed node URLs, comma-separated)' },
  { key: 'nodeTimeoutMs', flag: 'node-timeout-ms', env: 'LWTWIN_NODE_TIMEOUT_MS', parse: integer(200, 600_000), default: () => 10_000, help: 'a server process silent for this long is dead (several nodes), ms' },
  { key: 'jobLockMs', flag: 'job-lock-ms', env: 'LWTWIN_JOB_LOCK_MS', parse: integer(200, 600_000), default: () => 10_000, help: 'BullMQ lock of a running device job (a killed process\'s job runs elsewhere after it), ms' },
  { key: 'redisCluster', flag: 'redis-cluster', env: 'LWTWIN_REDIS_CLUSTER', parse: bool, default: () => false, help: 'connect to a Redis Cluster', switch: true },
  { key: 'redisPrefix', flag: 'redis-prefix', env: 'LWTWIN_REDIS_PREFIX', parse: str, default: () => 'lwtwin:', help: 'prefix of every Redis key' },
  { key: 'twinRangeIndex', flag: 'twin-range-index', env: 'LWTWIN_TWIN_RANGE_INDEX', parse: rangeIndexPaths, default: () => DEFAULT_RANGE_INDEX_PATHS, help: 'twin paths whose numbers range queries read from an index: off, all, or path prefixes, comma-separated (default tags,properties.desired)' },
  { key: 'serverId', flag: 'server-id', env: 'LWTWIN_SERVER_ID', parse: str, default: () => undefined, help: 'identity of this server process (default <hostname>:<coapPort>)' },
  { key: 'objectsDirs', flag: 'objects-dir', env: 'LWTWIN_OBJECTS_DIRS', parse: list(str), default: () => [], help: 'extra DDF XML directories (comma-separated)' },
  { key: 'requestTimeoutMs', flag: 'request-timeout-ms', env: 'LWTWIN_REQUEST_TIMEOUT_MS', parse: integer(100, 600_000), default: () => 10_000, help: 'deadline of one device request, ms' },
  { key: 'lifetimeGraceSec', flag: 'lifetime-grace-sec', env: 'LWTWIN_LIFETIME_GRACE_SEC', parse: integer(0, 86_400), default: () => 10, help: 'grace after a registration lifetime before expiry, s' },
  { key: 'queueModeAwakeMs', flag: 'queue-mode-awake-ms', env: 'LWTWIN_QUEUE_MODE_AWAKE_MS', parse: integer(100, 3_600_000), default: () => 93_000, help: 'silence after which a queue-mode device is asleep, ms' },
  { key: 'observePmin', flag: 'observe-pmin', env: 'LWTWIN_OBSERVE_PMIN', parse: integer(0, 2 ** 31 - 1), default: () => 300, help: 'default pmin of observations, s' },
  { key: 'observePmax', flag: 'observe-pmax', env: 'LWTWIN_OBSERVE_PMAX', parse: integer(0, 2 ** 31 - 1), default: () => 21_600, help: 'default pmax of observations, s' },
  { key: 'observeObjects', flag: 'observe-objects', env: 'LWTWIN_OBSERVE_OBJECTS', parse: list(integer(0, 65535)), default: () => [3, 4, 5, 6], help: 'objects observed after Register (comma-separated ids)' },
  { key: 'observeOverrides', flag: 'observe-overrides', env: 'LWTWIN_OBSERVE_OVERRIDES', parse: overrides, default: () => ({ '5': { pmin: 30 } }), help: 'pmin/pmax per object or resource, JSON' },
  { key: 'observeSetupConcurrency', flag: 'observe-setup-concurrency', env: 'LWTWIN_OBSERVE_SETUP_CONCURRENCY', parse: integer(1, 100_000), default: () => 64, help: 'devices whose observations are set up at once' },
  { key: 'observeSetupRate', flag: 'observe-setup-rate', env: 'LWTWIN_OBSERVE_SETUP_RATE', parse: integer(1, 1_000_000), default: () => 200, help: 'observation set-ups started per second' },
  { key: 'observeRetrySec', flag: 'observe-retry-sec', env: 'LWTWIN_OBSERVE_RETRY_SEC', parse: integer(1, 3600), default: () => 5, help: 'first retry after a failed observation set-up, s (doubles up to 600 s)' },
  { key: 'maxDevices', flag: 'max-devices', env: 'LWTWIN_MAX_DEVICES', parse: integer(1, 10_000_000), default: () => 100_000, help: 'devices this process is sized for (observation and cache bounds follow from it)' },
  { key: 'cacheSize', flag: 'cache-size', env: 'LWTWIN_CACHE_SIZE', parse: integer(0, 10_000_000), default: () => undefined, help: 'entries in the shallow-read cache (default: --max-devices)' },
  { key: 'adminToken', flag: 'admin-token', env: 'LWTWIN_ADMIN_TOKEN', parse: (raw, name) => { const s = str(raw, name); if (s.length < 16) throw new ConfigError(`${name}: must be at least 16 characters`); return s; }, default: () => undefined, help: 'admin bearer token' },
  { key: 'tokens', flag: 'tokens', env: 'LWTWIN_TOKENS', parse: tokens, default: () => ({}), help: 'extra bearer tokens, JSON {token: role}' },
  { key: 'dataDir', flag: 'data-dir', env: 'LWTWIN_DATA_DIR', parse: str, default: () => '.lwtwin', help: 'data directory (Redis data, generated admin token)' },
  { key: 'registerRatePerAddress', flag: 'register-rate', env: 'LWTWIN_REGISTER_RATE', parse: integer(1, 10_000_000), default: () => 100, help: 'Register requests per second per source address before 5.03' },
  { key: 'registerBurst', flag: 'register-burst', env: 'LWTWIN_REGISTER_BURST', parse: integer(1, 10_000_000), default: () => 300, help: 'Register requests one source address may send at once' },
  { key: 'downlinkRatePerAddress', flag: 'downlink-rate', env: 'LWTWIN_DOWNLINK_RATE', parse: integer(1, 10_000_000), default: () => 500, help: 'requests the server sends to one address per second (more are refused)' },
  { key: 'downlinkBurst', flag: 'downlink-burst', env: 'LWTWIN_DOWNLINK_BURST', parse: integer(1, 10_000_000), default: () => 1000, help: 'requests the server may send to one address at once' },
  { key: 'firmwareDir', flag: 'firmware-dir', env: 'LWTWIN_FIRMWARE_DIR', parse: directory, default: () => undefined, help: 'the only directory firmware packageSource files are read from (unset: local files refused)' },
  { key: 'firmwareUrlAllow', flag: 'firmware-url-allow', env: 'LWTWIN_FIRMWARE_URL_ALLOW', parse: list(origin), default: () => [], help: 'origins firmware packageSource URLs may be fetched from (comma-separated; none: URLs refused)' },
  { key: 'firmwareFetchTimeoutMs', flag: 'firmware-fetch-timeout-ms', env: 'LWTWIN_FIRMWARE_FETCH_TIMEOUT_MS', parse: integer(100, 3_600_000), default: () => 30_000, help: 'deadline of one firmware package download, ms' },
  { key: 'firmwareMaxBytes', flag: 'firmware-max-bytes', env: 'LWTWIN_FIRMWARE_MAX_BYTES', parse: integer(1, 1024 * 1024 * 1024), default: () => 32 * 1024 * 1024, help: 'largest firmware package pushed to a device, bytes' },
  { key: 'serverSecret', flag: 'server-secret', env: 'LWTWIN_SERVER_SECRET', parse: (raw, name) => { const s = str(raw, name); if (s.length < 32) throw new ConfigError(`${name}: must be at least 32 characters`); return s; }, default: () => undefined, help: 'secret encrypting keys at rest in Redis (>= 32 characters)' },
  { key: 'sseMaxBufferedBytes', flag: 'sse-max-buffered-bytes', env: 'LWTWIN_SSE_MAX_BUFFERED_BYTES', parse: integer(1024, 1024 * 1024 * 1024), default: () => 1024 * 1024, help: 'bytes of events an /api/events client may leave unread before it is disconnected' },
  { key: 'bootstrapPort', flag: 'bootstrap-port', env: 'LWTWIN_BOOTSTRAP_PORT', parse: port, default: () => undefined, help: 'UDP port of the LwM2M bootstrap server (off unless set)' },
  { key: 'bootstrapCoapsPort', flag: 'bootstrap-coaps-port', env: 'LWTWIN_BOOTSTRAP_COAPS_PORT', parse: port, default: () => undefined, help: 'UDP port of the LwM2M bootstrap server over DTLS (coaps; off unless set)' },
  { key: 'logLevel', flag: 'log-level', env: 'LWTWIN_LOG_LEVEL', parse: oneOf('debug', 'info', 'warn', 'error', 'silent'), default: () => 'info', help: 'log level' },
];

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Reads the environment (only here). */
export function environment(): Record<string, string | undefined> {
  return process.env;
}

/**
 * Builds the validated, frozen configuration.
 * @param flags options from the command line, keyed by flag name (`coap-port`) or option key (`coapPort`)
 * @param env environment variables (defaults to `process.env`)
 */
export function loadConfig(flags: Record<string, unknown> = {}, env: Record<string, string | undefined> = environment()): Readonly<LwTwinConfig> {
  const file = flags.config ?? env.LWTWIN_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file !== undefined) {
    const p = str(file, 'config');
    try {
      fromFile = JSON.parse(readFileSync(path.resolve(p), 'utf8'));
    } catch (e) {
      throw new ConfigError(`config: cannot read ${p}: ${(e as Error).message}`);
    }
    if (!fromFile || typeof fromFile !== 'object' || Array.isArray(fromFile)) throw new ConfigError(`config: ${p} must hold a JSON object`);
    const known = new Set(OPTIONS.map((o) => o.key as string));
    for (const k of Object.keys(fromFile)) if (!known.has(k)) throw new ConfigError(`config: unknown option ${JSON.stringify(k)} in ${p}`);
  }
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const flag = flags[o.flag] ?? flags[o.key] ?? flags[camel(o.flag)];
    if (flag !== undefined) out[o.key] = o.parse(flag, `--${o.flag}`);
    else if (env[o.env] !== undefined && env[o.env] !== '') out[o.key] = o.parse(env[o.env], o.env);
    else if (fromFile[o.key] !== undefined) out[o.key] = o.parse(fromFile[o.key], `config.${o.key}`);
    else out[o.key] = o.default();
  }
  if (out.serverId === undefined) out.serverId = `${os.hostname()}:${out.coapPort}`;
  if (out.cacheSize === undefined) out.cacheSize = out.maxDevices;
  const cfg = out as unknown as LwTwinConfig;
  if (!cfg.redisCluster && cfg.redisUrl.includes(',')) throw new ConfigError('redisUrl: several seed URLs need --redis-cluster (LWTWIN_REDIS_CLUSTER=1)');
  checkObservePeriods(cfg);
  return Object.freeze(cfg);
}

/**
 * Refuses settings under which some object or resource would be observed with pmax < pmin (OMA LwM2M TS Core 1.1.1
 * §5.1.2: pmax must be greater than or equal to pmin): the defaults, each per-object override and each per-resource
 * override, each resolved the way observation set-up resolves it (resource, else object, else default). pmax 0
 * means "no maximum".
 */
function checkObservePeriods(cfg: LwTwinConfig): void {
  const check = (what: string, pmin: number, pmax: number, from: string) => {
    if (pmax !== 0 && pmax < pmin) throw new ConfigError(`${what}: pmax ${pmax} is below pmin ${pmin} (${from}); make pmax >= pmin or set both in --observe-overrides`);
  };
  check('observation defaults', cfg.observePmin, cfg.observePmax, '--observe-pmin / --observe-pmax');
  const objects = new Set<string>([...cfg.observeObjects.map(String), ...Object.keys(cfg.observeOverrides).map((k) => k.split('/')[0])]);
  for (const o of objects) {
    const byObject = cfg.observeOverrides[o] ?? {};
    check(`object ${o}`, byObject.pmin ?? cfg.observePmin, byObject.pmax ?? cfg.observePmax, byObject.pmin !== undefined || byObject.pmax !== undefined ? `--observe-overrides "${o}" with the defaults` : 'defaults');
  }
  for (const [key, r] of Object.entries(cfg.observeOverrides)) {
    if (!key.includes('/')) continue;
    const byObject = cfg.observeOverrides[key.split('/')[0]] ?? {};
    check(`resource ${key}`, r.pmin ?? byObject.pmin ?? cfg.observePmin, r.pmax ?? byObject.pmax ?? cfg.observePmax, `--observe-overrides "${key}"`);
  }
}

/** Settings of the CLI's API client: `--url`/`LWTWIN_API_URL` and `--token`/`LWTWIN_TOKEN`, else `<dataDir>/admin-token`. */
export interface CliClientConfig {
  apiUrl: string;
  token?: string;
  dataDir: string;
}

export function loadCliClientConfig(flags: { url?: string; token?: string } = {}, env: Record<string, string | undefined> = environment()): CliClientConfig {
  const apiUrl = flags.url ?? env.LWTWIN_API_URL ?? `http://127.0.0.1:${env.LWTWIN_HTTP_PORT ?? 8080}`;
  try {
    new URL(apiUrl);
  } catch {
    throw new ConfigError(`--url / LWTWIN_API_URL: not a URL: ${JSON.stringify(apiUrl)}`);
  }
  const dataDir = env.LWTWIN_DATA_DIR ?? '.lwtwin';
  let token = flags.token ?? env.LWTWIN_TOKEN ?? env.LWTWIN_ADMIN_TOKEN;
  if (!token) {
    try {
      token = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  return { apiUrl: apiUrl.replace(/\/$/, ''), token, dataDir };
}
