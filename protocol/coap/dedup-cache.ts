import { ExpiringMap, type Expiring } from './expiring-map.ts';
import type { CoapMessage } from './types.ts';

/** A deduplication record of a received CON or NON (RFC 7252 §4.5). */
export interface DedupEntry extends Expiring {
  /** The reply to re-send to a duplicate CON (piggybacked response, empty ACK or RST); undefined while pending or for NON. */
  reply: Buffer | undefined;
  /** Type, code and token of the recorded message, hashed. */
  fingerprint: number;
}

/** FNV-1a over a message's type, code and token: a retransmission is byte-identical, so these match. */
export function messageFingerprint(msg: CoapMessage): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ msg.type, 0x01000193);
  h = Math.imul(h ^ msg.code, 0x01000193);
  const token = msg.token;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token[i], 0x01000193);
  return h >>> 0;
}

/**
 * Received-message deduplication (RFC 7252 §4.5) keyed by `peer#messageId`, for EXCHANGE_LIFETIME, size-capped with
 * the oldest records evicted first. A message that reuses a recorded id with a different type, code or token is not
 * a retransmission (those are identical) but a peer reusing ids too fast (RFC 7252 §4.4 allows 65536 per
 * EXCHANGE_LIFETIME): it is treated as new rather than answered with a stale reply.
 */
export class DedupCache {
  private readonly entries: ExpiringMap<string, DedupEntry>;

  constructor(
    maxEntries: number,
    private readonly lifetimeMs: number,
  ) {
    this.entries = new ExpiringMap(maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The record `msg` duplicates, or undefined when it is new. */
  duplicateOf(key: string, msg: CoapMessage, now: number): DedupEntry | undefined {
    const entry = this.entries.get(key, now);
    return entry !== undefined && entry.fingerprint === messageFingerprint(msg) ? entry : undefined;
  }

  /** Records a new message; the caller fills in `reply` once it has answered. */
  record(key: string, msg: CoapMessage, now: number): DedupEntry {
    const entry: DedupEntry = { reply: undefined, fingerprint: messageFingerprint(msg), expiresAt: now + this.lifetimeMs };
    this.entries.set(key, entry, now);
    return entry;
  }

  prune(now: number): void {
    this.entries.prune(now);
  }

  clear(): void {
    this.entries.clear();
  }
}
