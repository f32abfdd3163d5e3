/**
 * Load test of RedisTwinStore (server/twin): loads `count` twins (tags `location.plant` with 100 values, `group` with
 * 10, and ~10 reported leaves each), then measures
 * - applyReported throughput: every device updated (3 leaves) in calls of `batch` devices, with 1 and 4 calls in flight;
 * - tag-equality query time (index) for a 1% and a 10% match set, first page and all pages;
 * - reported-range query time (full scan of every twin);
 * - shallow-read latency (getProperty of a reported leaf).
 * CPU time of this process and of redis-server (INFO cpu) is reported too, as in registration-store.ts.
 * Keys go under a fresh `bench:twin:<random>:` prefix, deleted afterwards.
 * Run: `npx tsx scripts/bench/twin-store.ts <redisUrl> [count=100000] [batch=500]`.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { compileQuery } from '../../server/query/evaluate.ts';
import { RedisKeys } from '../../server/store/keys.ts';
import { backfillNumberIndex } from '../../server/twin/number-index.ts';
import { ALL_RANGE_INDEX_PATHS } from '../../server/twin/range-index-paths.ts';
import { RedisTwinStore } from '../../server/twin/redis-twin-store.ts';
import type { ReportedUpdate } from '../../server/twin/reported-fields.ts';
import { redisCpuSeconds, unlinkByPrefix } from './redis-prefix.ts';

export interface TwinStoreBenchResult {
  readonly count: number;
  readonly batch: number;
  readonly loadSeconds: number;
  readonly apply: { inFlight: number; updatesPerSecond: number; devicesPerSecond: number; nodeCpuUsPerUpdate: number; redisCpuUsPerUpdate: number }[];
  readonly queries: { name: string; matches: number; firstPageMs: number; allPagesMs: number; pages: number; nodeCpuMs: number; redisCpuMs: number }[];
  readonly shallowReadP50Ms: number;
  readonly shallowReadP99Ms: number;
}

/** Tag `location.plant` of twin `i`: 100 values, so one value matches 1 % of the twins. */
export const plant = (i: number) => `P${i % 100}`;
export const deviceId = (i: number) => `bench-${String(i).padStart(7, '0')}`;

/** The ~11 reported leaves of twin `i` (battery level `i % 101`). */
export function seedUpdates(i: number, t: number): ReportedUpdate[] {
  const ep = deviceId(i);
  const u = (property: string, value: string | number, source: ReportedUpdate['source'] = 'read'): ReportedUpdate => ({
    ep,
    property: property.split('.'),
    value,
    source,
    timestamp: t,
  });
  return [
    u('device.manufacturer', 'ACME'),
    u('device.modelNumber', 'Sensor-9'),
    u('device.serialNumber', `SN${i}`),
    u('device.firmwareVersion', '1.4.2'),
    u('device.batteryLevel', i % 101, 'notify'),
    u('device.memoryFree', 512),
    u('connectivityMonitoring.networkBearer', 7),
    u('connectivityMonitoring.radioSignalStrength', -70 - (i % 30), 'notify'),
    u('location.latitude', 48.85 + (i % 1000) / 1e4),
    u('location.longitude', 2.35 + (i % 1000) / 1e4),
    u('temperature.0.sensorValue', 20 + (i % 10), 'notify'),
  ];
}

/** Runs `count` concurrent-ish tasks with at most `limit` in flight. */
export async function pool(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Loads twins `first` .. `count - 1` directly through the store: `ensure` with tags `location.plant` (100 values),
 * `location.building` and `group` (10 values), then the seed reported leaves in `applyReported` calls of `batch` devices.
 */
export async function loadTwins(store: RedisTwinStore, count: number, batch = 500, first = 0): Promise<void> {
  await pool(count - first, 500, (k) => {
    const i = first + k;
    return store.ensure(deviceId(i), { tags: { location: { plant: plant(i), building: `B${i % 7}` }, group: i % 10 } });
  });
  await pool(Math.ceil((count - first) / batch), 4, (b) => {
    const updates: ReportedUpdate[] = [];
    for (let i = first + b * batch; i < Math.min(count, first + (b + 1) * batch); i++) updates.push(...seedUpdates(i, Date.now()));
    return store.applyReported(updates);
  });
}

export async function runTwinStoreBench(url: string, count = 100_000, batch = 500): Promise<TwinStoreBenchResult> {
  const prefix = `bench:twin:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(url);
  const keys = new RedisKeys(prefix);
  // every numeric leaf indexed (`--twin-range-index all`), as the figures in BENCHMARKS.md were measured
  const store = new RedisTwinStore({ redis, keys, rangeIndex: ALL_RANGE_INDEX_PATHS });
  try {
    await backfillNumberIndex(redis, keys, { paths: ALL_RANGE_INDEX_PATHS }); // marks the empty numeric range index ready, as a server's start-up does
    const tLoad = performance.now();
    await loadTwins(store, count, batch);
    const batches = Math.ceil(count / batch);
    const loadSeconds = (performance.now() - tLoad) / 1000;

    const apply: TwinStoreBenchResult['apply'] = [];
    for (const inFlight of [1, 4]) {
      const calls: ReportedUpdate[][] = [];
      const t = Date.now();
      for (let b = 0; b < batches; b++) {
        const updates: ReportedUpdate[] = [];
        for (let i = b * batch; i < Math.min(count, (b + 1) * batch); i++) {
          const ep = deviceId(i);
          updates.push(
            { ep, property: ['device', 'batteryLevel'], value: (i + inFlight) % 101, source: 'notify', timestamp: t },
            { ep, property: ['connectivityMonitoring', 'radioSignalStrength'], value: -60 - ((i + inFlight) % 40), source: 'notify', timestamp: t },
            { ep, property: ['temperature', '0', 'sensorValue'], value: 15 + ((i * 7 + inFlight) % 20), source: 'notify', timestamp: t },
          );
        }
        calls.push(updates);
      }
      const redisCpu0 = await redisCpuSeconds(redis);
      const nodeCpu0 = process.cpuUsage();
      const t0 = performance.now();
      await pool(calls.length, inFlight, (b) => store.applyReported(calls[b]));
      const seconds = (performance.now() - t0) / 1000;
      const nodeCpu = process.cpuUsage(nodeCpu0);
      const updatesDone = count * 3;
      apply.push({
        inFlight,
        updatesPerSecond: updatesDone / seconds,
        devicesPerSecond: count / seconds,
        nodeCpuUsPerUpdate: (nodeCpu.user + nodeCpu.system) / updatesDone,
        redisCpuUsPerUpdate: (((await redisCpuSeconds(redis)) - redisCpu0) * 1e6) / updatesDone,
      });
    }

    const queries: TwinStoreBenchResult['queries'] = [];
    const measure = async (name: string, text: string, pageSize: number) => {
      const query = compileQuery(text);
      const redisCpu0 = await redisCpuSeconds(redis);
      const nodeCpu0 = process.cpuUsage();
      const t0 = performance.now();
      let page = await store.query(query, { pageSize });
      const firstPageMs = performance.now() - t0;
      let matches = page.items.length;
      let pages = 1;
      while (page.continuationToken !== undefined) {
        page = await store.query(query, { pageSize, continuationToken: page.continuationToken });
        matches += page.items.length;
        pages++;
      }
      const allPagesMs = performance.now() - t0;
      const nodeCpu = process.cpuUsage(nodeCpu0);
      const redisCpuMs = ((await redisCpuSeconds(redis)) - redisCpu0) * 1000;
      queries.push({ name, matches, firstPageMs, allPagesMs, pages, nodeCpuMs: (nodeCpu.user + nodeCpu.system) / 1000, redisCpuMs });
    };
    await measure('tag equality, 1% match (index)', "SELECT * FROM devices WHERE tags.location.plant = 'P42'", 100);
    await measure('tag equality, 10% match (index)', 'SELECT deviceId FROM devices WHERE tags.group = 3', 100);
    await measure('tag equality AND reported range (index)', "SELECT deviceId FROM devices WHERE tags.location.plant = 'P7' AND properties.reported.device.batteryLevel < 50", 100);
    await measure('reported range, ~10% match (range index)', 'SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel < 10', 1000);
    await measure('reported range, no match (range index)', 'SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel > 1000', 100);
    await measure('reported range OR tag, ~10% match (no hint: full scan)', "SELECT deviceId FROM devices WHERE properties.reported.device.batteryLevel < 10 OR tags.location.plant = 'none'", 1000);
    await measure('GROUP BY over all twins (scan)', 'SELECT tags.group AS g, COUNT() AS n FROM devices GROUP BY tags.group', 100);

    const reads = 10_000;
    const latencies = new Float64Array(reads);
    for (let r = 0; r < reads; r++) {
      const i = (r * 7919) % count;
      const t0 = performance.now();
      await store.getProperty(deviceId(i), 'reported', ['device', 'batteryLevel']);
      latencies[r] = performance.now() - t0;
    }
    latencies.sort();
    return {
      count,
      batch,
      loadSeconds,
      apply,
      queries,
      shallowReadP50Ms: latencies[Math.floor(reads * 0.5)],
      shallowReadP99Ms: latencies[Math.floor(reads * 0.99)],
    };
  } finally {
    await unlinkByPrefix(redis, prefix);
    await store.close();
    await redis.quit();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, countArg, batchArg] = process.argv.slice(2);
  if (!url) {
    console.error('usage: twin-store.ts <redisUrl> [count=100000] [batch=500]');
    process.exit(2);
  }
  const r = await runTwinStoreBench(url, Number(countArg ?? 100_000), Number(batchArg ?? 500));
  console.log(`${r.count} twins loaded (ensure + ~11 reported leaves each) in ${r.loadSeconds.toFixed(1)} s`);
  for (const a of r.apply) {
    console.log(
      `applyReported, ${r.batch} devices x 3 leaves per call, ${a.inFlight} call(s) in flight: ${Math.round(a.updatesPerSecond)} updates/s ` +
        `(${Math.round(a.devicesPerSecond)} devices/s); CPU per update: node ${a.nodeCpuUsPerUpdate.toFixed(1)} µs, redis ${a.redisCpuUsPerUpdate.toFixed(1)} µs`,
    );
  }
  for (const q of r.queries) {
    console.log(
      `${q.name}: ${q.matches} matches, first page ${q.firstPageMs.toFixed(0)} ms, all ${q.pages} page(s) ${q.allPagesMs.toFixed(0)} ms ` +
        `(CPU: node ${q.nodeCpuMs.toFixed(0)} ms, redis ${q.redisCpuMs.toFixed(0)} ms)`,
    );
  }
  console.log(`shallow read (getProperty, reported leaf): p50 ${r.shallowReadP50Ms.toFixed(3)} ms, p99 ${r.shallowReadP99Ms.toFixed(3)} ms`);
}
