import { ServerError } from '../errors.ts';
import type { Peer, Registration, RegistrationUpdate } from './registration.ts';

/** Page size of `list` when none is given. */
export const DEFAULT_LIST_COUNT = 100;
/** Largest page `list` returns. */
export const MAX_LIST_COUNT = 1000;
/** Most registrations one `removeExpired` call takes when no limit is given. */
export const DEFAULT_EXPIRE_LIMIT = 500;

/** One page of registrations; `cursor` is absent on the last page. */
export interface RegistrationPage {
  readonly items: Registration[];
  readonly cursor?: string;
}

/**
 * Where registrations live (OMA TS Core 1.1 §6.2 Client Registration): one per endpoint, reachable by endpoint, registration id and peer address.
 * Implementations: `MemoryRegistrationStore` (one process) and `RedisRegistrationStore` (shared by server processes).
 * Every method that changes more than one index does so atomically. Invalid arguments reject with `ServerError`.
 */
export interface RegistrationStore {
  /**
   * Adds or replaces the registration of reg.endpoint atomically; returns the replaced one, if any (its observations
   * must then be dropped by the caller). The replaced registration's id and peer no longer resolve afterwards.
   */
  add(reg: Registration): Promise<{ previous?: Registration }>;
  /**
   * Applies an Update (lifetime, binding, sms, object links, peer, lastUpdate/expiresAt) to the registration with
   * this id atomically, with the semantics of `applyRegistrationUpdate`. Resolves undefined if there is no such id.
   */
  update(registrationId: string, update: RegistrationUpdate): Promise<{ previous: Registration; current: Registration } | undefined>;
  /** Removes the registration with this id and its indexes (De-register); resolves what was removed. */
  remove(registrationId: string): Promise<Registration | undefined>;
  getByEndpoint(ep: string): Promise<Registration | undefined>;
  getById(registrationId: string): Promise<Registration | undefined>;
  /** The registration whose latest Register/Update came from this address and port. */
  getByPeer(peer: Peer): Promise<Registration | undefined>;
  /**
   * One page of registrations, ordered by (expiresAt, endpoint). Weakly consistent, like Redis SCAN: a registration
   * present and unchanged during the whole walk is returned once; one updated during the walk may be returned twice
   * or, if its expiry moved before the cursor, not at all.
   * @param opts.count page size, 1 to MAX_LIST_COUNT @defaultValue DEFAULT_LIST_COUNT
   * @throws ServerError BAD_REQUEST for a malformed cursor or count
   */
  list(opts?: { cursor?: string; count?: number }): Promise<RegistrationPage>;
  count(): Promise<number>;
  /**
   * Removes and returns registrations whose expiresAt <= now (at most `limit`), atomically per registration so two
   * server processes never both expire the same one.
   * @param limit @defaultValue DEFAULT_EXPIRE_LIMIT
   */
  removeExpired(now: number, limit?: number): Promise<Registration[]>;
  /** Releases what the store owns (connections it created). The store must not be used afterwards. */
  close(): Promise<void>;
}

/** Position after the last item of a page: the (expiresAt, endpoint) pair `list` orders by. */
export interface ListPosition {
  readonly expiresAt: number;
  readonly endpoint: string;
}

/** Opaque, URL-safe form of a list position. */
export function encodeListCursor(pos: ListPosition): string {
  return Buffer.from(`${pos.expiresAt}\n${pos.endpoint}`, 'utf8').toString('base64url');
}

/** @throws ServerError BAD_REQUEST if the cursor was not made by encodeListCursor. */
export function decodeListCursor(cursor: string): ListPosition {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const nl = text.indexOf('\n');
  const expiresAt = nl > 0 ? Number(text.slice(0, nl)) : NaN;
  if (!Number.isSafeInteger(expiresAt) || nl === text.length - 1) throw ServerError.badRequest('invalid list cursor', { param: 'cursor' });
  return { expiresAt, endpoint: text.slice(nl + 1) };
}

/** Validates a page size. @throws ServerError BAD_REQUEST */
export function listCount(count: number | undefined): number {
  if (count === undefined) return DEFAULT_LIST_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > MAX_LIST_COUNT) {
    throw ServerError.badRequest(`invalid count ${count} (expected 1 to ${MAX_LIST_COUNT})`, { param: 'count' });
  }
  return count;
}

/** Validates a removeExpired limit. @throws ServerError BAD_REQUEST */
export function expireLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_EXPIRE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw ServerError.badRequest(`invalid limit ${limit} (expected a positive integer)`, { param: 'limit' });
  return limit;
}
