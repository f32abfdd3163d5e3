import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../../server/store/keys.ts';
import { CachedTwinStore } from '../../../server/twin/twin-cache.ts';
import { MemoryTwinStore } from '../../../server/twin/memory-twin-store.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import type { Twin } from '../../../server/twin/twin.ts';
import { testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';

const T0 = Date.UTC(2024, 0, 1);
const battery = (ep: string, value: number, timestamp: number) => ({ ep, property: ['device', 'batteryLevel'], value, source: 'notify' as const, timestamp });

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('CachedTwinStore', () => {
  let store: MemoryTwinStore;
  let cache: CachedTwinStore;

  beforeEach(async () => {
    store = new MemoryTwinStore({ now: () => T0 });
    cache = await CachedTwinStore.create(store, { maxAgeMs: 3_600_000 });
    await store.ensure('dev1', { tags: { plant: 'P1' } });
    await store.applyReported([battery('dev1', 50, T0 + 1)]);
  });
  afterEach(async () => {
    await cache.close();
    await store.close();
  });

  it('serves repeated twin gets and shallow reads from memory, counting hits and misses', async () => {
    const a = await cache.get('dev1');
    const b = await cache.get('dev1');
    expect(b).toBe(a);
    expect(Object.isFrozen(a!.properties.reported)).toBe(true);
    expect(await cache.getProperty('dev1', 'reported', ['device', 'batteryLevel'])).toMatchObject({ value: 50 });
    expect(await cache.getProperty('dev1', 'reported', ['device', 'batteryLevel'])).toMatchObject({ value: 50 });
    expect(cache.stats()).toEqual({ hits: 2, misses: 2, invalidations: 0, size: 1 });
    expect(await cache.get('nobody')).toBeUndefined();
    expect(cache.stats().size).toBe(1); // absence is not cached
  });

  it('a one-off read (fillCache: false) is served but not kept, and still hits what is cached', async () => {
    expect((await cache.get('dev1', { fillCache: false }))?.properties.reported).toMatchObject({ device: { batteryLevel: 50 } });
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 1, size: 0 });
    const kept = await cache.get('dev1');
    expect(await cache.get('dev1', { fillCache: false })).toBe(kept);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, size: 1 });
  });

  it('drops the entry around its own writes, so a read after a write sees it', async () => {
    await cache.get('dev1');
    await cache.getProperty('dev1', 'tags', ['plant']);
    await cache.patch('dev1', { tags: { plant: 'P2' } });
    expect((await cache.get('dev1'))!.tags).toEqual({ plant: 'P2' });
    expect(await cache.getProperty('dev1', 'tags', ['plant'])).toMatchObject({ value: 'P2' });
    await cache.applyReported([battery('dev1', 40, T0 + 2)]);
    expect((await cache.getProperty('dev1', 'reported', ['device', 'batteryLevel']))!.value).toBe(40);
    await cache.setConnection('dev1', 'connected');
    expect((await cache.get('dev1'))!.connectionState).toBe('connected');
    await cache.delete('dev1');
    expect(await cache.get('dev1')).toBeUndefined();
  });

  it('drops entries on change messages from another instance', async () => {
    const other = new MemoryTwinStore({ backend: store.backend, now: () => T0 });
    await cache.get('dev1');
    await other.applyReported([battery('dev1', 10, T0 + 5)]);
    await until(async () => cache.stats().invalidations === 1, 'the change message');
    expect((await cache.get('dev1'))!.properties.reported.device).toEqual({ batteryLevel: 10 });
  });

  it('drops everything on a feed resync', async () => {
    await store.ensure('dev2');
    await cache.get('dev1');
    await cache.get('dev2');
    store.backend.publish({ ep: '*', sections: ['resync'], version: 0 });
    await until(async () => cache.stats().size === 0, 'the resync');
    expect(cache.stats().invalidations).toBe(2);
  });

  it('does not cache what a read returned when the device was written meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slowReads = 1;
    class SlowStore extends MemoryTwinStore {
      override async get(ep: string): Promise<Twin | undefined> {
        const twin = await super.get(ep);
        if (slowReads-- > 0) await gate;
        return twin;
      }
    }
    const slow = new SlowStore({ backend: store.backend, now: () => T0 });
    const slowCache = await CachedTwinStore.create(slow);
    const pending = slowCache.get('dev1');
    await slowCache.patch('dev1', { tags: { plant: 'P9' } });
    release();
    expect((await pending)!.tags).toEqual({ plant: 'P1' }); // read before the write: fine to return...
    expect((await slowCache.get('dev1'))!.tags).toEqual({ plant: 'P9' }); // ...but it was not cached
    expect(slowCache.stats().misses).toBe(2);
    await slowCache.close();
  });

  it('is bounded by entry count and age', async () => {
    const small = await CachedTwinStore.create(store, { maxEntries: 2, maxAgeMs: 30 });
    for (const ep of ['a', 'b', 'c']) {
      await store.ensure(ep);
      await small.get(ep);
    }
    expect(small.stats().size).toBe(2);
    await small.get('c');
    expect(small.stats().hits).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    await small.get('c');
    expect(small.stats()).toMatchObject({ hits: 1, misses: 4 });
    await small.close();
  });
});

describe('CachedTwinStore across processes (Redis)', () => {
  const prefix = uniquePrefix('twin-cache');
  const keys = new RedisKeys(prefix);
  let a: Redis;
  let b: Redis;
  let writer: RedisTwinStore;
  let reader: RedisTwinStore;
  let cache: CachedTwinStore;

  beforeEach(async () => {
    a = new Redis(testRedisUrl());
    b = new Redis(testRedisUrl());
    writer = new RedisTwinStore({ redis: a, keys });
    reader = new RedisTwinStore({ redis: b, keys });
    cache = await CachedTwinStore.create(reader, { maxAgeMs: 3_600_000 });
  });
  afterEach(async () => {
    const found = await a.keys(`${prefix}*`);
    if (found.length > 0) await a.del(...found);
    await cache.close();
    await writer.close();
    await reader.close();
    await Promise.all([a.quit(), b.quit()]);
  });

  it('shows a write made through one instance to a cached read through another once the change message arrives', async () => {
    await writer.ensure('dev1');
    await writer.applyReported([battery('dev1', 50, T0)]);
    expect((await cache.getProperty('dev1', 'reported', ['device', 'batteryLevel']))!.value).toBe(50);
    expect((await cache.get('dev1'))!.properties.reported.device).toEqual({ batteryLevel: 50 });
    expect(cache.stats().misses).toBe(2);

    await writer.applyReported([battery('dev1', 49, T0 + 1000)]);
    await until(async () => (await cache.getProperty('dev1', 'reported', ['device', 'batteryLevel']))!.value === 49, 'the new battery level');
    expect((await cache.get('dev1'))!.properties.reported.device).toEqual({ batteryLevel: 49 });
    expect(cache.stats().invalidations).toBeGreaterThanOrEqual(1);

    await writer.patch('dev1', { properties: { desired: { device: { timezone: 'UTC' } } } });
    await until(async () => (await cache.get('dev1'))!.properties.desired.$version === 2, 'the desired change');
  });
});
