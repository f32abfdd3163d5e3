import { ServerError } from '../errors.ts';
import { ALL_SHARDS, indexShard, type RedisKeys } from '../store/keys.ts';
import { createRedisClient, type RedisClient } from '../store/redis-client.ts';
import type { Peer, Registration, RegistrationUpdate } from './registration.ts';
import { samePeer } from './registration.ts';
import { flatToHash, hashToRegistration, registrationToFields, updateToFields } from './registration-hash.ts';
import { defineRegistrationScripts, type FlatHash, type RegistrationScripts } from './redis-registration-scripts.ts';
import { decodeListCursor, encodeListCursor, expireLimit, listCount, type ListPosition, type RegistrationPage, type RegistrationStore } from './registration-store.ts';

/** How long after a registration's expiry its keys stay in Redis if no server process removes them first. */
export const DEFAULT_KEY_RETENTION_MS = 3_600_000;

export interface RedisRegistrationStoreOptions {
  /**
   * An ioredis client owned by the caller (not closed by `close()`): a single Redis or a Redis Cluster
   * (server/store/redis-client.ts); or a single-Redis URL from which the store creates its own client (closed by
   * `close()`).
   */
  readonly redis: RedisClient | string;
  readonly keys: RedisKeys;
  /**
   * Every key of a registration (hash, id and peer index) gets PEXPIREAT expiresAt + this, so nothing leaks if no
   * server process is left to call removeExpired; removeExpired normally removes them long before.
   * @defaultValue DEFAULT_KEY_RETENTION_MS (1 h)
   */
  readonly keyRetentionMs?: number;
}

/**
 * RegistrationStore in Redis, shared by every server process (modelled on Leshan's RedisRegistrationStore), on a
 * single Redis or a Redis Cluster with the same code.
 *
 * Layout (key names from RedisKeys):
 * - `registration(ep)`: hash of the registration (fields in registration-hash.ts), hash-tagged by endpoint: the
 *   source of truth, changed only by one-key Lua scripts (./lua), so each change is atomic on one cluster slot;
 * - `registrationId(id)`: string, registration id -> endpoint;
 * - `registrationPeer(address, port)`: string, peer -> `<registration id>\n<endpoint>` of the latest Register or
 *   Update from that peer;
 * - `registrationExpiry(shard)`: sorted sets, endpoint scored by expiresAt, in the endpoint's index shard; together
 *   the list of registered endpoints.
 *
 * The index entries are hints written by separate one-key commands around the hash's script: new entries before it,
 * stale ones after it. Every read through an index checks the hash (same id, same peer, expiry not moved), so an
 * entry left behind by a process that died between two steps is harmless: lookups ignore it and the expiry sweep
 * repairs or drops it. A registration costs two to three round trips instead of one script (the price of Redis
 * Cluster: a script cannot span the endpoint's slot and the index slots).
 */
export class RedisRegistrationStore implements RegistrationStore {
  readonly #redis: RedisClient & RegistrationScripts;
  readonly #owned: boolean;
  readonly #keys: RedisKeys;
  readonly #retentionMs: number;
  #closed = false;

  constructor(options: RedisRegistrationStoreOptions) {
    const owned = typeof options.redis === 'string';
    const redis = typeof options.redis === 'string' ? createRedisClient({ url: options.redis }) : options.redis;
    this.#redis = defineRegistrationScripts(redis);
    this.#owned = owned;
    this.#keys = options.keys;
    this.#retentionMs = options.keyRetentionMs ?? DEFAULT_KEY_RETENTION_MS;
    if (!Number.isSafeInteger(this.#retentionMs) || this.#retentionMs < 0) {
      throw ServerError.badRequest(`invalid keyRetentionMs ${options.keyRetentionMs}`, { param: 'keyRetentionMs' });
    }
  }

  async add(reg: Registration): Promise<{ previous?: Registration }> {
    this.#open();
    const keys = this.#keys;
    const redis = this.#redis;
    const ep = reg.endpoint;
    const keyExpireAt = Math.max(reg.expiresAt, Date.now()) + this.#retentionMs;
    const idKey = keys.registrationId(reg.registrationId);
    const peerKey = keys.registrationPeer(reg.peer.address, reg.peer.port);
    // index entries first: if this process dies before the hash is written they point at nothing and are ignored
    await Promise.all([
      redis.set(idKey, ep, 'PXAT', keyExpireAt),
      redis.set(peerKey, peerValue(reg.registrationId, ep), 'PXAT', keyExpireAt),
      redis.zadd(keys.registrationExpiry(indexShard(ep)), reg.expiresAt, ep),
    ]);
    const fields = registrationToFields(reg);
    const old = await redis.lwtwinAddRegistration(
      keys.registration(ep),
      keyExpireAt,
      fields.blob,
      fields.registrationId,
      fields.lifetime,
      fields.lastUpdate,
      reg.expiresAt,
      idKey,
      peerKey,
    );
    const previous = toRegistration(old);
    if (!previous) return {};
    const stale = flatToHash(old);
    await Promise.all([
      stale.ik && stale.ik !== idKey ? redis.del(stale.ik) : undefined,
      stale.pk && stale.pk !== peerKey ? this.#dropPeer(stale.pk, previous) : undefined,
    ]);
    return { previous };
  }

  async update(registrationId: string, update: RegistrationUpdate): Promise<{ previous: Registration; current: Registration } | undefined> {
    this.#open();
    const keys = this.#keys;
    const redis = this.#redis;
    const ep = await redis.get(keys.registrationId(registrationId));
    if (ep === null) return undefined;
    const peerKey = keys.registrationPeer(update.peer.address, update.peer.port);
    const reply = await redis.lwtwinUpdateRegistration(
      keys.registration(ep),
      registrationId,
      update.lastUpdate,
      update.graceMs,
      this.#retentionMs,
      peerKey,
      ...updateToFields(update),
    );
    if (!reply) return undefined;
    const previous = toRegistration(reply[0]);
    const current = toRegistration(reply[1]);
    if (!previous || !current) throw ServerError.internal(`update of registration ${registrationId} returned no registration`);
    const keyExpireAt = Number(reply[2]);
    const oldPeerKey = flatToHash(reply[0]).pk;
    await Promise.all([
      redis.zadd(keys.registrationExpiry(indexShard(ep)), current.expiresAt, ep),
      redis.pexpireat(keys.registrationId(registrationId), keyExpireAt),
      redis.set(peerKey, peerValue(registrationId, ep), 'PXAT', keyExpireAt),
      oldPeerKey && oldPeerKey !== peerKey ? this.#dropPeer(oldPeerKey, previous) : undefined,
    ]);
    return { previous, current };
  }

  async remove(registrationId: string): Promise<Registration | undefined> {
    this.#open();
    const idKey = this.#keys.registrationId(registrationId);
    const ep = await this.#redis.get(idKey);
    if (ep === null) return undefined;
    const old = await this.#redis.lwtwinRemoveRegistration(this.#keys.registration(ep), registrationId);
    const removed = toRegistration(old);
    if (!removed) {
      // a stale index entry (its registration is gone or was replaced): drop it
      await this.#redis.del(idKey);
      return undefined;
    }
    await this.#dropIndexes(flatToHash(old!), removed);
    return removed;
  }

  async getByEndpoint(ep: string): Promise<Registration | undefined> {
    this.#open();
    return hashToRegistration(await this.#redis.hgetall(this.#keys.registration(ep)));
  }

  async getById(registrationId: string): Promise<Registration | undefined> {
    this.#open();
    const ep = await this.#redis.get(this.#keys.registrationId(registrationId));
    if (ep === null) return undefined;
    const reg = await this.getByEndpoint(ep);
    return reg?.registrationId === registrationId ? reg : undefined;
  }

  async getByPeer(peer: Peer): Promise<Registration | undefined> {
    this.#open();
    const value = await this.#redis.get(this.#keys.registrationPeer(peer.address, peer.port));
    if (value === null) return undefined;
    const nl = value.indexOf('\n');
    const reg = await this.getByEndpoint(nl < 0 ? value : value.slice(nl + 1));
    return reg && samePeer(reg.peer, peer) ? reg : undefined;
  }

  /**
   * Pages in (expiresAt, endpoint) order, merging the expiry shards: each shard gives its next `count` entries after
   * the cursor, the merge keeps the first `count`.
   */
  async list(opts: { cursor?: string; count?: number } = {}): Promise<RegistrationPage> {
    this.#open();
    const count = listCount(opts.count);
    const after = opts.cursor === undefined ? undefined : decodeListCursor(opts.cursor);
    const perShard = await Promise.all(ALL_SHARDS.map((shard) => this.#shardPage(shard, after, count + 1)));
    const merged = perShard.flat().sort((a, b) => a.expiresAt - b.expiresAt || (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0));
    const page = merged.slice(0, count);
    const regs = await Promise.all(page.map((p) => this.getByEndpoint(p.endpoint)));
    const items = regs.filter((r): r is Registration => r !== undefined);
    if (merged.length <= count || page.length === 0) return { items };
    return { items, cursor: encodeListCursor(page[page.length - 1]) };
  }

  async count(): Promise<number> {
    this.#open();
    const counts = await Promise.all(ALL_SHARDS.map((shard) => this.#redis.zcard(this.#keys.registrationExpiry(shard))));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Removes up to `limit` expired registrations, oldest first: merges the due entries of every shard and expires each
   * through its own hash (expire-registration-1.lua), so concurrent sweepers never both return the same registration.
   * Entries another sweeper took meanwhile are skipped and the next due ones tried, so concurrent callers together
   * remove everything due.
   */
  async removeExpired(now: number, limit?: number): Promise<Registration[]> {
    this.#open();
    const max = expireLimit(limit);
    const removed: Registration[] = [];
    for (let round = 0; round < MAX_EXPIRE_ROUNDS && removed.length < max; round++) {
      const need = max - removed.length;
      const due = await Promise.all(ALL_SHARDS.map((shard) => this.#redis.zrangebyscore(this.#keys.registrationExpiry(shard), '-inf', now, 'WITHSCORES', 'LIMIT', 0, need)));
      const candidates = due
        .flatMap((flat, shard) => pairs(flat).map(([ep, score]) => ({ ep, shard, score: Number(score) })))
        .sort((a, b) => a.score - b.score)
        .slice(0, need);
      if (candidates.length === 0) break;
      const outcomes = await Promise.all(candidates.map(({ ep, shard }) => this.#expireOne(ep, shard, now)));
      for (const r of outcomes) if (r) removed.push(r);
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#redis.quit();
  }

  #open(): void {
    if (this.#closed) throw ServerError.internal('registration store is closed');
  }

  /** Expires one due entry: the registration when its hash says it expired, else repairs or drops the entry. */
  async #expireOne(ep: string, shard: number, now: number): Promise<Registration | undefined> {
    const redis = this.#redis;
    const expiryKey = this.#keys.registrationExpiry(shard);
    const reply = await redis.lwtwinExpireRegistration(this.#keys.registration(ep), now);
    if (reply[0] === 0) {
      await redis.lwtwinZremIfAtMost(expiryKey, ep, now);
      return undefined;
    }
    if (reply[0] === 1) {
      await redis.zadd(expiryKey, 'XX', reply[1], ep);
      return undefined;
    }
    const removed = toRegistration(reply[1]);
    if (removed) await this.#dropIndexes(flatToHash(reply[1]), removed);
    return removed;
  }

  /** The next `limit` entries of one expiry shard strictly after `after` in (score, endpoint) order. */
  async #shardPage(shard: number, after: ListPosition | undefined, limit: number): Promise<ListPosition[]> {
    const key = this.#keys.registrationExpiry(shard);
    const out: ListPosition[] = [];
    const batch = Math.max(limit, 64);
    for (let offset = 0; out.length < limit; offset += batch) {
      const flat = await this.#redis.zrangebyscore(key, after ? after.expiresAt : '-inf', '+inf', 'WITHSCORES', 'LIMIT', offset, batch);
      for (let i = 0; i < flat.length && out.length < limit; i += 2) {
        const pos = { endpoint: flat[i], expiresAt: Number(flat[i + 1]) };
        if (after && pos.expiresAt === after.expiresAt && pos.endpoint <= after.endpoint) continue;
        out.push(pos);
      }
      if (flat.length < batch * 2) break;
    }
    return out;
  }

  /** Drops the index entries of a registration that was removed (its id is unique; the others only while still its own). */
  async #dropIndexes(hash: Readonly<Record<string, string>>, removed: Registration): Promise<void> {
    const redis = this.#redis;
    await Promise.all([
      hash.ik ? redis.del(hash.ik) : undefined,
      hash.pk ? this.#dropPeer(hash.pk, removed) : undefined,
      redis.lwtwinZremIfAtMost(this.#keys.registrationExpiry(indexShard(removed.endpoint)), removed.endpoint, removed.expiresAt),
    ]);
  }

  /** Deletes a peer index entry while it still points at this registration (or, written by an older version, at its endpoint). */
  async #dropPeer(peerKey: string, reg: Registration): Promise<void> {
    await Promise.all([
      this.#redis.lwtwinDelIfEqual(peerKey, peerValue(reg.registrationId, reg.endpoint)),
      this.#redis.lwtwinDelIfEqual(peerKey, reg.endpoint),
    ]);
  }
}

/** Rounds of one removeExpired call (each round settles every entry it saw, so this only bounds a busy fleet). */
const MAX_EXPIRE_ROUNDS = 20;

function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** The value of a peer index entry. Endpoint names never contain control characters (register-params.ts). */
function peerValue(registrationId: string, ep: string): string {
  return `${registrationId}\n${ep}`;
}

function toRegistration(flat: FlatHash | null | undefined): Registration | undefined {
  return flat && flat.length > 0 ? hashToRegistration(flatToHash(flat)) : undefined;
}
