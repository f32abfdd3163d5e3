import { decodeSnapshot, encodeSnapshot, type SessionSnapshot } from '../../protocol/dtls/session-snapshot.ts';
import { ServerError } from '../errors.ts';
import type { RedisKeys } from '../store/keys.ts';
import { defineLuaScripts } from '../store/lua-scripts.ts';
import type { RedisClient } from '../store/redis-client.ts';
import type { DtlsSessionStore } from './dtls-session-store.ts';
import { SecretBox } from './secret-box.ts';

interface Scripts {
  lwtwinPersistDtlsSession(key: string, sealed: string, fromSeq: string, block: string, ttlMs: string): Promise<string>;
  lwtwinReleaseDtlsSessionIndex(key: string, handle: string): Promise<number>;
}

const SCRIPTS = {
  lwtwinPersistDtlsSession: 'persist-dtls-session-1.lua',
  lwtwinReleaseDtlsSessionIndex: 'release-dtls-session-index-1.lua',
};

export interface RedisDtlsSessionStoreOptions {
  /** An ioredis client owned by the caller, single Redis or cluster. */
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  /** The server secret: snapshots hold session keys, so they are only ever stored sealed with it. */
  readonly serverSecret: string;
}

/**
 * DtlsSessionStore in Redis, safe on Redis Cluster: every command and script touches one key.
 *
 * Layout (names from RedisKeys):
 * - `dtlsSession(handle)`: hash `b` = the snapshot sealed by SecretBox (AES-256-GCM under a key derived from the
 *   server secret, additional data naming the handle, so a sealed snapshot copied under another handle does not open),
 *   `w` = end of the highest block of write sequence numbers reserved; written by one script (persist-dtls-session-1);
 * - `dtlsSessionCid(cid)`, `dtlsSessionPeer(address, port)`: string, the handle; hints that a lookup checks against
 *   the snapshot (protocol/dtls/session-keeper.ts refuses a snapshot whose CID or address is not the one asked for).
 * Every key lives as long as the session's idle timeout after its last write (PEXPIRE), so Redis forgets idle sessions
 * on its own.
 */
export class RedisDtlsSessionStore implements DtlsSessionStore {
  readonly #redis: RedisClient & Scripts;
  readonly #keys: RedisKeys;
  readonly #box: SecretBox;

  constructor(options: RedisDtlsSessionStoreOptions) {
    this.#redis = defineLuaScripts<Scripts>(options.redis, new URL('./lua/', import.meta.url), SCRIPTS);
    this.#keys = options.keys;
    this.#box = new SecretBox(options.serverSecret, 'dtls-session-store');
    if (!this.#box.encrypts) throw ServerError.badRequest('DTLS session persistence needs a server secret', { param: 'serverSecret' });
  }

  async persist(s: SessionSnapshot, reserve: { fromSeq: number; block: number }, ttlMs: number): Promise<number> {
    const sealed = this.#box.seal(encodeSnapshot(s), aad(s.handle));
    const ttl = String(Math.max(1, Math.ceil(ttlMs)));
    const start = Number(await this.#redis.lwtwinPersistDtlsSession(this.#keys.dtlsSession(s.handle), sealed, String(reserve.fromSeq), String(reserve.block), ttl));
    // Indexes after the session: a lookup never finds an index whose session is not written yet.
    await Promise.all([
      s.cidIn === undefined ? undefined : this.#redis.set(this.#keys.dtlsSessionCid(s.cidIn.toString('hex')), s.handle, 'PX', ttl),
      this.#redis.set(this.#keys.dtlsSessionPeer(s.peer.address, s.peer.port), s.handle, 'PX', ttl),
    ]);
    return start;
  }

  async findByCid(cid: Buffer): Promise<SessionSnapshot | undefined> {
    return this.#follow(await this.#redis.get(this.#keys.dtlsSessionCid(cid.toString('hex'))));
  }

  async findByAddress(address: string, port: number): Promise<SessionSnapshot | undefined> {
    return this.#follow(await this.#redis.get(this.#keys.dtlsSessionPeer(address, port)));
  }

  async remove(s: SessionSnapshot): Promise<void> {
    await this.#redis.del(this.#keys.dtlsSession(s.handle));
    await Promise.all([
      s.cidIn === undefined ? undefined : this.#redis.lwtwinReleaseDtlsSessionIndex(this.#keys.dtlsSessionCid(s.cidIn.toString('hex')), s.handle),
      this.#redis.lwtwinReleaseDtlsSessionIndex(this.#keys.dtlsSessionPeer(s.peer.address, s.peer.port), s.handle),
    ]);
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }

  /** @throws ServerError INTERNAL when the snapshot does not open (another secret, tampered) or does not decode */
  async #follow(handle: string | null): Promise<SessionSnapshot | undefined> {
    if (handle === null) return undefined;
    const sealed = await this.#redis.hget(this.#keys.dtlsSession(handle), 'b');
    if (sealed === null) return undefined;
    const raw = this.#box.open(sealed, aad(handle));
    let s: SessionSnapshot;
    try {
      s = decodeSnapshot(raw);
    } catch (err) {
      throw ServerError.internal(`stored DTLS session does not decode: ${(err as Error).message}`);
    }
    if (s.handle !== handle) throw ServerError.internal('stored DTLS session names another handle');
    return s;
  }
}

function aad(handle: string): string {
  return `dtls-session:${handle}`;
}
