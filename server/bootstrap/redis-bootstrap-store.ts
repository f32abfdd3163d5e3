import type { RedisClient } from '../store/redis-client.ts';
import type { RedisKeys } from '../store/keys.ts';
import { SecretBox } from '../security/secret-box.ts';
import type { BootstrapConfig } from './bootstrap-config.ts';
import { decodeStoredConfig, encodeStoredConfig } from './bootstrap-config-codec.ts';
import { MAX_SESSIONS_PER_ENDPOINT, type BootstrapSessionRecord, type BootstrapStore } from './bootstrap-store.ts';

export interface RedisBootstrapStoreOptions {
  /** An ioredis client owned by the caller. */
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  /** Encrypts fixed PSK keys of configurations at rest (see SecretBox). */
  readonly serverSecret?: string;
}

/**
 * BootstrapStore in Redis. Layout (names from RedisKeys): `bootstrapConfig(ep)` string (JSON, hash-tagged by
 * endpoint), `bootstrapDefaultConfig()` string, `bootstrapSessions(ep)` list of JSON records, newest first, trimmed to
 * MAX_SESSIONS_PER_ENDPOINT in the same MULTI. Every command touches one key, so it works on Redis Cluster.
 */
export class RedisBootstrapStore implements BootstrapStore {
  readonly #redis: RedisClient;
  readonly #keys: RedisKeys;
  readonly #box: SecretBox;

  constructor(opts: RedisBootstrapStoreOptions) {
    this.#redis = opts.redis;
    this.#keys = opts.keys;
    this.#box = new SecretBox(opts.serverSecret, 'bootstrap-config/psk');
  }

  async getConfig(ep: string): Promise<BootstrapConfig | undefined> {
    const text = await this.#redis.get(this.#keys.bootstrapConfig(ep));
    return text === null ? undefined : decodeStoredConfig(text, this.#box, ep);
  }
  async putConfig(ep: string, config: BootstrapConfig): Promise<void> {
    await this.#redis.set(this.#keys.bootstrapConfig(ep), encodeStoredConfig(config, this.#box, ep));
  }
  async deleteConfig(ep: string): Promise<boolean> {
    return (await this.#redis.del(this.#keys.bootstrapConfig(ep))) === 1;
  }
  async getDefault(): Promise<BootstrapConfig | undefined> {
    const text = await this.#redis.get(this.#keys.bootstrapDefaultConfig());
    return text === null ? undefined : decodeStoredConfig(text, this.#box, '*');
  }
  async putDefault(config: BootstrapConfig): Promise<void> {
    await this.#redis.set(this.#keys.bootstrapDefaultConfig(), encodeStoredConfig(config, this.#box, '*'));
  }
  async deleteDefault(): Promise<boolean> {
    return (await this.#redis.del(this.#keys.bootstrapDefaultConfig())) === 1;
  }
  async resolve(ep: string): Promise<{ config: BootstrapConfig; source: 'endpoint' | 'default' } | undefined> {
    // Two single-key reads issued together (one round trip with auto-pipelining; cluster-safe).
    const [own, fallback] = await Promise.all([this.#redis.get(this.#keys.bootstrapConfig(ep)), this.#redis.get(this.#keys.bootstrapDefaultConfig())]);
    if (own !== null) return { config: decodeStoredConfig(own, this.#box, ep), source: 'endpoint' };
    if (fallback !== null) return { config: decodeStoredConfig(fallback, this.#box, '*'), source: 'default' };
    return undefined;
  }
  async addSession(record: BootstrapSessionRecord): Promise<void> {
    const key = this.#keys.bootstrapSessions(record.endpoint);
    await this.#redis.multi().lpush(key, JSON.stringify(record)).ltrim(key, 0, MAX_SESSIONS_PER_ENDPOINT - 1).exec();
  }
  async listSessions(ep: string): Promise<BootstrapSessionRecord[]> {
    const items = await this.#redis.lrange(this.#keys.bootstrapSessions(ep), 0, MAX_SESSIONS_PER_ENDPOINT - 1);
    return items.map((s) => JSON.parse(s) as BootstrapSessionRecord);
  }
}
