import { createHash } from 'node:crypto';

/**
 * Every Redis key lwtwin uses is built here, and nowhere else.
 *
 * Per-device keys carry the endpoint in a hash tag (`{ep}`) so that all keys of one device land in one Redis Cluster
 * slot and can change together in one MULTI or Lua script. Fleet-wide indexes (expiry, peer, tag indexes) have their
 * own slot; on a single Redis they join the same MULTI.
 */
export class RedisKeys {
  constructor(readonly prefix = 'lwtwin:') {}

  // --- registrations -------------------------------------------------------------------------------------------
  /** Hash: the registration of one endpoint (fields documented in registration-store). */
  registration(ep: string): string {
    return `${this.prefix}reg:{${ep}}`;
  }
  /** String: registration id -> endpoint. */
  registrationId(regId: string): string {
    return `${this.prefix}regid:${regId}`;
  }
  /** Sorted set: endpoint scored by expiry time (ms since epoch). Also the list of registered endpoints. */
  registrationExpiry(): string {
    return `${this.prefix}reg:expiry`;
  }
  /** String: `address:port` -> endpoint. */
  registrationPeer(address: string, port: number): string {
    return `${this.prefix}reg:peer:${address}:${port}`;
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

  // --- twins ---------------------------------------------------------------------------------------------------
  /** Hash: twin header and back-end sections of one device. */
  twin(ep: string): string {
    return `${this.prefix}twin:{${ep}}`;
  }
  /** Hash: reported properties of one device, one field per leaf property. */
  twinReported(ep: string): string {
    return `${this.prefix}twin:{${ep}}:reported`;
  }
  /** Set: every device that has a twin. */
  twinIndex(): string {
    return `${this.prefix}twin:index`;
  }
  /**
   * Sorted set, every score 0: the ids of all devices with a twin in lexicographic order (ZRANGE BYLEX), so queries
   * and listings page in deviceId order. Kept beside `twinIndex()` in the same atomic steps.
   */
  twinSortedIndex(): string {
    return `${this.prefix}twin:index:sorted`;
  }
  /** Set: devices whose twin has `path` (a tags/desired/reported leaf) equal to `value` (JSON-encoded). */
  twinValueIndex(path: string, value: string): string {
    return `${this.prefix}twin:idx:${path}=${value}`;
  }
  /** Pub/sub channel for twin change events (so every server process can invalidate its cache). */
  twinChanges(): string {
    return `${this.prefix}twin:changes`;
  }

  // --- jobs ----------------------------------------------------------------------------------------------------
  /** BullMQ prefix for job queues. */
  jobsPrefix(): string {
    return `${this.prefix}jobs`;
  }
  /** Pub/sub channel for server-wide events (registrations, notifications, jobs). */
  events(): string {
    return `${this.prefix}events`;
  }
}
