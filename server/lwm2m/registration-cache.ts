import { LRUCache } from 'lru-cache';
import type { Registration } from '../registration/registration.ts';

/**
 * The latest registration this process has seen per endpoint (from Register/Update it handled or from the store),
 * so notifications and queued requests use the device's current address without a store round trip. Bounded (LRU);
 * a miss only means the next lookup goes to the store.
 */
export class RegistrationCache {
  /** Each entry's `at` counts ms from here: a small integer in the entry, where ms since 1970 would be a boxed number. */
  private readonly epoch = Date.now();
  private readonly cache: LRUCache<string, { reg: Registration; at: number }>;

  constructor(maxEntries = 100_000) {
    this.cache = new LRUCache({ max: maxEntries });
  }

  get size(): number {
    return this.cache.size;
  }

  get(endpoint: string): Registration | undefined {
    return this.cache.get(endpoint)?.reg;
  }

  /**
   * The cached registration if this process stored or confirmed it within `maxAgeMs` (e.g. a Register it just
   * handled), so a burst of requests to one device costs one store read, not one each.
   */
  getFresh(endpoint: string, maxAgeMs: number, now = Date.now()): Registration | undefined {
    const e = this.cache.get(endpoint);
    return e && now - this.epoch - e.at <= maxAgeMs ? e.reg : undefined;
  }

  /** Keeps `reg` unless a newer state of the same registration is already known. */
  put(reg: Registration, now = Date.now()): void {
    const known = this.cache.get(reg.endpoint)?.reg;
    if (known && known.registrationId === reg.registrationId && known.lastUpdate > reg.lastUpdate) return;
    this.cache.set(reg.endpoint, { reg, at: Math.floor(now - this.epoch) });
  }

  /**
   * `put` for a registration read from the store (a lookup that missed): kept if its endpoint is cached already or the
   * cache has room, never at the cost of another entry. Under round-robin traffic over more devices than the bound
   * (notifications of 100,001 devices against 100,000 entries), evicting the least recently used device on each miss
   * evicts the next one to be looked up, so every lookup would miss and read Redis; admitting only into free room
   * keeps the devices within the bound cached and sends only those beyond it to the store.
   */
  putRead(reg: Registration, now = Date.now()): void {
    if (this.cache.size < this.cache.max || this.cache.has(reg.endpoint)) this.put(reg, now);
  }

  /** Forgets `endpoint` (only if its cached registration is `registrationId`, when given). */
  delete(endpoint: string, registrationId?: string): void {
    const known = this.cache.get(endpoint)?.reg;
    if (known && (registrationId === undefined || known.registrationId === registrationId)) this.cache.delete(endpoint);
  }

  /** The cached registration without counting it as a use (the LRU order stays). */
  peek(endpoint: string): Registration | undefined {
    return this.cache.peek(endpoint)?.reg;
  }

  /** Every cached endpoint, a snapshot (most recently used first). */
  endpoints(): string[] {
    return [...this.cache.keys()];
  }

  /** Every cached registration (most recently used first). */
  values(): Registration[] {
    return [...this.cache.values()].map((e) => e.reg);
  }

  clear(): void {
    this.cache.clear();
  }
}
