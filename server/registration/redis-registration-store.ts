import { Redis } from 'ioredis';
import { ServerError } from '../errors.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { Peer, Registration, RegistrationUpdate } from './registration.ts';
import { samePeer } from './registration.ts';
import { flatToHash, hashToRegistration, registrationToFields, updateToFields } from './registration-hash.ts';
import { defineRegistrationScripts, type FlatHash, type RegistrationScripts } from './redis-registration-scripts.ts';
import { decodeListCursor, encodeListCursor, expireLimit, listCount, type RegistrationPage, type RegistrationStore } from './registration-store.ts';

/** How long after a registration's expiry its keys stay in Redis if no server process removes them first. */
export const DEFAULT_KEY_RETENTION_MS = 3_600_000;

export interface RedisRegistrationStoreOptions {
  /**
   * An ioredis client owned by the caller (not closed by `close()`), or a Redis URL from which the store creates its
   * own client (closed by `close()`). Each call is one command, so concurrent callers pipeline on the connection
   * anyway; ioredis `enableAutoPipelining` cost ~40% more Node CPU per add in scripts/bench/registration-store.ts, so
   * the store's own client goes without it.
   */
  readonly redis: Redis | string;
  readonly keys: RedisKeys;
  /**
   * Every key of a registration (hash, id and peer index) gets PEXPIREAT expiresAt + this, so nothing leaks if no
   * server process is left to call removeExpired; removeExpired normally removes them long before.
   * @defaultValue DEFAULT_KEY_RETENTION_MS (1 h)
   */
  readonly keyRetentionMs?: number;
}

/**
 * RegistrationStore in Redis, shared by every server process (modelled on Leshan's RedisRegistrationStore).
 *
 * Layout (key names from RedisKeys):
 * - `registration(ep)`: hash of the registration (fields in registration-hash.ts), hash-tagged by endpoint;
 * - `registrationId(id)`: string, registration id -> endpoint;
 * - `registrationPeer(address, port)`: string, peer -> endpoint of the latest Register/Update from that peer;
 * - `registrationExpiry()`: sorted set, endpoint scored by expiresAt; also the list of registered endpoints.
 *
 * Every change is one Lua script (./lua), so it is atomic and costs one round trip. The scripts derive hash key names
 * from endpoints and read index key names from the hash, so they need a single Redis (not Redis Cluster).
 */
export class RedisRegistrationStore implements RegistrationStore {
  readonly #redis: Redis & RegistrationScripts;
  readonly #owned: boolean;
  readonly #keys: RedisKeys;
  readonly #retentionMs: number;
  /** `registration(ep)` = head + ep + tail, with the client's keyPrefix: lets scripts go from endpoint to hash. */
  readonly #regKeyHead: string;
  readonly #regKeyTail: string;
  #closed = false;

  constructor(options: RedisRegistrationStoreOptions) {
    const owned = typeof options.redis === 'string';
    const redis = typeof options.redis === 'string' ? new Redis(options.redis) : options.redis;
    this.#redis = defineRegistrationScripts(redis);
    this.#owned = owned;
    this.#keys = options.keys;
    this.#retentionMs = options.keyRetentionMs ?? DEFAULT_KEY_RETENTION_MS;
    if (!Number.isSafeInteger(this.#retentionMs) || this.#retentionMs < 0) {
      throw ServerError.badRequest(`invalid keyRetentionMs ${options.keyRetentionMs}`, { param: 'keyRetentionMs' });
    }
    const marker = '\u0000';
    const sample = this.#keys.registration(marker);
    const at = sample.indexOf(marker);
    if (at < 0 || sample.indexOf(marker, at + 1) >= 0) throw ServerError.internal('RedisKeys.registration(ep) must contain ep exactly once');
    const clientPrefix = redis.options.keyPrefix ?? '';
    this.#regKeyHead = clientPrefix + sample.slice(0, at);
    this.#regKeyTail = sample.slice(at + 1);
  }

  async add(reg: Registration): Promise<{ previous?: Registration }> {
    this.#open();
    const keys = this.#keys;
    const keyExpireAt = Math.max(reg.expiresAt, Date.now()) + this.#retentionMs;
    const fields = registrationToFields(reg);
    const old = await this.#redis.lwtwinAddRegistration(
      keys.registration(reg.endpoint),
      keys.registrationId(reg.registrationId),
      keys.registrationPeer(reg.peer.address, reg.peer.port),
      keys.registrationExpiry(),
      reg.endpoint,
      reg.expiresAt,
      keyExpireAt,
      fields.blob,
      fields.registrationId,
      fields.lifetime,
      fields.lastUpdate,
    );
    const previous = toRegistration(old);
    return previous ? { previous } : {};
  }

  async update(registrationId: string, update: RegistrationUpdate): Promise<{ previous: Registration; current: Registration } | undefined> {
    this.#open();
    const keys = this.#keys;
    const reply = await this.#redis.lwtwinUpdateRegistration(
      keys.registrationId(registrationId),
      keys.registrationExpiry(),
      keys.registrationPeer(update.peer.address, update.peer.port),
      registrationId,
      this.#regKeyHead,
      this.#regKeyTail,
      update.lastUpdate,
      update.graceMs,
      this.#retentionMs,
      ...updateToFields(update),
    );
    if (!reply) return undefined;
    const previous = toRegistration(reply[0]);
    const current = toRegistration(reply[1]);
    if (!previous || !current) throw ServerError.internal(`update of registration ${registrationId} returned no registration`);
    return { previous, current };
  }

  async remove(registrationId: string): Promise<Registration | undefined> {
    this.#open();
    const old = await this.#redis.lwtwinRemoveRegistration(
      this.#keys.registrationId(registrationId),
      this.#keys.registrationExpiry(),
      registrationId,
      this.#regKeyHead,
      this.#regKeyTail,
    );
    return toRegistration(old);
  }

  async getByEndpoint(ep: string): Promise<Registration | undefined> {
    this.#open();
    return hashToRegistration(await this.#redis.hgetall(this.#keys.registration(ep)));
  }

  async getById(registrationId: string): Promise<Registration | undefined> {
    this.#open();
    const flat = await this.#redis.lwtwinGetRegistrationByIndex(this.#keys.registrationId(registrationId), this.#regKeyHead, this.#regKeyTail);
    const reg = toRegistration(flat);
    return reg?.registrationId === registrationId ? reg : undefined;
  }

  async getByPeer(peer: Peer): Promise<Registration | undefined> {
    this.#open();
    const flat = await this.#redis.lwtwinGetRegistrationByIndex(this.#keys.registrationPeer(peer.address, peer.port), this.#regKeyHead, this.#regKeyTail);
    const reg = toRegistration(flat);
    return reg && samePeer(reg.peer, peer) ? reg : undefined;
  }

  async list(opts: { cursor?: string; count?: number } = {}): Promise<RegistrationPage> {
    this.#open();
    const count = listCount(opts.count);
    const after = opts.cursor === undefined ? undefined : decodeListCursor(opts.cursor);
    const [flats, lastEndpoint, lastScore, more] = await this.#redis.lwtwinListRegistrations(
      this.#keys.registrationExpiry(),
      after ? after.expiresAt : '',
      after ? after.endpoint : '',
      count,
      this.#regKeyHead,
      this.#regKeyTail,
    );
    const items = flats.map((flat) => toRegistration(flat)).filter((r): r is Registration => r !== undefined);
    if (!more || lastEndpoint === null) return { items };
    return { items, cursor: encodeListCursor({ expiresAt: Number(lastScore), endpoint: lastEndpoint }) };
  }

  async count(): Promise<number> {
    this.#open();
    return this.#redis.zcard(this.#keys.registrationExpiry());
  }

  async removeExpired(now: number, limit?: number): Promise<Registration[]> {
    this.#open();
    const max = expireLimit(limit);
    const flats = await this.#redis.lwtwinRemoveExpiredRegistrations(this.#keys.registrationExpiry(), now, max, this.#regKeyHead, this.#regKeyTail);
    return flats.map((flat) => toRegistration(flat)).filter((r): r is Registration => r !== undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#redis.quit();
  }

  #open(): void {
    if (this.#closed) throw ServerError.internal('registration store is closed');
  }
}

function toRegistration(flat: FlatHash | null | undefined): Registration | undefined {
  return flat && flat.length > 0 ? hashToRegistration(flatToHash(flat)) : undefined;
}
