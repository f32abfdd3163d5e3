import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_SHARDS, indexShard, RedisKeys } from '../../../server/store/keys.ts';
import { backfillNumberIndex } from '../../../server/twin/number-index.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import { ALL_RANGE_INDEX_PATHS, DEFAULT_RANGE_INDEX_PATHS } from '../../../server/twin/range-index-paths.ts';
import { compileQuery } from '../../../server/query/evaluate.ts';
import { deleteKeysWithPrefix as deletePrefix, REDIS_MODES, testRedisClient, testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { T0, twinStoreContract, type TestClock } from './twin-store.contract.ts';

// every leaf indexed: the contract's range tests check the index's candidates (chosen paths: 'on chosen paths' below)
for (const mode of REDIS_MODES) {
  twinStoreContract(`RedisTwinStore (${mode} Redis)`, async () => {
    const paths = ALL_RANGE_INDEX_PATHS;
    const prefix = uniquePrefix('twin');
    const keys = new RedisKeys(prefix);
    const clock: TestClock = { now: T0 };
    const now = () => clock.now;
    // auto-pipelined like the server's shared connection: query scans send one command per twin and shard
    const a = testRedisClient(mode, { enableAutoPipelining: true });
    const b = testRedisClient(mode, { enableAutoPipelining: true });
    const store = new RedisTwinStore({ redis: a, keys, now, rangeIndex: paths, query: { scanBudget: 1000, fewCandidates: 0 } });
    const other = new RedisTwinStore({ redis: b, keys, now, rangeIndex: paths, query: { scanBudget: 1000, fewCandidates: 0 } });
    await backfillNumberIndex(a, keys, { paths }); // marks the (empty) numeric range index ready, as a server's start-up does
    return {
      store,
      other,
      clock,
      cleanup: async () => {
        await deletePrefix(a, prefix);
        await store.close();
        await other.close();
        await Promise.all([a.quit(), b.quit()]);
      },
    };
  });
}

describe('RedisTwinStore storage layout', () => {
  const prefix = uniquePrefix('twin-layout');
  const keys = new RedisKeys(prefix);
  let redis: Redis;
  let store: RedisTwinStore;

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    store = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: ALL_RANGE_INDEX_PATHS });
  });
  afterEach(async () => {
    await deletePrefix(redis, prefix);
    await store.close();
    await redis.quit();
  });

  it('keeps reported leaves as compact hash fields and tags in an equality index', async () => {
    await store.ensure('dev1', { tags: { location: { plant: 'P1' } } });
    await store.applyReported([{ ep: 'dev1', property: ['device', 'batteryLevel'], value: 55, source: 'notify', timestamp: T0 + 5 }]);
    expect(await redis.hgetall(keys.twinReported('dev1'))).toEqual({ 'device.batteryLevel': `[55,${T0 + 5},"notify"]` });
    const shard = indexShard('dev1');
    expect(await redis.smembers(keys.twinValueIndex(shard, 'tags.location.plant', '"P1"'))).toEqual(['dev1']);
    expect(await redis.zscore(keys.twinSortedIndex(shard), 'dev1')).toBe('0');
    await store.patch('dev1', { tags: { location: { plant: 'P2' } } });
    expect(await redis.exists(keys.twinValueIndex(shard, 'tags.location.plant', '"P1"'))).toBe(0);
    expect(await redis.smembers(keys.twinValueIndex(shard, 'tags.location.plant', '"P2"'))).toEqual(['dev1']);
  });

  it('sends a whole applyReported batch in one round trip (after indexing its numbers)', async () => {
    for (let i = 0; i < 20; i++) await store.ensure(`d${i}`);
    // MONITOR sees every client of the shared test Redis: keep only the commands of this store's connection.
    const own = /addr=(\S+)/.exec(String(await redis.client('INFO')))![1];
    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === own) commands.push(String(args[0]).toLowerCase());
    });
    await store.applyReported(Array.from({ length: 20 }, (_, i) => ({ ep: `d${i}`, property: ['x'], value: i, source: 'notify' as const, timestamp: T0 })));
    await new Promise((r) => setTimeout(r, 50));
    monitor.disconnect();
    const scripts = commands.filter((c) => c === 'evalsha' || c === 'eval');
    expect(scripts).toHaveLength(20);
    // the numeric range index: the new numbers in one ZADD per index shard (the values are all new: nothing to remove)
    const zadds = commands.filter((c) => c === 'zadd').length;
    expect(zadds).toBeGreaterThan(0);
    expect(zadds).toBeLessThanOrEqual(INDEX_SHARDS);
    expect(commands.filter((c) => c !== 'evalsha' && c !== 'eval' && !['hmget', 'hget', 'hset', 'hincrby', 'hkeys', 'publish', 'zadd'].includes(c))).toEqual([]);
  });

  it('with the default paths (tags and desired), a reported batch sends its scripts and nothing for the range index', async () => {
    const lean = new RedisTwinStore({ redis, keys, now: () => T0 });
    for (let i = 0; i < 5; i++) await lean.ensure(`e${i}`, { tags: { rank: i } });
    const own = /addr=(\S+)/.exec(String(await redis.client('INFO')))![1];
    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === own) commands.push(String(args[0]).toLowerCase());
    });
    for (const value of [1, 2]) await lean.applyReported(Array.from({ length: 5 }, (_, i) => ({ ep: `e${i}`, property: ['x'], value, source: 'notify' as const, timestamp: T0 + value })));
    await new Promise((r) => setTimeout(r, 50));
    monitor.disconnect();
    expect(commands.filter((c) => c === 'evalsha' || c === 'eval')).toHaveLength(10);
    expect(commands.filter((c) => c === 'zadd' || c === 'zrem')).toEqual([]);
    expect(await redis.zcard(keys.twinNumberIndex(indexShard('e1'), 'tags.rank'))).toBeGreaterThan(0);
    await lean.close();
  });

  it('backfills the numeric range index of twins written before it existed; until then range queries scan', async () => {
    await store.ensure('old1', { tags: { rank: 3 } });
    await store.ensure('old2');
    await store.applyReported([
      { ep: 'old1', property: ['device', 'batteryLevel'], value: 5, source: 'notify', timestamp: T0 },
      { ep: 'old2', property: ['device', 'batteryLevel'], value: 50, source: 'notify', timestamp: T0 },
    ]);
    // what a deployment of the previous version holds: the twins, no index, no state mark
    const indexKeys = (await redis.keys(`${prefix}twin:num:*`)).filter((k) => k !== keys.twinNumberIndexState());
    expect(indexKeys.length).toBeGreaterThan(0);
    await redis.del(...indexKeys);
    const fresh = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: ALL_RANGE_INDEX_PATHS, query: { fewCandidates: 0 } });
    const low = compileQuery('SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel < 10');
    const candidates = async () => (await fresh.query({ ...low, matches: () => true }, { pageSize: 100 })).items.map((i) => i.deviceId);
    expect(await candidates()).toEqual(['old1', 'old2']); // not ready: every twin is a candidate (a scan)
    expect((await fresh.query(low, { pageSize: 100 })).items).toEqual([{ deviceId: 'old1' }]);

    expect(await backfillNumberIndex(redis, keys, { paths: ALL_RANGE_INDEX_PATHS, batch: 1 })).toBe(2);
    expect(await redis.get(keys.twinNumberIndexState())).toBe('properties.desired,properties.reported,tags');
    expect(await candidates()).toEqual(['old1']);
    expect(await redis.zrangebyscore(keys.twinNumberIndex(indexShard('old1'), 'tags.rank'), '-inf', '+inf', 'WITHSCORES')).toEqual(['old1\x003', '3']);
    expect(await backfillNumberIndex(redis, keys, { paths: ALL_RANGE_INDEX_PATHS })).toBe(0); // once
    await fresh.close();
  });

  it('keeps no numeric range index when turned off, and range queries still answer (a scan)', async () => {
    await backfillNumberIndex(redis, keys);
    const off = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: [], query: { fewCandidates: 0 } });
    await off.ensure('n1', { tags: { rank: 1 } });
    await off.applyReported([{ ep: 'n1', property: ['device', 'batteryLevel'], value: 5, source: 'notify', timestamp: T0 }]);
    await off.patch('n1', { properties: { desired: { period: 3 } } });
    expect((await redis.keys(`${prefix}twin:num:*`)).filter((k) => k !== keys.twinNumberIndexState())).toEqual([]);
    const low = compileQuery('SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel < 10 AND tags.rank = 1');
    expect((await off.query(low, { pageSize: 10 })).items).toEqual([{ deviceId: 'n1' }]);
    expect(await off.delete('n1')).toBe(true);
    await off.close();
  });

  describe('on chosen paths', () => {
    const battery = 'properties.reported.device.batteryLevel';
    const chosen = ['properties.desired', battery, 'tags'];
    /** The leaf paths with index members (over every shard). */
    const numberKeys = async () => [...new Set((await redis.keys(`${prefix}twin:num:*`)).filter((k) => k !== keys.twinNumberIndexState()).map((k) => k.slice(k.lastIndexOf('}:') + 2)))];
    const reportAll = (s: RedisTwinStore, eps: string[], value: (i: number) => number, ts = T0) =>
      s.applyReported(eps.flatMap((ep, i) => [
        { ep, property: ['device', 'batteryLevel'], value: value(i), source: 'notify' as const, timestamp: ts },
        { ep, property: ['temperature', '0', 'sensorValue'], value: value(i), source: 'notify' as const, timestamp: ts },
      ]));
    /** The ids the store loads for `where` (its candidates: every twin when it scans), and the rows it answers. */
    const ask = async (s: RedisTwinStore, where: string) => {
      const q = compileQuery(`SELECT deviceId FROM devices WHERE ${where}`);
      const ids = (await s.query({ ...q, matches: () => true }, { pageSize: 100 })).items.map((i) => i.deviceId);
      return { candidates: ids, rows: (await s.query(q, { pageSize: 100 })).items.map((i) => i.deviceId) };
    };
    const eps = ['c0', 'c1', 'c2', 'c3'];

    it('keeps and reads the index only for covered paths; other range queries scan and answer the same', async () => {
      const s = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: chosen, query: { fewCandidates: 0 } });
      const off = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: [], query: { fewCandidates: 0 } });
      await backfillNumberIndex(redis, keys, { paths: chosen });
      expect(await redis.get(keys.twinNumberIndexState())).toBe(chosen.join(','));
      for (const ep of eps) await s.ensure(ep);
      await reportAll(s, eps, (i) => i * 10);
      await reportAll(s, eps, (i) => i * 4, T0 + 1); // replaced values: their members go
      await s.patch('c1', { tags: { rank: 2 }, properties: { desired: { period: 5 } } });
      expect((await numberKeys()).sort()).toEqual(['properties.desired.period', battery, 'tags.rank']);
      expect(await redis.zcard(keys.twinNumberIndex(indexShard('c2'), battery))).toBe(1);

      const covered = await ask(s, `${battery} < 5`);
      expect(covered).toEqual({ candidates: ['c0', 'c1'], rows: ['c0', 'c1'] });
      const uncovered = await ask(s, 'properties.reported.temperature.0.sensorValue < 5');
      expect(uncovered.candidates).toEqual(eps); // a scan
      expect(uncovered.rows).toEqual(['c0', 'c1']);
      for (const where of [`${battery} < 5`, `${battery} >= 8 AND ${battery} <= 12`, 'properties.reported.temperature.0.sensorValue > 4', 'tags.rank = 2', 'properties.desired.period > 1']) {
        expect((await ask(s, where)).rows).toEqual((await ask(off, where)).rows);
      }
      expect(await s.delete('c0')).toBe(true);
      expect(await redis.zcard(keys.twinNumberIndex(indexShard('c0'), battery))).toBe(indexShard('c0') === indexShard('c1') ? 1 : 0);
      await Promise.all([s.close(), off.close()]);
    });

    it('backfills a path added between restarts before queries trust it, and stops trusting one removed', async () => {
      const before = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: DEFAULT_RANGE_INDEX_PATHS, query: { fewCandidates: 0 } });
      await backfillNumberIndex(redis, keys, { paths: DEFAULT_RANGE_INDEX_PATHS });
      for (const ep of eps) await before.ensure(ep);
      await reportAll(before, eps, (i) => i * 10);
      expect(await numberKeys()).toEqual([]); // the default keeps no reported number

      // restarted with the battery level indexed: until its backfill is done, its queries scan
      const after = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: chosen, query: { fewCandidates: 0 } });
      expect(await ask(after, `${battery} < 15`)).toEqual({ candidates: eps, rows: ['c0', 'c1'] });
      expect(await backfillNumberIndex(redis, keys, { paths: chosen, batch: 3 })).toBe(4);
      expect(await redis.get(keys.twinNumberIndexState())).toBe(chosen.join(','));
      const fresh = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: chosen, query: { fewCandidates: 0 } });
      expect(await ask(fresh, `${battery} < 15`)).toEqual({ candidates: ['c0', 'c1'], rows: ['c0', 'c1'] });
      expect(await backfillNumberIndex(redis, keys, { paths: chosen })).toBe(0); // once

      // restarted without it: the mark narrows at once; the members stay, unread, and go stale
      expect(await backfillNumberIndex(redis, keys, { paths: DEFAULT_RANGE_INDEX_PATHS })).toBe(0);
      expect(await redis.get(keys.twinNumberIndexState())).toBe('properties.desired,tags');
      await reportAll(before, ['c3'], () => 1, T0 + 5);
      const narrowed = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: chosen, query: { fewCandidates: 0 } });
      expect(await ask(narrowed, `${battery} < 15`)).toEqual({ candidates: eps, rows: ['c0', 'c1', 'c3'] });
      // and with it again: rebuilt, so the value written meanwhile is found
      expect(await backfillNumberIndex(redis, keys, { paths: chosen })).toBe(4);
      const again = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: chosen, query: { fewCandidates: 0 } });
      expect(await ask(again, `${battery} < 15`)).toEqual({ candidates: ['c0', 'c1', 'c3'], rows: ['c0', 'c1', 'c3'] });
      await Promise.all([before, after, fresh, narrowed, again].map((s) => s.close()));
    });

    it('reads the mark of earlier versions as every leaf, and off removes the mark', async () => {
      await store.ensure('u1');
      await store.applyReported([{ ep: 'u1', property: ['device', 'batteryLevel'], value: 5, source: 'notify', timestamp: T0 }]);
      await redis.set(keys.twinNumberIndexState(), 'ready');
      expect(await backfillNumberIndex(redis, keys, { paths: ALL_RANGE_INDEX_PATHS })).toBe(0);
      expect(await redis.get(keys.twinNumberIndexState())).toBe('ready');
      expect(await backfillNumberIndex(redis, keys, { paths: chosen })).toBe(0); // covered already: only narrowed, no twin read
      expect(await redis.get(keys.twinNumberIndexState())).toBe(chosen.join(','));
      expect(await backfillNumberIndex(redis, keys)).toBe(0); // the default
      expect(await redis.get(keys.twinNumberIndexState())).toBe('properties.desired,tags');
      expect(await backfillNumberIndex(redis, keys, { paths: [] })).toBe(0);
      expect(await redis.exists(keys.twinNumberIndexState())).toBe(0);
    });
  });

  it('keeps concurrent patches from losing each other (compare-and-set)', async () => {
    await store.ensure('dev1');
    const other = new RedisTwinStore({ redis: redis.duplicate(), keys, now: () => T0 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).patch('dev1', { tags: { [`k${i}`]: i } })));
    const twin = (await store.get('dev1'))!;
    expect(Object.keys(twin.tags)).toHaveLength(20);
    expect(twin.version).toBe(21);
    await other.close();
  });
});
