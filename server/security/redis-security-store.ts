import { createHash, randomBytes } from 'node:crypto';
import { ServerError } from '../errors.ts';
import type { RedisKeys } from '../store/keys.ts';
import { defineLuaScripts } from '../store/lua-scripts.ts';
import { createRedisClient, type RedisClient } from '../store/redis-client.ts';
import { checkSecurityEntry, summarize, type SecurityEntry, type SecuritySummary } from './security-entry.ts';
import {
  checkEndpointName,
  decodeSecurityCursor,
  encodeSecurityCursor,
  SecurityConflictError,
  securityListCount,
  type SecurityNamespace,
  type SecurityPage,
  type SecurityStore,
} from './security-store.ts';
import { SecretBox } from './secret-box.ts';

/**
 * How long a claim on an identity/public-key index protects a put in progress: a claim older than this whose endpoint's
 * entry does not hold the credential was abandoned (its put failed half-way) and may be taken over.
 */
export const CLAIM_LEASE_MS = 10_000;

interface Scripts {
  lwtwinClaimSecurityIndex(key: string, ep: string, token: string, now: number, expected: string): Promise<[number, string?]>;
  lwtwinReleaseSecurityIndex(key: string, ep: string, token: string): Promise<number>;
  lwtwinReplaceSecurityEntry(key: string, ...fields: string[]): Promise<string[]>;
}

const SCRIPTS = {
  lwtwinClaimSecurityIndex: 'claim-security-index-1.lua',
  lwtwinReleaseSecurityIndex: 'release-security-index-1.lua',
  lwtwinReplaceSecurityEntry: 'replace-security-entry-1.lua',
};

export interface RedisSecurityStoreOptions {
  /** An ioredis client owned by the caller (not closed by `close()`), single Redis or cluster, or a Redis URL (the store's own client). */
  readonly redis: RedisClient | string;
  readonly keys: RedisKeys;
  readonly namespace: SecurityNamespace;
  /** Server secret that encrypts PSK keys at rest (see SecretBox); without it keys are stored unencrypted. */
  readonly serverSecret?: string;
}

/** An entry hash as a table. */
interface EntryHash {
  /** mode */ m?: string;
  /** PSK identity */ i?: string;
  /** PSK key, sealed by SecretBox */ k?: string;
  /** SubjectPublicKeyInfo DER, base64 */ p?: string;
  /** token: random, new on every put; the index claim made for this entry carries it */ t?: string;
  /** updatedAt, ms since epoch */ u?: string;
}

/**
 * SecurityStore in Redis, safe on Redis Cluster: every command and script touches one key.
 *
 * Layout (names from RedisKeys, `ns` the namespace):
 * - `security(ns, ep)`: hash of the entry (fields in EntryHash), hash-tagged by endpoint;
 * - `securityPskIndex(ns, identity)` / `securityPublicKeyIndex(ns, sha256)`: string, the claim of the endpoint holding
 *   that credential (`token \n claimedAt \n ep`);
 * - `securityEndpoints(ns)`: sorted set of endpoints with an entry, for `list`.
 *
 * The entry is the truth and the index keys are hints checked against it: a lookup follows the index to an endpoint
 * and answers only if that endpoint's entry holds the credential. So `put` and `delete` take effect in one step, the
 * write of the entry hash (one script), and the old identity stops resolving right then. A `put` first claims the new
 * credential's index (refusing it if another endpoint's entry holds it, or another put claimed it within
 * CLAIM_LEASE_MS), then replaces the entry, then releases the old credential's index if it still carries the old
 * entry's claim. A process dying between steps leaves at most an index key that resolves to nothing and that the next
 * put of that credential takes over.
 */
export class RedisSecurityStore implements SecurityStore {
  readonly namespace: SecurityNamespace;
  readonly #redis: RedisClient & Scripts;
  readonly #owned: boolean;
  readonly #keys: RedisKeys;
  readonly #box: SecretBox;
  #closed = false;

  constructor(options: RedisSecurityStoreOptions) {
    this.namespace = options.namespace;
    this.#owned = typeof options.redis === 'string';
    const redis = typeof options.redis === 'string' ? createRedisClient({ url: options.redis }) : options.redis;
    this.#redis = defineLuaScripts<Scripts>(redis, new URL('./lua/', import.meta.url), SCRIPTS);
    this.#keys = options.keys;
    this.#box = new SecretBox(options.serverSecret, `security-store/${options.namespace}/psk`);
  }

  /** Whether PSK keys are encrypted at rest. */
  get encryptsKeys(): boolean {
    return this.#box.encrypts;
  }

  async get(ep: string): Promise<SecurityEntry | undefined> {
    const h = await this.#entryHash(ep);
    return h ? this.#toEntry(ep, h) : undefined;
  }

  async findByPskIdentity(identity: string): Promise<{ endpoint: string; key: Buffer } | undefined> {
    this.#open();
    const endpoint = claimEndpoint(await this.#redis.get(this.#keys.securityPskIndex(this.namespace, identity)));
    if (endpoint === undefined) return undefined;
    const h = await this.#entryHash(endpoint);
    if (!h || h.m !== 'psk' || h.i !== identity || h.k === undefined) return undefined;
    return { endpoint, key: this.#box.open(h.k, this.#aad(endpoint, identity)) };
  }

  async findByPublicKey(spkiDer: Buffer): Promise<string | undefined> {
    this.#open();
    const endpoint = claimEndpoint(await this.#redis.get(this.#keys.securityPublicKeyIndex(this.namespace, sha256(spkiDer))));
    if (endpoint === undefined) return undefined;
    const h = await this.#entryHash(endpoint);
    return h?.m === 'rpk' && h.p !== undefined && Buffer.from(h.p, 'base64').equals(spkiDer) ? endpoint : undefined;
  }

  async put(ep: string, entry: SecurityEntry): Promise<void> {
    this.#open();
    checkEndpointName(ep);
    const next = checkSecurityEntry(entry);
    const token = randomBytes(9).toString('base64url');
    const now = Date.now();
    const index = this.#indexKey(next);
    if (index) await this.#claim(index.key, index.kind, ep, token, now, (h) => holds(h, next));
    const fields: string[] = ['m', next.mode, 't', token, 'u', String(now)];
    if (next.mode === 'psk') fields.push('i', next.identity, 'k', this.#box.seal(next.key, this.#aad(ep, next.identity)));
    if (next.mode === 'rpk') fields.push('p', next.publicKey.toString('base64'));
    const endpoints = this.#keys.securityEndpoints(this.namespace);
    await this.#redis.zadd(endpoints, 0, ep);
    const old = toHash(await this.#redis.lwtwinReplaceSecurityEntry(this.#keys.security(this.namespace, ep), ...fields));
    // Again after the write: a concurrent delete of ep may have removed it from the list in between.
    await this.#redis.zadd(endpoints, 0, ep);
    const oldIndex = old ? this.#indexKeyOfHash(old) : undefined;
    if (old?.t && oldIndex && oldIndex !== index?.key) await this.#redis.lwtwinReleaseSecurityIndex(oldIndex, ep, old.t);
  }

  async summary(ep: string): Promise<SecuritySummary | undefined> {
    const h = await this.#entryHash(ep);
    if (!h) return undefined;
    const updatedAt = Number(h.u ?? 0);
    if (h.m === 'psk') return { endpoint: ep, mode: 'psk', identity: h.i ?? '', updatedAt };
    if (h.m === 'rpk') return summarize(ep, { mode: 'rpk', publicKey: Buffer.from(h.p ?? '', 'base64') }, updatedAt);
    return { endpoint: ep, mode: 'x509', updatedAt };
  }

  async delete(ep: string): Promise<boolean> {
    this.#open();
    const entryKey = this.#keys.security(this.namespace, ep);
    const old = toHash(await this.#redis.lwtwinReplaceSecurityEntry(entryKey));
    const endpoints = this.#keys.securityEndpoints(this.namespace);
    await this.#redis.zrem(endpoints, ep);
    // A put of ep that wrote its entry meanwhile keeps its place in the list.
    if ((await this.#redis.exists(entryKey)) === 1) await this.#redis.zadd(endpoints, 0, ep);
    if (!old) return false;
    const oldIndex = this.#indexKeyOfHash(old);
    if (old.t && oldIndex) await this.#redis.lwtwinReleaseSecurityIndex(oldIndex, ep, old.t);
    return true;
  }

  async list(opts: { cursor?: string; count?: number } = {}): Promise<SecurityPage> {
    this.#open();
    const count = securityListCount(opts.count);
    const start = opts.cursor === undefined ? '-' : `(${decodeSecurityCursor(opts.cursor)}`;
    const eps = await this.#redis.zrangebylex(this.#keys.securityEndpoints(this.namespace), start, '+', 'LIMIT', 0, count + 1);
    const page = eps.slice(0, count);
    const summaries = await Promise.all(page.map((ep) => this.summary(ep)));
    const items = summaries.filter((s): s is SecuritySummary => s !== undefined);
    const last = page[page.length - 1];
    return eps.length > count && last !== undefined ? { items, cursor: encodeSecurityCursor(last) } : { items };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await this.#redis.quit();
  }

  /**
   * Claims `key` for `ep`. If another endpoint holds it: refused while that endpoint's entry holds the credential or
   * its claim is younger than CLAIM_LEASE_MS; otherwise taken over, if the claim is still the one inspected.
   */
  async #claim(key: string, kind: 'identity' | 'publicKey', ep: string, token: string, now: number, ownerHolds: (h: EntryHash) => boolean): Promise<void> {
    const [ok, current] = await this.#redis.lwtwinClaimSecurityIndex(key, ep, token, now, '');
    if (ok === 1) return;
    const claim = parseClaim(current);
    if (!claim) throw ServerError.internal(`malformed security index claim at ${key}`);
    const owner = await this.#entryHash(claim.endpoint);
    if ((owner && ownerHolds(owner)) || now - claim.claimedAt < CLAIM_LEASE_MS) throw new SecurityConflictError(kind, claim.endpoint);
    const [taken] = await this.#redis.lwtwinClaimSecurityIndex(key, ep, token, now, current ?? '');
    if (taken !== 1) throw new SecurityConflictError(kind, claim.endpoint);
  }

  async #entryHash(ep: string): Promise<EntryHash | undefined> {
    this.#open();
    const h = (await this.#redis.hgetall(this.#keys.security(this.namespace, ep))) as EntryHash;
    return h.m === undefined ? undefined : h;
  }

  #toEntry(ep: string, h: EntryHash): SecurityEntry {
    if (h.m === 'psk' && h.i !== undefined && h.k !== undefined) return { mode: 'psk', identity: h.i, key: this.#box.open(h.k, this.#aad(ep, h.i)) };
    if (h.m === 'rpk' && h.p !== undefined) return { mode: 'rpk', publicKey: Buffer.from(h.p, 'base64') };
    if (h.m === 'x509') return { mode: 'x509' };
    throw ServerError.internal(`malformed security entry of ${JSON.stringify(ep)} in namespace ${this.namespace}`);
  }

  #indexKey(entry: SecurityEntry): { key: string; kind: 'identity' | 'publicKey' } | undefined {
    if (entry.mode === 'psk') return { key: this.#keys.securityPskIndex(this.namespace, entry.identity), kind: 'identity' };
    if (entry.mode === 'rpk') return { key: this.#keys.securityPublicKeyIndex(this.namespace, sha256(entry.publicKey)), kind: 'publicKey' };
    return undefined;
  }

  #indexKeyOfHash(h: EntryHash): string | undefined {
    if (h.m === 'psk' && h.i !== undefined) return this.#keys.securityPskIndex(this.namespace, h.i);
    if (h.m === 'rpk' && h.p !== undefined) return this.#keys.securityPublicKeyIndex(this.namespace, sha256(Buffer.from(h.p, 'base64')));
    return undefined;
  }

  /** Binds a sealed key to its namespace, endpoint and identity. */
  #aad(ep: string, identity: string): string {
    return `${this.namespace}\n${ep}\n${identity}`;
  }

  #open(): void {
    if (this.#closed) throw ServerError.internal('security store is closed');
  }
}

function holds(h: EntryHash, entry: SecurityEntry): boolean {
  if (entry.mode === 'psk') return h.m === 'psk' && h.i === entry.identity;
  if (entry.mode === 'rpk') return h.m === 'rpk' && h.p !== undefined && Buffer.from(h.p, 'base64').equals(entry.publicKey);
  return false;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function parseClaim(claim: string | null | undefined): { token: string; claimedAt: number; endpoint: string } | undefined {
  if (!claim) return undefined;
  const nl1 = claim.indexOf('\n');
  const nl2 = nl1 < 0 ? -1 : claim.indexOf('\n', nl1 + 1);
  if (nl2 < 0) return undefined;
  return { token: claim.slice(0, nl1), claimedAt: Number(claim.slice(nl1 + 1, nl2)), endpoint: claim.slice(nl2 + 1) };
}

function claimEndpoint(claim: string | null): string | undefined {
  return parseClaim(claim)?.endpoint;
}

function toHash(flat: string[]): EntryHash | undefined {
  if (flat.length === 0) return undefined;
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h as EntryHash;
}
