/**
 * A read cache in front of a twin store (an lru-cache keyed by device): whole twins (`get`) and shallow reads
 * (`getProperty`, docs/twin-model.md#shallow-and-deep-reads). `CachedTwinStore` is itself a `TwinStore`, so callers do not know whether they have one.
 *
 * Freshness:
 * - every write through this instance drops the device's entry before the write starts and again once it has
 *   resolved, so a caller that awaited a write never reads an older value afterwards;
 * - a read that was in flight when the device was invalidated does not fill the cache with what it read;
 * - writes by other processes arrive on the change feed (`TwinStore.onChange`) and drop the entry; a feed resync
 *   (subscriber reconnected, messages may be lost) drops everything;
 * - entries also expire after `maxAgeMs`, a bound on staleness should the feed ever fail silently.
 * Cached twins and values are deep-frozen and shared between callers.
 */
import { LRUCache } from 'lru-cache';
import type { ReportedUpdate } from './reported-fields.ts';
import type { TwinPatch } from './twin-patch.ts';
import type { QueryPage, QueryPageRequest, TwinQuery } from './twin-query.ts';
import type {
  ApplyResult,
  DesiredSyncStatus,
  PatchOptions,
  PatchResult,
  PropertyValue,
  TwinChange,
  TwinSectionName,
  TwinStore,
} from './twin-store.ts';
import type { ConnectionState, ObservationSyncRecord, Twin, TwinObject, TwinStatus } from './twin.ts';

export interface TwinCacheOptions {
  /** Devices kept (each entry holds the twin and/or shallow reads of one device). @defaultValue 100000 */
  maxEntries?: number;
  /** Longest time an entry is served, ms. @defaultValue 60000 */
  maxAgeMs?: number;
}

export interface TwinCacheStats {
  hits: number;
  misses: number;
  /** Entries dropped because of a write (own or from the change feed). */
  invalidations: number;
  /** Devices cached now. */
  size: number;
}

interface Entry {
  twin?: Twin;
  properties: Map<string, PropertyValue>;
}

interface ReadToken {
  stale: boolean;
}

export class CachedTwinStore implements TwinStore {
  readonly instanceId: string;
  private readonly cache: LRUCache<string, Entry>;
  private readonly inFlight = new Map<string, Set<ReadToken>>();
  private unsubscribe?: () => void;
  private hits = 0;
  private misses = 0;
  private invalidations = 0;

  private constructor(
    private readonly store: TwinStore,
    options: TwinCacheOptions,
  ) {
    this.instanceId = store.instanceId;
    this.cache = new LRUCache<string, Entry>({ max: options.maxEntries ?? 100_000, ttl: options.maxAgeMs ?? 60_000 });
  }

  /** Wraps `store` (closing the cache closes it) and subscribes to its change feed before resolving. */
  static async create(store: TwinStore, options: TwinCacheOptions = {}): Promise<CachedTwinStore> {
    const cached = new CachedTwinStore(store, options);
    cached.unsubscribe = await store.onChange((change) => cached.onFeed(change));
    return cached;
  }

  /** Counters for metrics (server/metrics.ts). */
  stats(): TwinCacheStats {
    return { hits: this.hits, misses: this.misses, invalidations: this.invalidations, size: this.cache.size };
  }

  async get(ep: string, opts: { fillCache?: boolean } = {}): Promise<Twin | undefined> {
    const twin = this.cache.get(ep)?.twin;
    if (twin) {
      this.hits++;
      return twin;
    }
    this.misses++;
    if (opts.fillCache === false) return this.store.get(ep);
    return this.read(ep, () => this.store.get(ep), (entry, value) => (entry.twin = value));
  }

  async getProperty(ep: string, section: TwinSectionName, property: readonly string[]): Promise<PropertyValue | undefined> {
    const key = `${section}:${property.join('.')}`;
    const cached = this.cache.get(ep)?.properties.get(key);
    if (cached) {
      this.hits++;
      return cached;
    }
    this.misses++;
    return this.read(ep, () => this.store.getProperty(ep, section, property), (entry, value) => entry.properties.set(key, value));
  }

  ensure(ep: string, init?: { tags?: TwinObject }): Promise<Twin> {
    return this.write([ep], () => this.store.ensure(ep, init));
  }

  delete(ep: string): Promise<boolean> {
    return this.write([ep], () => this.store.delete(ep));
  }

  patch(ep: string, patch: TwinPatch, opts?: PatchOptions): Promise<PatchResult> {
    return this.write([ep], () => this.store.patch(ep, patch, opts));
  }

  applyReported(updates: readonly ReportedUpdate[]): Promise<ApplyResult> {
    return this.write(new Set(updates.map((u) => u.ep)), () => this.store.applyReported(updates));
  }

  setConnection(ep: string, state: ConnectionState, lastActivityTime?: number): Promise<void> {
    return this.write([ep], () => this.store.setConnection(ep, state, lastActivityTime));
  }

  setObservationState(ep: string, state: Readonly<Record<string, ObservationSyncRecord>>): Promise<void> {
    return this.write([ep], () => this.store.setObservationState(ep, state));
  }

  setStatus(ep: string, status: TwinStatus): Promise<void> {
    return this.write([ep], () => this.store.setStatus(ep, status));
  }

  recordDesiredSync(ep: string, property: readonly string[], status: DesiredSyncStatus): Promise<boolean> {
    return this.write([ep], () => this.store.recordDesiredSync(ep, property, status));
  }

  /** Not cached: queries are eventually consistent by definition (Azure IoT Hub query language doc). */
  query(query: TwinQuery, page: QueryPageRequest): Promise<QueryPage> {
    return this.store.query(query, page);
  }

  count(): Promise<number> {
    return this.store.count();
  }

  listIds(cursor: string | undefined, count: number): Promise<{ ids: string[]; cursor?: string }> {
    return this.store.listIds(cursor, count);
  }

  onChange(listener: (change: TwinChange) => void): Promise<() => void> {
    return this.store.onChange(listener);
  }

  /** Unsubscribes from the feed, empties the cache and closes the wrapped store (the cache owns it). */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cache.clear();
    await this.store.close();
  }

  /** Drops everything cached for `ep` and spoils reads of it still in flight. */
  invalidate(ep: string): void {
    if (this.cache.delete(ep)) this.invalidations++;
    const reads = this.inFlight.get(ep);
    if (reads) for (const token of reads) token.stale = true;
  }

  private onFeed(change: TwinChange): void {
    if (change.sections.includes('resync')) {
      this.invalidations += this.cache.size;
      this.cache.clear();
      for (const reads of this.inFlight.values()) for (const token of reads) token.stale = true;
      return;
    }
    // Own writes were invalidated around the write itself.
    if (change.origin !== this.store.instanceId) this.invalidate(change.ep);
  }

  private async read<T>(ep: string, load: () => Promise<T | undefined>, fill: (entry: Entry, value: T) => void): Promise<T | undefined> {
    const token: ReadToken = { stale: false };
    let reads = this.inFlight.get(ep);
    if (!reads) this.inFlight.set(ep, (reads = new Set()));
    reads.add(token);
    try {
      const value = await load();
      if (value === undefined || token.stale) return value;
      deepFreeze(value);
      let entry = this.cache.get(ep);
      if (!entry) this.cache.set(ep, (entry = { properties: new Map() }));
      fill(entry, value);
      return value;
    } finally {
      reads.delete(token);
      if (reads.size === 0) this.inFlight.delete(ep);
    }
  }

  private async write<T>(eps: Iterable<string>, run: () => Promise<T>): Promise<T> {
    const list = [...eps];
    for (const ep of list) this.invalidate(ep);
    try {
      return await run();
    } finally {
      for (const ep of list) this.invalidate(ep);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
