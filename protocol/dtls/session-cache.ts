import type { PeerIdentity } from './identity.ts';
import type { ResumableSession } from './handshake-base.ts';

export interface CachedSession extends ResumableSession {
  identity: PeerIdentity;
  createdAt: number;
  /** SHA-256 of the PSK the session was made with: a changed key forces a full handshake. */
  pskFingerprint?: Buffer;
}

/**
 * Sessions a client may resume (RFC 5246 §7.3), by session ID. Bounded: beyond `maxEntries` the oldest goes;
 * entries older than `lifetimeMs` are not resumed.
 */
export class SessionCache {
  private readonly byId = new Map<string, CachedSession>();

  constructor(
    private readonly maxEntries: number,
    private readonly lifetimeMs: number,
  ) {}

  put(s: CachedSession): void {
    if (this.maxEntries <= 0) return;
    const key = s.id.toString('hex');
    this.byId.delete(key);
    this.byId.set(key, s);
    while (this.byId.size > this.maxEntries) this.byId.delete(this.byId.keys().next().value!);
  }

  get(id: Buffer): CachedSession | undefined {
    if (id.length === 0) return undefined;
    const key = id.toString('hex');
    const s = this.byId.get(key);
    if (s === undefined) return undefined;
    if (Date.now() - s.createdAt > this.lifetimeMs) {
      this.byId.delete(key);
      return undefined;
    }
    return s;
  }

  get size(): number {
    return this.byId.size;
  }

  clear(): void {
    this.byId.clear();
  }
}
