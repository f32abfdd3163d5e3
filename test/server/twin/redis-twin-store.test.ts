import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INDEX_SHARDS, indexShard, RedisKeys } from '../../../server/store/keys.ts';
import { backfillNumberIndex } from '../../../server/twin/number-index.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import { compileQuery } from '../../../server/query/evaluate.ts';
import { deleteKeysWithPrefix as deletePrefix, REDIS_MODES, testRedisClient, testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { T0, twinStoreContract, type TestClock } from './twin-store.contract.ts';

for (const mode of REDIS_MODES) {
  twinStoreContract(`RedisTwinStore (${mode} Redis)`, async () => {
    const prefix = uniquePrefix('twin');
    const keys = new RedisKeys(prefix);
    const clock: TestClock = { now: T0 };
    const now = () => clock.now;
    // auto-pipelined like the server's shared connection: query scans send one command per twin and shard
    const a = testRedisClient(mode, { enableAutoPipelining: true });
    const b = testRedisClient(mode, { enableAutoPipelining: true });
    const store = new RedisTwinStore({ redis: a, keys, now, query: { scanBudget: 1000, fewCandidates: 0 } });
    const other = new RedisTwinStore({ redis: b, keys, now, query: { scanBudget: 1000, fewCandidates: 0 } });
    await backfillNumberIndex(a, keys); // marks the (empty) numeric range index ready, as a server's start-up does
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
    store = new RedisTwinStore({ redis, keys, now: () => T0 });
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
    const fresh = new RedisTwinStore({ redis, keys, now: () => T0, query: { fewCandidates: 0 } });
    const low = compileQuery('SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel < 10');
    const candidates = async () => (await fresh.query({ ...low, matches: () => true }, { pageSize: 100 })).items.map((i) => i.deviceId);
    expect(await candidates()).toEqual(['old1', 'old2']); // not ready: every twin is a candidate (a scan)
    expect((await fresh.query(low, { pageSize: 100 })).items).toEqual([{ deviceId: 'old1' }]);

    expect(await backfillNumberIndex(redis, keys, { batch: 1 })).toBe(2);
    expect(await redis.get(keys.twinNumberIndexState())).toBe('ready');
    expect(await candidates()).toEqual(['old1']);
    expect(await redis.zrangebyscore(keys.twinNumberIndex(indexShard('old1'), 'tags.rank'), '-inf', '+inf', 'WITHSCORES')).toEqual(['old1\x003', '3']);
    expect(await backfillNumberIndex(redis, keys)).toBe(0); // once
    await fresh.close();
  });

  it('keeps no numeric range index when turned off, and range queries still answer (a scan)', async () => {
    await backfillNumberIndex(redis, keys);
    const off = new RedisTwinStore({ redis, keys, now: () => T0, rangeIndex: false, query: { fewCandidates: 0 } });
    await off.ensure('n1', { tags: { rank: 1 } });
    await off.applyReported([{ ep: 'n1', property: ['device', 'batteryLevel'], value: 5, source: 'notify', timestamp: T0 }]);
    await off.patch('n1', { properties: { desired: { period: 3 } } });
    expect((await redis.keys(`${prefix}twin:num:*`)).filter((k) => k !== keys.twinNumberIndexState())).toEqual([]);
    const low = compileQuery('SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel < 10 AND tags.rank = 1');
    expect((await off.query(low, { pageSize: 10 })).items).toEqual([{ deviceId: 'n1' }]);
    expect(await off.delete('n1')).toBe(true);
    await off.close();
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
