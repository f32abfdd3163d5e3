/**
 * Reading the server accounts a bootstrap server wrote (OMA LwM2M TS Core 1.1 Appendix E.1 Security, E.2 Server):
 * the DM server account is a Security instance that is not the bootstrap server's, and the Server instance with the
 * same Short Server ID.
 */
import type { Peer } from '../protocol/coap/types.ts';
import type { DtlsClientCredentials } from '../protocol/dtls/client-handshaker.ts';
import type { ResourceValue } from './object-instance.ts';
import type { ObjectTree } from './object-tree.ts';

export interface DmServerAccount {
  readonly uri: string;
  readonly peer: Peer;
  /** `coaps://`: the account needs DTLS. */
  readonly secure: boolean;
  readonly shortServerId: number;
  /** Security Mode (/0/x/2): 0 PSK, 1 RPK, 2 certificate, 3 NoSec. */
  readonly securityMode: number;
  /** PSK identity (/0/x/3 as UTF-8) and key (/0/x/5), mode PSK. */
  readonly pskIdentity?: string;
  readonly pskKey?: Buffer;
  readonly lifetime?: number;
  readonly binding?: string;
}

/**
 * The resources of the bootstrap server's own Security instance: its URI, Bootstrap-Server = true, and NoSec or (over
 * coaps) PSK with the factory bootstrap identity and key.
 */
export function bootstrapAccountResources(server: Peer, dtls?: DtlsClientCredentials): Record<number, ResourceValue> {
  const host = server.address.includes(':') ? `[${server.address}]` : server.address;
  const psk = dtls?.psk;
  if (psk === undefined) return { 0: `coap://${host}:${server.port}`, 1: true, 2: 3, 3: Buffer.alloc(0), 4: Buffer.alloc(0), 5: Buffer.alloc(0) };
  return { 0: `coaps://${host}:${server.port}`, 1: true, 2: 0, 3: Buffer.from(psk.identity, 'utf8'), 4: Buffer.alloc(0), 5: Buffer.from(psk.key) };
}

/**
 * The DTLS credentials an account asks for (OMA LwM2M TS Transport 1.1.1 §5.2: the URI scheme and the Security Mode
 * must agree): undefined for `coap://` with NoSec, the PSK for `coaps://` with mode 0; else why the account cannot be
 * used (Bootstrap-Finish then answers 4.06). This client does PSK only among the secure modes of a written account.
 */
export function accountCredentials(account: DmServerAccount): DtlsClientCredentials | undefined | string {
  if (!account.secure) return account.securityMode === 3 ? undefined : `${account.uri} is plain CoAP but Security Mode is ${account.securityMode}, not 3 (NoSec)`;
  if (account.securityMode !== 0) return `${account.uri}: Security Mode ${account.securityMode} is not supported by this client (0 PSK only)`;
  if (!account.pskIdentity || !account.pskKey || account.pskKey.length === 0) return `${account.uri}: PSK mode without an identity (/0/x/3) or a key (/0/x/5)`;
  return { psk: { identity: account.pskIdentity, key: account.pskKey } };
}

function num(v: ResourceValue | undefined): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' ? v : undefined;
}

function bytes(v: ResourceValue | undefined): Buffer | undefined {
  return v instanceof Uint8Array ? Buffer.from(v) : undefined;
}

/** The first usable DM server account (a parsable coap/coaps URI and a Server instance with its SSID), if any. */
export function dmServerAccount(tree: ObjectTree): DmServerAccount | undefined {
  for (const sec of tree.instances(0)) {
    if (sec.read(1) === true) continue;
    const uri = sec.read(0);
    const ssid = num(sec.read(10));
    if (typeof uri !== 'string' || ssid === undefined) continue;
    const m = /^(coaps?):\/\/(\[[^\]]+\]|[^/:]+)(?::(\d+))?\/?$/.exec(uri);
    if (!m) continue;
    const server = tree.instances(1).find((s) => num(s.read(0)) === ssid);
    if (!server) continue;
    const secure = m[1] === 'coaps';
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const mode = num(sec.read(2)) ?? 3;
    const identity = bytes(sec.read(3));
    const key = bytes(sec.read(5));
    const binding = server.read(7);
    return {
      uri,
      peer: { address: host === 'localhost' ? '127.0.0.1' : host, port: m[3] ? Number(m[3]) : secure ? 5684 : 5683 },
      secure,
      shortServerId: ssid,
      securityMode: mode,
      ...(mode === 0 && identity ? { pskIdentity: identity.toString('utf8') } : {}),
      ...(mode === 0 && key ? { pskKey: key } : {}),
      ...(num(server.read(1)) !== undefined ? { lifetime: num(server.read(1)) } : {}),
      ...(typeof binding === 'string' ? { binding } : {}),
    };
  }
  return undefined;
}
