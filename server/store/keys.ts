import { createHash } from 'node:crypto';

/**
 * Every Redis key lwtwin uses is built here, and nowhere else. The layout is the same on a single Redis and on a Redis
 * Cluster (server/store/redis-client.ts):
 *
 * - Per-device keys carry the endpoint in a hash tag (`{ep}`), so all keys of one device land in one cluster slot and
 *   change together in one Lua script or MULTI.
 * - Fleet-wide indexes (registration expiry, the sorted twin index, the tag index, the numeric range index) are split into INDEX_SHARDS shards;
 *   a device's entries live in shard `indexShard(ep)`, whose keys share the hash tag `{idx:<n>}`. No script spans
 *   two slots: a device's script touches only its `{ep}` keys, and its index entries are written by separate
 *   single-slot commands, so an index is a hint that readers check against the device's own keys (see the stores).
 *   Fleet-wide reads fan out over the shards; no single key holds the whole fleet.
 * - Single-key lookups (registration id, peer address) need no tag.
 * - BullMQ and the job records share one hash-tagged prefix (`{<prefix>jobs}`), as BullMQ requires on a cluster.
 *
 * The previous layout (one unsharded `reg:expiry`, `twin:index`, `twin:index:sorted`, `twin:idx:*`, job prefix
 * `<prefix>jobs`) is moved once at start-up by server/store/migrate-layout.ts.
 */

/** Number of shards of every fleet-wide index. Changing it changes the key layout. */
export const INDEX_SHARDS = 16;

/** The index shard of an endpoint: FNV-1a of its UTF-16 code units, modulo INDEX_SHARDS. */
export function indexShard(ep: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ep.length; i++) {
    h ^= ep.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % INDEX_SHARDS;
}

/** 0 .. INDEX_SHARDS - 1. */
export const ALL_SHARDS: readonly number[] = Object.freeze(Array.from({ length: INDEX_SHARDS }, (_, i) => i));

export class RedisKeys {
  constructor(readonly prefix = 'lwtwin:') {}

  // --- liveness ------------------------------------------------------------------------------------------------
  /** String: written by one server process at start; its disappearance means Redis lost its data (redis-health.ts). */
  marker(serverId: string): string {
    return `${this.prefix}marker:${serverId}`;
  }

  /** The hash tag of index shard `shard`. */
  private shardTag(shard: number): string {
    return `{idx:${shard}}`;
  }

  // --- registrations -------------------------------------------------------------------------------------------
  /** Hash: the registration of one endpoint (fields documented in registration-store). */
  registration(ep: string): string {
    return `${this.prefix}reg:{${ep}}`;
  }
  /** String: registration id -> endpoint. */
  registrationId(regId: string): string {
    return `${this.prefix}regid:${regId}`;
  }
  /** Sorted set of one index shard: endpoint scored by expiry time (ms since epoch); also the list of registrations. */
  registrationExpiry(shard: number): string {
    return `${this.prefix}reg:expiry:${this.shardTag(shard)}`;
  }
  /** String: `address:port` -> `<registration id>\n<endpoint>` (older versions stored the endpoint alone). */
  registrationPeer(address: string, port: number): string {
    return `${this.prefix}reg:peer:${address}:${port}`;
  }

  // --- DTLS sessions kept for other processes (server/security/redis-dtls-session-store.ts) ---------------------
  /** Hash: one persisted DTLS session (sealed snapshot, reserved write sequence numbers), tagged by its handle. */
  dtlsSession(handle: string): string {
    return `${this.prefix}dtls:sess:{${handle}}`;
  }
  /** String: connection ID (hex) -> session handle. */
  dtlsSessionCid(cidHex: string): string {
    return `${this.prefix}dtls:cid:${cidHex}`;
  }
  /** String: `address:port` -> handle of the latest session made from there. */
  dtlsSessionPeer(address: string, port: number): string {
    return `${this.prefix}dtls:peer:${address}:${port}`;
  }

  // --- security (DTLS credentials; namespace `dm` or `bootstrap`) ----------------------------------------------
  /** Hash: the security entry of one endpoint (fields documented in redis-security-store.ts). */
  security(ns: string, ep: string): string {
    return `${this.prefix}sec:${ns}:{${ep}}`;
  }
  /** String: claim of the endpoint holding a PSK identity. Tagged by the identity's SHA-256, so any identity is safe. */
  securityPskIndex(ns: string, identity: string): string {
    return `${this.prefix}sec:${ns}:psk:{${createHash('sha256').update(identity, 'utf8').digest('hex')}}`;
  }
  /** String: claim of the endpoint holding a raw public key, by the SHA-256 of its SubjectPublicKeyInfo DER (hex). */
  securityPublicKeyIndex(ns: string, spkiSha256Hex: string): string {
    return `${this.prefix}sec:${ns}:rpk:{${spkiSha256Hex}}`;
  }
  /** Sorted set, every score 0: endpoints with an entry, in lexicographic order for paging (ZRANGE BYLEX). */
  securityEndpoints(ns: string): string {
    return `${this.prefix}sec:${ns}:endpoints`;
  }

  // --- bootstrap server ------------------------------------------------------------------------------------------
  /** String: the bootstrap configuration of one endpoint (JSON). */
  bootstrapConfig(ep: string): string {
    return `${this.prefix}bs:cfg:{${ep}}`;
  }
  /** String: the default bootstrap configuration (JSON). */
  bootstrapDefaultConfig(): string {
    return `${this.prefix}bs:default`;
  }
  /** List: audit records of an endpoint's bootstrap sessions, newest first (JSON). */
  bootstrapSessions(ep: string): string {
    return `${this.prefix}bs:sessions:{${ep}}`;
  }

  // --- twins ---------------------------------------------------------------------------------------------------
  /** Hash: twin header and back-end sections of one device. */
  twin(ep: string): string {
    return `${this.prefix}twin:{${ep}}`;
  }
  /** Hash: reported properties of one device, one field per leaf property. */
  twinReported(ep: string): string {
    return `${this.prefix}twin:{${ep}}:reported`;
  }
  /**
   * Sorted set of one index shard, every score 0: the ids of its devices with a twin in lexicographic order
   * (ZRANGE BYLEX), so queries and listings page in deviceId order after merging the shards.
   */
  twinSortedIndex(shard: number): string {
    return `${this.prefix}twin:index:${this.shardTag(shard)}`;
  }
  /** Set of one index shard: its devices whose tag leaf `path` equals `value` (JSON-encoded). */
  twinValueIndex(shard: number, path: string, value: string): string {
    return `${this.prefix}twin:tag:${this.shardTag(shard)}:${path}=${value}`;
  }
  /**
   * Sorted set of one index shard: the numeric range index of the twin leaf `path` (`properties.reported.a.b`,
   * `tags.x`, `properties.desired.y`), members `<ep>\0<value JSON>[\0<reported timestamp>]` scored by the number
   * (server/twin/number-index.ts).
   */
  twinNumberIndex(shard: number, path: string): string {
    return `${this.prefix}twin:num:${this.shardTag(shard)}:${path}`;
  }
  /**
   * String: the path prefixes the numeric range index covers every twin for, comma-separated (`ready`: every leaf,
   * from earlier versions); set by its backfill (server/twin/number-index.ts); absent: queries scan.
   */
  twinNumberIndexState(): string {
    return `${this.prefix}twin:num:state`;
  }
  /** Pub/sub channel for twin change events (so every server process can invalidate its cache). */
  twinChanges(): string {
    return `${this.prefix}twin:changes`;
  }

  /** String: version of the key layout this data is in (2: the cluster-safe one; absent: not yet checked). */
  layoutVersion(): string {
    return `${this.prefix}layout`;
  }

  // --- nodes ---------------------------------------------------------------------------------------------------
  /** Hash: server id -> last heartbeat (ms since epoch) of every server process sharing this Redis. */
  nodes(): string {
    return `${this.prefix}nodes`;
  }
  /** String: holder of the fleet-wide lease `name` (one process runs the sweep it guards), with a TTL. */
  lease(name: string): string {
    return `${this.prefix}lease:${name}`;
  }

  // --- jobs ----------------------------------------------------------------------------------------------------
  /** BullMQ prefix for job queues and the job records: hash-tagged, so BullMQ's scripts find one slot on a cluster. */
  jobsPrefix(): string {
    return `{${this.prefix}jobs}`;
  }
  /** Pub/sub channel for server-wide events (registrations, notifications, jobs). */
  events(): string {
    return `${this.prefix}events`;
  }

  // --- the previous (unsharded) layout, read only by migrate-layout.ts ----------------------------------------
  readonly legacy = {
    registrationExpiry: (): string => `${this.prefix}reg:expiry`,
    twinIndex: (): string => `${this.prefix}twin:index`,
    twinSortedIndex: (): string => `${this.prefix}twin:index:sorted`,
    /** SCAN pattern of the old tag index sets `twin:idx:<path>=<value>`. */
    twinValueIndexPattern: (): string => `${this.prefix}twin:idx:*`,
    twinValueIndexPrefix: (): string => `${this.prefix}twin:idx:`,
    jobsPrefix: (): string => `${this.prefix}jobs`,
  };
}
