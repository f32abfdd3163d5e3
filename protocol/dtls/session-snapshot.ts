import { ProtocolError } from '../errors.ts';
import type { Peer, SessionSecrets } from './connection.ts';
import type { PeerIdentity } from './identity.ts';

/**
 * What a server needs to carry on an established DTLS session in another process: the session's secrets (the key
 * block is derived again from master secret and randoms, RFC 5246 §6.3), the peer and who it proved to be, its
 * connection IDs (RFC 9146) and the replay high-water mark of its read state (RFC 6347 §4.1.2.6).
 *
 * The write sequence number is not part of the snapshot: it is reserved in blocks through
 * `DtlsSessionPersistence.persist`, so two holders of the same keys never get the same numbers (see session-keeper.ts).
 */
export interface SessionSnapshot extends SessionSecrets {
  /** Random name of this association, fixed for its life: the persistence key. */
  handle: string;
  /** The epoch of the keys (1: lwtwin refuses renegotiation). */
  epoch: number;
  /** Highest sequence number read in `epoch` when the snapshot was taken: a restored session drops records at or below it. */
  readSeq: number;
  /** The connection ID this side issued (peers put it in their records), and the one it puts in its own. */
  cidIn: Buffer | undefined;
  cidOut: Buffer | undefined;
  identity: PeerIdentity;
  peer: Peer;
}

/** The secrets of a snapshot alone. */
export function secretsOf(s: SessionSnapshot): SessionSecrets {
  return { suiteId: s.suiteId, master: s.master, clientRandom: s.clientRandom, serverRandom: s.serverRandom, sessionId: s.sessionId, extendedMasterSecret: s.extendedMasterSecret, pskFingerprint: s.pskFingerprint };
}

/**
 * Where a DTLS server keeps its established sessions so that another process (a restart, another node) can take them
 * over without a handshake. Implemented outside `protocol/` (lwtwin: Redis, encrypted with the server secret).
 * Every method may reject: persistence is best effort and the socket carries on without it.
 */
export interface DtlsSessionPersistence {
  /**
   * Writes the snapshot (replacing the previous one of its handle, refreshing its lifetime to `ttlMs`) and, atomically
   * with it, reserves the next block of `block` write sequence numbers of the session's epoch: resolves with the first
   * number of the block, which is at least `fromSeq` and above every block reserved for this handle before.
   */
  persist(s: SessionSnapshot, reserve: { fromSeq: number; block: number }, ttlMs: number): Promise<number>;
  /** The snapshot whose `cidIn` is `cid`, if any. */
  findByCid(cid: Buffer): Promise<SessionSnapshot | undefined>;
  /** The latest snapshot made for a peer address, if any. */
  findByAddress(address: string, port: number): Promise<SessionSnapshot | undefined>;
  /** Forgets a session (closed by an alert, replaced, or expired). */
  remove(s: SessionSnapshot): Promise<void>;
}

// --- encoding ------------------------------------------------------------------------------------------------------

const VERSION = 1;

type Json = Record<string, unknown>;

function b64(b: Buffer | undefined): string | undefined {
  return b?.toString('base64');
}

function identityJson(id: PeerIdentity): Json {
  if (id.kind === 'psk') return { kind: 'psk', identity: id.identity };
  if (id.kind === 'rpk') return { kind: 'rpk', publicKey: b64(id.publicKey) };
  return { kind: 'x509', commonName: id.commonName, certificate: b64(id.certificate) };
}

/** The snapshot as bytes (versioned JSON); secrets included, so the caller encrypts it. */
export function encodeSnapshot(s: SessionSnapshot): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: VERSION,
      handle: s.handle,
      suiteId: s.suiteId,
      master: b64(s.master),
      clientRandom: b64(s.clientRandom),
      serverRandom: b64(s.serverRandom),
      sessionId: b64(s.sessionId),
      ems: s.extendedMasterSecret,
      epoch: s.epoch,
      readSeq: s.readSeq,
      cidIn: b64(s.cidIn),
      cidOut: b64(s.cidOut),
      identity: identityJson(s.identity),
      peer: { address: s.peer.address, port: s.peer.port },
      pskFingerprint: b64(s.pskFingerprint),
    }),
    'utf8',
  );
}

function bad(what: string): never {
  throw new ProtocolError('DTLS_DECODE', `session snapshot: ${what}`);
}

function str(o: Json, k: string): string {
  const v = o[k];
  return typeof v === 'string' ? v : bad(`${k} is not a string`);
}

function int(o: Json, k: string, max: number): number {
  const v = o[k];
  return typeof v === 'number' && Number.isInteger(v) && v >= -1 && v <= max ? v : bad(`${k} is not an integer in range`);
}

function bytes(o: Json, k: string, lengths?: number[]): Buffer {
  const b = Buffer.from(str(o, k), 'base64');
  if (lengths !== undefined && !lengths.includes(b.length)) bad(`${k} has ${b.length} bytes`);
  return b;
}

function optBytes(o: Json, k: string): Buffer | undefined {
  return o[k] === undefined ? undefined : bytes(o, k);
}

function identityOf(v: unknown): PeerIdentity {
  if (typeof v !== 'object' || v === null) bad('identity missing');
  const o = v as Json;
  if (o.kind === 'psk') return { kind: 'psk', identity: str(o, 'identity') };
  if (o.kind === 'rpk') return { kind: 'rpk', publicKey: bytes(o, 'publicKey') };
  if (o.kind === 'x509') return { kind: 'x509', commonName: str(o, 'commonName'), certificate: bytes(o, 'certificate') };
  return bad('identity kind unknown');
}

/** Inverse of `encodeSnapshot`. @throws ProtocolError DTLS_DECODE on anything malformed */
export function decodeSnapshot(raw: Buffer): SessionSnapshot {
  let o: Json;
  try {
    o = JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    return bad('not JSON');
  }
  if (typeof o !== 'object' || o === null || o.v !== VERSION) bad('unknown version');
  const peer = o.peer as Json | undefined;
  if (typeof peer !== 'object' || peer === null) bad('peer missing');
  if (typeof o.ems !== 'boolean') bad('ems is not a boolean');
  return {
    handle: str(o, 'handle'),
    suiteId: int(o, 'suiteId', 0xffff),
    master: bytes(o, 'master', [48]),
    clientRandom: bytes(o, 'clientRandom', [32]),
    serverRandom: bytes(o, 'serverRandom', [32]),
    sessionId: bytes(o, 'sessionId'),
    extendedMasterSecret: o.ems,
    epoch: int(o, 'epoch', 0xffff),
    readSeq: int(o, 'readSeq', 2 ** 48 - 1),
    cidIn: optBytes(o, 'cidIn'),
    cidOut: optBytes(o, 'cidOut'),
    identity: identityOf(o.identity),
    peer: { address: str(peer, 'address'), port: int(peer, 'port', 65535) },
    pskFingerprint: optBytes(o, 'pskFingerprint'),
  };
}
