/**
 * Security entries: how one endpoint authenticates on the DTLS transport (OMA LwM2M TS Transport
 * 1.1 §5.2: Pre-Shared Key, Raw Public Key, X.509). Validation lives here so the HTTP API, the bootstrap server and the
 * stores refuse the same things with the same messages.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ServerError } from '../errors.ts';

/** A PSK identity and key, a raw public key (SubjectPublicKeyInfo DER), or an X.509 certificate whose CN is the endpoint. */
export type SecurityEntry = { mode: 'psk'; identity: string; key: Buffer } | { mode: 'rpk'; publicKey: Buffer /* SPKI DER */ } | { mode: 'x509' };
export type SecurityMode = SecurityEntry['mode'];

/** What may be shown of an entry: never the key. */
export interface SecuritySummary {
  readonly endpoint: string;
  readonly mode: SecurityMode;
  /** PSK identity (mode psk). */
  readonly identity?: string;
  /** `sha256:<hex>` of the public key's SubjectPublicKeyInfo DER (mode rpk). */
  readonly publicKeyFingerprint?: string;
  /** When the entry was last written, ms since epoch. */
  readonly updatedAt: number;
}

/** Shortest accepted PSK: 128 bits (TS Transport 1.1 §5.2.8 mandates AES-128 suites; RFC 4279 §5.3 advises ≥ 128-bit keys). */
export const MIN_PSK_BYTES = 16;
/** Longest accepted PSK. */
export const MAX_PSK_BYTES = 64;
/** Longest accepted PSK identity, in UTF-8 bytes (RFC 4279 §5.3 requires support for at least 128). */
export const MAX_PSK_IDENTITY_BYTES = 128;

/** `sha256:<hex>` of a SubjectPublicKeyInfo DER. */
export function publicKeyFingerprint(spkiDer: Buffer): string {
  return `sha256:${createHash('sha256').update(spkiDer).digest('hex')}`;
}

/** @throws ServerError BAD_REQUEST unless `identity` is a non-empty, well-formed UTF-8 string of at most 128 bytes. */
export function checkPskIdentity(identity: unknown): string {
  if (typeof identity !== 'string' || identity.length === 0) throw ServerError.badRequest('PSK identity must be a non-empty string', { param: 'identity' });
  const bytes = Buffer.from(identity, 'utf8');
  if (bytes.toString('utf8') !== identity) throw ServerError.badRequest('PSK identity is not well-formed UTF-8 (lone surrogate)', { param: 'identity' });
  if (bytes.length > MAX_PSK_IDENTITY_BYTES) {
    throw ServerError.badRequest(`PSK identity is ${bytes.length} bytes of UTF-8; at most ${MAX_PSK_IDENTITY_BYTES} are allowed`, { param: 'identity' });
  }
  return identity;
}

/** @throws ServerError BAD_REQUEST unless the key is 16 to 64 bytes. */
export function checkPskKey(key: Buffer): Buffer {
  if (!Buffer.isBuffer(key) || key.length < MIN_PSK_BYTES || key.length > MAX_PSK_BYTES) {
    throw ServerError.badRequest(`PSK key must be ${MIN_PSK_BYTES} to ${MAX_PSK_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`, { param: 'key' });
  }
  return key;
}

/** Parses a PSK key given as hex (an even number of hex digits, nothing else). @throws ServerError BAD_REQUEST */
export function parseHexKey(hex: unknown): Buffer {
  if (typeof hex !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(hex)) {
    throw ServerError.badRequest('PSK key must be hex digits (0-9, a-f), an even number of them', { param: 'key' });
  }
  return checkPskKey(Buffer.from(hex, 'hex'));
}

/** The SubjectPublicKeyInfo DER of a P-256 public key given as PEM (`PUBLIC KEY`). @throws ServerError BAD_REQUEST */
export function parseP256PublicKeyPem(pem: unknown): Buffer {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN PUBLIC KEY-----')) {
    throw ServerError.badRequest('publicKey must be a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block', { param: 'publicKey' });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw ServerError.badRequest('publicKey is not a valid PEM public key', { param: 'publicKey' });
  }
  return checkP256(key);
}

/** @throws ServerError BAD_REQUEST unless `spkiDer` is the SubjectPublicKeyInfo DER of a P-256 key (RFC 7250 raw public key). */
export function checkP256PublicKey(spkiDer: Buffer): Buffer {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw ServerError.badRequest('publicKey is not a SubjectPublicKeyInfo DER', { param: 'publicKey' });
  }
  return checkP256(key);
}

function checkP256(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind = key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
    throw ServerError.badRequest(`publicKey must be an EC P-256 (secp256r1) key, got ${kind}`, { param: 'publicKey' });
  }
  return key.export({ format: 'der', type: 'spki' });
}

/** Validates an entry and returns a normalised copy (the public key re-encoded as DER). @throws ServerError BAD_REQUEST */
export function checkSecurityEntry(entry: SecurityEntry): SecurityEntry {
  switch (entry?.mode) {
    case 'psk':
      return { mode: 'psk', identity: checkPskIdentity(entry.identity), key: Buffer.from(checkPskKey(entry.key)) };
    case 'rpk':
      return { mode: 'rpk', publicKey: checkP256PublicKey(entry.publicKey) };
    case 'x509':
      return { mode: 'x509' };
    default:
      throw ServerError.badRequest(`unknown security mode ${JSON.stringify((entry as { mode?: unknown })?.mode)} (expected psk, rpk or x509)`, { param: 'mode' });
  }
}

/** The showable part of an entry. */
export function summarize(endpoint: string, entry: SecurityEntry, updatedAt: number): SecuritySummary {
  if (entry.mode === 'psk') return { endpoint, mode: 'psk', identity: entry.identity, updatedAt };
  if (entry.mode === 'rpk') return { endpoint, mode: 'rpk', publicKeyFingerprint: publicKeyFingerprint(entry.publicKey), updatedAt };
  return { endpoint, mode: 'x509', updatedAt };
}
