import { OBSERVE_SEQ_MODULUS } from './constants.ts';
import { ExpiringMap, type Expiring } from './expiring-map.ts';
import type { Peer } from './types.ts';

/** An observation this endpoint serves (device role, RFC 7641 §4.1), keyed by observer and token. */
export interface ServerObservation extends Expiring {
  readonly peer: Peer;
  readonly token: Buffer;
  /** The Block2 cache key of the observed request, so a large notification's later blocks can be served. */
  requestKey: string | undefined;
  /** The last Observe sequence number sent. */
  seq: number;
  /** The observer answered a notification with RST (RFC 7641 §3.6): the next `notify()` reports 'reset'. */
  cancelled: boolean;
}

/**
 * The observations this endpoint serves: one per (observer, token), holding the per-token Observe counter.
 * Size-capped, oldest first; entries have no time limit (an observation lives until cancelled).
 */
export class ServerObservationRegistry {
  private readonly entries: ExpiringMap<string, ServerObservation>;

  constructor(maxEntries: number) {
    this.entries = new ExpiringMap(maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  static key(peerKey: string, tokenKey: string): string {
    return peerKey + '|' + tokenKey;
  }

  get(key: string): ServerObservation | undefined {
    return this.entries.get(key, Number.NEGATIVE_INFINITY);
  }

  /** Registers (or re-registers, RFC 7641 §4.1) an observation; a re-registration keeps the counter. */
  register(key: string, peer: Peer, token: Buffer, requestKey: string | undefined, now: number): ServerObservation {
    const existing = this.get(key);
    if (existing !== undefined) {
      existing.requestKey = requestKey;
      existing.cancelled = false;
      return existing;
    }
    const obs: ServerObservation = { peer, token: Buffer.from(token), requestKey, seq: -1, cancelled: false, expiresAt: Number.POSITIVE_INFINITY };
    this.entries.set(key, obs, now);
    return obs;
  }

  remove(key: string): void {
    this.entries.delete(key);
  }

  /** RFC 7641 §4.4: the next 24-bit sequence number (or `explicit` when the caller chose one). */
  static nextSeq(obs: ServerObservation, explicit: number | undefined): number {
    obs.seq = explicit ?? (obs.seq + 1) % OBSERVE_SEQ_MODULUS;
    return obs.seq;
  }

  clear(): void {
    this.entries.clear();
  }
}
