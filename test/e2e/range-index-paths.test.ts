import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { compileQuery } from '../../server/query/evaluate.ts';
import { indexShard, RedisKeys } from '../../server/store/keys.ts';
import { ALL_RANGE_INDEX_PATHS, DEFAULT_RANGE_INDEX_PATHS } from '../../server/twin/range-index-paths.ts';
import { RedisTwinStore } from '../../server/twin/redis-twin-store.ts';
import { deleteKeysWithPrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

const battery = 'properties.reported.device.batteryLevel';
const TWINS = 30;
const eps = Array.from({ length: TWINS }, (_, i) => `rx-${String(i).padStart(2, '0')}`);

/**
 * The operator's choice of indexed paths across restarts of a whole server on one deployment (prefix): each start
 * brings the index and its ready mark to the new list, and range queries over HTTP answer right once it says so.
 */
describe('end to end: the numeric range index on chosen paths across restarts', () => {
  const prefix = uniquePrefix('rix');
  const keys = new RedisKeys(prefix);
  const redis = new Redis(testRedisUrl());
  let server: TestServer | undefined;

  afterAll(async () => {
    await server?.stop();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
  });

  /** Starts the server with `paths` (after stopping the previous one) and waits for the ready mark to say them. */
  const restart = async (paths: readonly string[]) => {
    await server?.stop();
    server = await startTestServer({ redisPrefix: prefix, twinRangeIndex: paths });
    await eventually(async () => ((await redis.get(keys.twinNumberIndexState())) ?? '') === paths.join(','), `the ready mark for ${paths.join(',') || 'off'}`);
  };
  /** Writes the battery level of `values` (ep -> level) the way a node with `paths` does. */
  const report = async (paths: readonly string[], values: [string, number][], ts: number) => {
    const store = new RedisTwinStore({ redis, keys, rangeIndex: paths });
    await store.applyReported(values.map(([ep, value]) => ({ ep, property: ['device', 'batteryLevel'], value, source: 'notify' as const, timestamp: ts })));
    await store.close();
  };
  const low = async () => {
    const page = await server!.api.post('/api/query', { query: `SELECT deviceId FROM devices WHERE ${battery} < 5`, pageSize: 100 });
    return page.items.map((i: { deviceId: string }) => i.deviceId);
  };
  /** The twins the server's store loads for the same condition (its candidates: every twin when it scans). */
  const lowCandidates = async () => {
    const q = compileQuery(`SELECT deviceId FROM devices WHERE ${battery} < 5`);
    return (await server!.server.twins.query({ ...q, matches: () => true }, { pageSize: 100 })).items.map((i) => i.deviceId);
  };
  const batteryMembers = async () => (await Promise.all(eps.map((ep) => redis.zcard(keys.twinNumberIndex(indexShard(ep), battery))))).reduce((a, b) => Math.max(a, b), 0);

  it('default, then the battery level, then off, then all: each answer right, each path backfilled once it is chosen', async () => {
    await restart(DEFAULT_RANGE_INDEX_PATHS);
    const store = new RedisTwinStore({ redis, keys, rangeIndex: DEFAULT_RANGE_INDEX_PATHS });
    for (const ep of eps) await store.ensure(ep);
    await store.close();
    await report(DEFAULT_RANGE_INDEX_PATHS, eps.map((ep, i) => [ep, i % 10]), Date.now());
    const expected = eps.filter((_, i) => i % 10 < 5);
    expect(await batteryMembers()).toBe(0); // the default indexes no reported number
    expect(await low()).toEqual(expected);
    expect(await lowCandidates()).toEqual(eps); // a scan

    const chosen = ['properties.desired', battery, 'tags'];
    await restart(chosen);
    expect(await batteryMembers()).toBeGreaterThan(0); // backfilled
    expect(await low()).toEqual(expected);
    expect(await lowCandidates()).toEqual(expected); // through the index

    await restart([]);
    await report([], [['rx-09', 1]], Date.now() + 1); // written while nothing keeps the index
    expect(await low()).toEqual([...expected, 'rx-09'].sort());
    expect(await lowCandidates()).toEqual(eps);

    await restart(ALL_RANGE_INDEX_PATHS);
    expect(await low()).toEqual([...expected, 'rx-09'].sort()); // rebuilt: the value written meanwhile is in it
    await report(ALL_RANGE_INDEX_PATHS, [['rx-00', 50]], Date.now() + 2);
    expect(await low()).toEqual([...expected, 'rx-09'].filter((ep) => ep !== 'rx-00').sort());
  });
});
