/**
 * Bootstrap configurations: what the bootstrap server writes to a device (OMA LwM2M TS Core 1.1 §6.1; Security
 * object 0 and Server object 1, Appendix E.1/E.2). A configuration names the DM server account, its security and
 * optional extra writes. JSON form (HTTP API, CLI):
 *
 * ```json
 * { "server": { "uri": "coaps://host:5684", "shortServerId": 1, "lifetime": 300, "binding": "U" },
 *   "security": { "mode": "psk", "generate": true },
 *   "writes": [{ "path": "/3/0/15", "value": "Europe/Oslo" }] }
 * ```
 * `security` is `{"mode":"nosec"}`, `{"mode":"psk","identity":"…","key":"<hex>"}` or `{"mode":"psk","generate":true}`
 * (a fresh random key per device, also stored in the DM security store). Validation here is the one place that
 * refuses a configuration, with a message naming the field.
 */
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { ServerError } from '../errors.ts';
import { checkPskIdentity, parseHexKey } from '../security/security-entry.ts';

export type BootstrapSecurity = { mode: 'nosec' } | { mode: 'psk'; identity: string; key: Buffer } | { mode: 'psk'; generate: true };

export interface BootstrapServerAccount {
  /** LwM2M Server URI (/0/x/0): `coap://host[:port]` for nosec, `coaps://host[:port]` for psk. */
  readonly uri: string;
  /** Short Server ID (/0/x/10, /1/x/0), 1..65534. */
  readonly shortServerId: number;
  /** Registration lifetime (/1/x/1), s. */
  readonly lifetime: number;
  /** Binding (/1/x/7). */
  readonly binding: string;
  /** Default minimum / maximum period (/1/x/2, /1/x/3), s. */
  readonly defaultPmin?: number;
  readonly defaultPmax?: number;
}

export interface BootstrapWrite {
  /** An object instance, resource or resource instance outside objects 0 and 1. */
  readonly path: string;
  readonly value: unknown;
}

export interface BootstrapConfig {
  readonly server: BootstrapServerAccount;
  readonly security: BootstrapSecurity;
  readonly writes: readonly BootstrapWrite[];
}

/** Most extra writes one configuration may carry. */
export const MAX_BOOTSTRAP_WRITES = 32;

function bad(message: string, param: string): never {
  throw ServerError.badRequest(message, { param });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${name} must be an integer in ${min}..${max}`, name);
  return v;
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) bad(`${where} has an unknown field ${JSON.stringify(k)} (allowed: ${allowed.join(', ')})`, `${where}.${k}`);
}

/** `coap://host[:port]` or `coaps://host[:port]` → scheme, host, port (default 5683 / 5684). */
export function parseServerUri(uri: string): { secure: boolean; host: string; port: number } {
  const m = /^(coaps?):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(uri);
  if (!m) bad(`server.uri must be coap://host[:port] or coaps://host[:port], got ${JSON.stringify(uri)}`, 'server.uri');
  const port = m[3] === undefined ? (m[1] === 'coaps' ? 5684 : 5683) : Number(m[3]);
  if (port < 1 || port > 65535) bad(`server.uri port must be 1..65535`, 'server.uri');
  return { secure: m[1] === 'coaps', host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

function parseSecurity(raw: unknown): BootstrapSecurity {
  if (!isObject(raw)) bad('security must be {"mode":"nosec"}, {"mode":"psk","identity":…,"key":…} or {"mode":"psk","generate":true}', 'security');
  if (raw.mode === 'nosec') {
    onlyKeys(raw, ['mode'], 'security');
    return { mode: 'nosec' };
  }
  if (raw.mode !== 'psk') bad(`security.mode must be nosec or psk, got ${JSON.stringify(raw.mode)}`, 'security.mode');
  if (raw.generate !== undefined) {
    onlyKeys(raw, ['mode', 'generate'], 'security');
    if (raw.generate !== true) bad('security.generate must be true when given', 'security.generate');
    return { mode: 'psk', generate: true };
  }
  onlyKeys(raw, ['mode', 'identity', 'key'], 'security');
  if (raw.identity === undefined || raw.key === undefined) bad('security mode psk needs "identity" and "key" (hex), or "generate": true', 'security');
  return { mode: 'psk', identity: checkPskIdentity(raw.identity), key: parseHexKey(raw.key) };
}

function parseServer(raw: unknown): BootstrapServerAccount {
  if (!isObject(raw)) bad('server must be {"uri", "shortServerId", "lifetime", "binding"}', 'server');
  onlyKeys(raw, ['uri', 'shortServerId', 'lifetime', 'binding', 'defaultPmin', 'defaultPmax'], 'server');
  if (typeof raw.uri !== 'string') bad('server.uri is required', 'server.uri');
  parseServerUri(raw.uri);
  const binding = raw.binding ?? 'U';
  if (typeof binding !== 'string' || !/^(?:[UTSN]{1,4}|UQ|SQ|UQS)$/.test(binding)) bad(`server.binding must be a binding like U, UQ, US, T or N, got ${JSON.stringify(binding)}`, 'server.binding');
  return {
    uri: raw.uri,
    shortServerId: int(raw.shortServerId ?? 1, 'server.shortServerId', 1, 65534),
    lifetime: int(raw.lifetime ?? 300, 'server.lifetime', 1, 2 ** 31 - 1),
    binding,
    ...(raw.defaultPmin !== undefined ? { defaultPmin: int(raw.defaultPmin, 'server.defaultPmin', 0, 2 ** 31 - 1) } : {}),
    ...(raw.defaultPmax !== undefined ? { defaultPmax: int(raw.defaultPmax, 'server.defaultPmax', 0, 2 ** 31 - 1) } : {}),
  };
}

function parseWrites(raw: unknown): BootstrapWrite[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) bad('writes must be a list of {"path", "value"}', 'writes');
  if (raw.length > MAX_BOOTSTRAP_WRITES) bad(`at most ${MAX_BOOTSTRAP_WRITES} writes`, 'writes');
  return raw.map((w, i) => {
    const where = `writes[${i}]`;
    if (!isObject(w)) bad(`${where} must be {"path", "value"}`, where);
    onlyKeys(w, ['path', 'value'], where);
    if (typeof w.path !== 'string') bad(`${where}.path is required`, `${where}.path`);
    let path: LwM2mPath;
    try {
      path = LwM2mPath.parse(w.path);
    } catch {
      return bad(`${where}.path ${JSON.stringify(w.path)} is not an LwM2M path`, `${where}.path`);
    }
    if (path.length < 2) bad(`${where}.path must name an object instance, resource or resource instance`, `${where}.path`);
    if (path.objectId === 0 || path.objectId === 1) bad(`${where}.path: objects 0 and 1 are written from "server" and "security"`, `${where}.path`);
    if (w.value === undefined) bad(`${where}.value is required`, `${where}.value`);
    return { path: path.toString(), value: w.value };
  });
}

/** Validates a configuration given as JSON. @throws ServerError BAD_REQUEST naming the field */
export function parseBootstrapConfig(raw: unknown): BootstrapConfig {
  if (!isObject(raw)) bad('a bootstrap configuration must be a JSON object', 'body');
  onlyKeys(raw, ['server', 'security', 'writes'], 'configuration');
  const server = parseServer(raw.server);
  const security = parseSecurity(raw.security ?? { mode: 'nosec' });
  const { secure } = parseServerUri(server.uri);
  if (security.mode === 'nosec' && secure) bad('security mode nosec needs a coap:// server.uri (coaps:// needs credentials)', 'security.mode');
  if (security.mode === 'psk' && !secure) bad('security mode psk needs a coaps:// server.uri', 'server.uri');
  return { server, security, writes: parseWrites(raw.writes) };
}

/** The JSON form of a configuration with its key left out (`"key"` is never shown). */
export function showBootstrapConfig(config: BootstrapConfig): Record<string, unknown> {
  const s = config.security;
  const security = s.mode === 'nosec' ? s : 'generate' in s ? { mode: 'psk', generate: true } : { mode: 'psk', identity: s.identity };
  return { server: config.server, security, writes: config.writes };
}
