/**
 * Reading the server accounts a bootstrap server wrote (OMA LwM2M TS Core 1.1 Appendix E.1 Security, E.2 Server):
 * the DM server account is a Security instance that is not the bootstrap server's, and the Server instance with the
 * same Short Server ID.
 */
import type { Peer } from '../protocol/coap/types.ts';
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

/** The resources of the bootstrap server's own Security instance: its URI, Bootstrap-Server = true, NoSec. */
export function bootstrapAccountResources(server: Peer): Record<number, ResourceValue> {
  const host = server.address.includes(':') ? `[${server.address}]` : server.address;
  return { 0: `coap://${host}:${server.port}`, 1: true, 2: 3, 3: Buffer.alloc(0), 4: Buffer.alloc(0), 5: Buffer.alloc(0) };
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
