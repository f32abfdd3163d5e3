import { ProtocolError } from '../errors.ts';
import { DTLS_1_2 } from './constants.ts';
import { Reader, u16, u8, vec } from './reader.ts';

export interface Extension {
  type: number;
  data: Buffer;
}

/** ClientHello (RFC 6347 §4.2.1, RFC 5246 §7.4.1.2). */
export interface ClientHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cookie: Buffer;
  cipherSuites: number[];
  compressionMethods: Buffer;
  extensions: Extension[];
}

export interface ServerHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  extensions: Extension[];
}

function parseExtensions(r: Reader): Extension[] {
  if (r.remaining === 0) return [];
  const block = new Reader(r.vector(2), 'extensions');
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vector(2);
    if (seen.has(type)) throw new ProtocolError('DTLS_DECODE', `extension ${type} appears twice`); // RFC 5246 §7.4.1.4
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

function encodeExtensions(exts: Extension[]): Buffer {
  if (exts.length === 0) return Buffer.alloc(0);
  return vec(2, Buffer.concat(exts.map((e) => Buffer.concat([u16(e.type), vec(2, e.data)]))));
}

export function parseClientHello(body: Buffer): ClientHello {
  const r = new Reader(body, 'ClientHello');
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector(1);
  if (sessionId.length > 32) throw new ProtocolError('DTLS_DECODE', 'ClientHello session_id longer than 32 bytes');
  const cookie = r.vector(1);
  const suites = r.vector(2);
  if (suites.length < 2 || suites.length % 2 !== 0) throw new ProtocolError('DTLS_DECODE', 'ClientHello cipher_suites length is not a positive even number');
  const cipherSuites: number[] = [];
  for (let i = 0; i < suites.length; i += 2) cipherSuites.push(suites.readUInt16BE(i));
  const compressionMethods = r.vector(1);
  if (compressionMethods.length < 1) throw new ProtocolError('DTLS_DECODE', 'ClientHello has no compression method');
  const extensions = parseExtensions(r);
  r.end();
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export function encodeClientHello(h: ClientHello): Buffer {
  const suites = Buffer.alloc(h.cipherSuites.length * 2);
  h.cipherSuites.forEach((s, i) => suites.writeUInt16BE(s, 2 * i));
  return Buffer.concat([u16(h.version), h.random, vec(1, h.sessionId), vec(1, h.cookie), vec(2, suites), vec(1, h.compressionMethods), encodeExtensions(h.extensions)]);
}

export function encodeServerHello(h: ServerHello): Buffer {
  return Buffer.concat([u16(h.version), h.random, vec(1, h.sessionId), u16(h.cipherSuite), u8(0), encodeExtensions(h.extensions)]);
}

export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body, 'ServerHello');
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector(1);
  const cipherSuite = r.u16();
  if (r.u8() !== 0) throw new ProtocolError('DTLS_DECODE', 'ServerHello selects a compression method other than null');
  const extensions = parseExtensions(r);
  r.end();
  return { version, random, sessionId, cipherSuite, extensions };
}

/** HelloVerifyRequest (RFC 6347 §4.2.1): server_version is DTLS 1.0 or 1.2; we send 1.0 as §4.2.1 recommends. */
export function encodeHelloVerifyRequest(cookie: Buffer): Buffer {
  return Buffer.concat([u16(0xfeff), vec(1, cookie)]);
}

export function parseHelloVerifyRequest(body: Buffer): Buffer {
  const r = new Reader(body, 'HelloVerifyRequest');
  r.u16();
  const cookie = r.vector(1);
  r.end();
  return cookie;
}

export function findExtension(exts: Extension[], type: number): Buffer | undefined {
  return exts.find((e) => e.type === type)?.data;
}

/** A list of uint8 values behind a 1-byte length (e.g. certificate types, RFC 7250 §3). */
export function parseU8List(data: Buffer): number[] {
  const r = new Reader(data, 'extension');
  const list = [...r.vector(1)];
  r.end();
  return list;
}

/** A list of uint16 values behind a 2-byte length (supported_groups, signature_algorithms). */
export function parseU16List(data: Buffer): number[] {
  const r = new Reader(data, 'extension');
  const body = r.vector(2);
  r.end();
  const out: number[] = [];
  for (let i = 0; i + 1 < body.length; i += 2) out.push(body.readUInt16BE(i));
  return out;
}

/** ClientKeyExchange for PSK (RFC 4279 §2): psk_identity<0..2^16-1>. */
export function parsePskClientKeyExchange(body: Buffer): Buffer {
  const r = new Reader(body, 'ClientKeyExchange');
  const identity = r.vector(2);
  r.end();
  return identity;
}

/** ClientKeyExchange for ECDHE (RFC 8422 §5.7): ECPoint<1..255>. */
export function parseEcdhClientKeyExchange(body: Buffer): Buffer {
  const r = new Reader(body, 'ClientKeyExchange');
  const point = r.vector(1);
  r.end();
  if (point.length !== 65 || point[0] !== 4) throw new ProtocolError('DTLS_DECODE', 'ClientKeyExchange point is not an uncompressed P-256 point');
  return point;
}

/** Certificate with a raw public key (RFC 7250 §3): a SubjectPublicKeyInfo behind a 3-byte length. */
export function encodeRpkCertificate(spki: Buffer): Buffer {
  return vec(3, spki);
}

/** Certificate with X.509 (RFC 5246 §7.4.2): certificate_list of DER certificates. */
export function encodeX509Certificate(chain: Buffer[]): Buffer {
  return vec(3, Buffer.concat(chain.map((c) => vec(3, c))));
}

export function parseX509Certificate(body: Buffer): Buffer[] {
  const r = new Reader(body, 'Certificate');
  const list = new Reader(r.vector(3), 'certificate_list');
  r.end();
  const out: Buffer[] = [];
  while (list.remaining > 0) out.push(list.vector(3));
  return out;
}

export function parseRpkCertificate(body: Buffer): Buffer {
  const r = new Reader(body, 'Certificate');
  const spki = r.vector(3);
  r.end();
  return spki;
}

/** DigitallySigned (RFC 5246 §4.7): SignatureAndHashAlgorithm ‖ signature<0..2^16-1>. */
export function parseDigitallySigned(r: Reader): { algorithm: number; signature: Buffer } {
  return { algorithm: r.u16(), signature: r.vector(2) };
}

export const SERVER_VERSION = DTLS_1_2;
