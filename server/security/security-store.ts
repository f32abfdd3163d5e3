import { ServerError } from '../errors.ts';
import type { SecurityEntry, SecuritySummary } from './security-entry.ts';

export type { SecurityEntry, SecuritySummary } from './security-entry.ts';

/** Page size of `list` when none is given. */
export const DEFAULT_SECURITY_LIST_COUNT = 100;
/** Largest page `list` returns. */
export const MAX_SECURITY_LIST_COUNT = 1000;

/**
 * Which credentials a store holds. A device has separate entries for the DM server and for the bootstrap server
 * (OMA LwM2M TS Core 1.1 §6.1: the Bootstrap-Server Account has its own Security Object Instance), so each lives in
 * its own key namespace; the same PSK identity may exist once in each.
 */
export type SecurityNamespace = 'dm' | 'bootstrap';

/** One page of entries in endpoint order; `cursor` is absent on the last page. Never carries a key. */
export interface SecurityPage {
  readonly items: SecuritySummary[];
  readonly cursor?: string;
}

/** `put` was refused because the PSK identity or public key is bound to another endpoint (HTTP 409). */
export class SecurityConflictError extends ServerError {
  constructor(
    readonly what: 'identity' | 'publicKey',
    readonly ownerEndpoint: string,
  ) {
    super('CONFLICT', what === 'identity' ? 'this PSK identity is already bound to another endpoint' : 'this public key is already bound to another endpoint', {
      details: { param: what, endpoint: ownerEndpoint },
    });
  }
}

/**
 * Where DTLS credentials live (one store per namespace), modelled on Leshan's `SecurityStore`/`EditableSecurityStore`.
 * Implementations: `RedisSecurityStore` (shared by every server process) and `MemorySecurityStore` (unit tests).
 *
 * Each endpoint has at most one entry. A PSK identity and a public key resolve to at most one endpoint: `put` refuses
 * one that another endpoint holds. Replacing or deleting an entry drops its old identity/public-key index in the same
 * observable step: from the moment `put`/`delete` writes the entry, lookups by the old identity or key find nothing.
 * Invalid arguments reject with `ServerError` BAD_REQUEST.
 */
export interface SecurityStore {
  readonly namespace: SecurityNamespace;
  /** The entry of an endpoint, key included (for the DTLS handshake and the bootstrap writer only; never show it). */
  get(ep: string): Promise<SecurityEntry | undefined>;
  /** The endpoint holding this PSK identity and its key (DTLS PSK handshake, RFC 4279 §2). */
  findByPskIdentity(identity: string): Promise<{ endpoint: string; key: Buffer } | undefined>;
  /** The endpoint holding this raw public key (DTLS RPK handshake, RFC 7250). */
  findByPublicKey(spkiDer: Buffer): Promise<string | undefined>;
  /**
   * Adds or replaces the entry of `ep`.
   * @throws SecurityConflictError if the PSK identity or public key is bound to another endpoint
   * @throws ServerError BAD_REQUEST for an invalid entry (see checkSecurityEntry)
   */
  put(ep: string, entry: SecurityEntry): Promise<void>;
  /** The showable part of an entry (mode, identity or key fingerprint, updatedAt), without decrypting its key. */
  summary(ep: string): Promise<SecuritySummary | undefined>;
  /** Removes the entry of `ep` and its indexes; resolves whether there was one. */
  delete(ep: string): Promise<boolean>;
  /**
   * One page of entries in endpoint order (UTF-8 bytes), weakly consistent like Redis SCAN.
   * @param opts.count 1 to MAX_SECURITY_LIST_COUNT @defaultValue DEFAULT_SECURITY_LIST_COUNT
   * @throws ServerError BAD_REQUEST for a malformed cursor or count
   */
  list(opts?: { cursor?: string; count?: number }): Promise<SecurityPage>;
  /** Releases what the store owns. */
  close(): Promise<void>;
}

/** Opaque, URL-safe cursor: the last endpoint of a page. */
export function encodeSecurityCursor(endpoint: string): string {
  return Buffer.from(endpoint, 'utf8').toString('base64url');
}

/** @throws ServerError BAD_REQUEST if the cursor was not made by encodeSecurityCursor. */
export function decodeSecurityCursor(cursor: string): string {
  const ep = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (ep === '' || encodeSecurityCursor(ep) !== cursor) throw ServerError.badRequest('invalid list cursor', { param: 'cursor' });
  return ep;
}

/** Validates a page size. @throws ServerError BAD_REQUEST */
export function securityListCount(count: number | undefined): number {
  if (count === undefined) return DEFAULT_SECURITY_LIST_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SECURITY_LIST_COUNT) {
    throw ServerError.badRequest(`invalid count ${count} (expected 1 to ${MAX_SECURITY_LIST_COUNT})`, { param: 'count' });
  }
  return count;
}

/** @throws ServerError BAD_REQUEST for an empty or over-long endpoint name. */
export function checkEndpointName(ep: string): string {
  if (typeof ep !== 'string' || ep.length === 0 || ep.length > 255) throw ServerError.badRequest('endpoint name must be 1 to 255 characters', { param: 'ep' });
  return ep;
}
