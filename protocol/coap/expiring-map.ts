/** Anything stored in an `ExpiringMap` carries its own expiry time (on the `monotonicNow()` clock, ms). */
export interface Expiring {
  expiresAt: number;
}

/**
 * A size-capped map whose entries expire. Entries are evicted oldest first — by insertion, or by the last `set` of
 * the key — both when the cap is reached and when their time is up, so a flood cannot grow it without bound.
 * Expired entries are never returned; they are removed lazily (on access, and from the old end every few
 * insertions), so no timer runs.
 *
 * The age order lives in a queue of (key, value, expiresAt) beside the `Map`, not in the `Map`'s own iteration order:
 * V8 leaves a hole per deleted `Map` entry until it rehashes, so repeatedly evicting "the first entry" of a large Map
 * costs a scan over thousands of holes. A queue slot whose entry was since replaced or deleted is skipped.
 */
export class ExpiringMap<K, V extends Expiring> {
  private readonly map = new Map<K, V>();
  private qKeys: (K | undefined)[] = [];
  private qValues: (V | undefined)[] = [];
  private qExpires: number[] = [];
  private head = 0;
  private insertsSincePrune = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly onEvict?: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The live entry for `key`, or undefined (an expired entry is removed). */
  get(key: K, now: number): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    if (value.expiresAt <= now) {
      this.map.delete(key);
      this.onEvict?.(key, value);
      return undefined;
    }
    return value;
  }

  /** Inserts or replaces `key`; it becomes the youngest entry. */
  set(key: K, value: V, now: number): void {
    this.map.set(key, value);
    this.qKeys.push(key);
    this.qValues.push(value);
    this.qExpires.push(value.expiresAt);
    if (this.map.size > this.maxEntries) this.evictOldest();
    if (++this.insertsSincePrune >= 64) this.prune(now);
    const queued = this.qKeys.length - this.head;
    if (queued > 2 * this.map.size + 1024) this.rebuild();
    else if (this.head > 4096 && this.head * 2 > this.qKeys.length) this.compact();
  }

  delete(key: K): boolean {
    return this.map.delete(key); // its queue slot goes stale
  }

  /** Drops expired entries from the old end. */
  prune(now: number): void {
    this.insertsSincePrune = 0;
    while (this.head < this.qKeys.length) {
      const i = this.head;
      if (this.isLive(i)) {
        if (this.qExpires[i] > now) break;
        this.evictAt(i);
      }
      this.release(i);
    }
  }

  /** Removes the oldest entry; returns false when empty. */
  evictOldest(): boolean {
    while (this.head < this.qKeys.length) {
      const i = this.head;
      const live = this.isLive(i);
      if (live) this.evictAt(i);
      this.release(i);
      if (live) return true;
    }
    return false;
  }

  clear(): void {
    this.map.clear();
    this.qKeys = [];
    this.qValues = [];
    this.qExpires = [];
    this.head = 0;
  }

  /** A queue slot is live while its key still maps to the same value, set at the same time. */
  private isLive(i: number): boolean {
    const value = this.qValues[i];
    return value !== undefined && this.map.get(this.qKeys[i] as K) === value && value.expiresAt === this.qExpires[i];
  }

  private evictAt(i: number): void {
    const key = this.qKeys[i] as K;
    const value = this.qValues[i] as V;
    this.map.delete(key);
    this.onEvict?.(key, value);
  }

  private release(i: number): void {
    this.qKeys[i] = undefined;
    this.qValues[i] = undefined;
    this.head++;
  }

  private compact(): void {
    this.qKeys = this.qKeys.slice(this.head);
    this.qValues = this.qValues.slice(this.head);
    this.qExpires = this.qExpires.slice(this.head);
    this.head = 0;
  }

  /** Too many stale slots (keys replaced or deleted): keep only the live ones, in order. */
  private rebuild(): void {
    const keys: (K | undefined)[] = [];
    const values: (V | undefined)[] = [];
    const expires: number[] = [];
    for (let i = this.head; i < this.qKeys.length; i++) {
      if (!this.isLive(i)) continue;
      keys.push(this.qKeys[i]);
      values.push(this.qValues[i]);
      expires.push(this.qExpires[i]);
    }
    this.qKeys = keys;
    this.qValues = values;
    this.qExpires = expires;
    this.head = 0;
  }
}
