/**
 * Load test of RedisRegistrationStore.add (Register, OMA TS Core 1.1 §6.2.1): `count` registrations (each built with
 * createRegistration, as the Register handler does) added by `concurrency` concurrent callers spread over
 * `connections` ioredis connections (one store each), each add one EVALSHA round trip. Target: 20,000 adds/s on
 * 2 cores. Keys go under a fresh `bench:reg:<random>:` prefix, deleted afterwards.
 * Besides wall-clock adds/s it reports the CPU time per add of this process and of redis-server (INFO cpu), so a run on
 * a shared, loaded machine still tells what two dedicated cores would do: one core each, the slower side sets the pace.
 * Run: `npx tsx scripts/bench/registration-store.ts <redisUrl> [count=100000] [concurrency=1000] [connections=1] [autoPipelining=0]`.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { createRegistration } from '../../server/registration/registration.ts';
import { RedisRegistrationStore } from '../../server/registration/redis-registration-store.ts';
import { RedisKeys } from '../../server/store/keys.ts';
import { redisCpuSeconds, unlinkByPrefix } from './redis-prefix.ts';

export interface RegistrationStoreBenchResult {
  readonly count: number;
  readonly concurrency: number;
  readonly connections: number;
  readonly autoPipelining: boolean;
  readonly seconds: number;
  readonly addsPerSecond: number;
  /** CPU time of this Node process per add (µs). */
  readonly nodeCpuUsPerAdd: number;
  /** CPU time of redis-server per add (µs), from INFO cpu; includes other clients of that server, if any. */
  readonly redisCpuUsPerAdd: number;
  /** 1e6 / max(nodeCpuUsPerAdd, redisCpuUsPerAdd): adds/s with one dedicated core for Node and one for Redis. */
  readonly projectedAddsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly stored: number;
}

/** Adds `count` registrations with `concurrency` callers in flight and measures throughput and latency. */
export async function runRegistrationStoreBench(
  url: string,
  count = 100_000,
  concurrency = 1000,
  connections = 1,
  autoPipelining = false,
): Promise<RegistrationStoreBenchResult> {
  const prefix = `bench:reg:${randomBytes(4).toString('hex')}:`;
  const keys = new RedisKeys(prefix);
  const clients = Array.from({ length: connections }, () => new Redis(url, { enableAutoPipelining: autoPipelining }));
  const stores = clients.map((redis) => new RedisRegistrationStore({ redis, keys }));
  const latencies = new Float64Array(count);
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    const store = stores[w % stores.length];
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      const now = Date.now();
      const reg = createRegistration(
        {
          endpoint: `bench-${i}`,
          peer: { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 5683 },
          lifetime: 300,
          binding: 'U',
          queueMode: i % 4 === 0,
          lwm2mVersion: '1.1',
          contentFormats: [60, 110, 112, 11542, 11543],
          objectLinks: [{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }, { objectId: 4, instanceId: 0 }, { objectId: 5, instanceId: 0 }, { objectId: 6 }],
        },
        { now, graceMs: 0 },
      );
      await store.add(reg);
      latencies[i] = performance.now() - t0;
    }
  };
  try {
    await Promise.all(stores.map((store) => store.count())); // connect before timing
    const redisCpu0 = await redisCpuSeconds(clients[0]);
    const nodeCpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, (_, w) => worker(w)));
    const seconds = (performance.now() - t0) / 1000;
    const nodeCpu = process.cpuUsage(nodeCpu0);
    const nodeCpuUsPerAdd = (nodeCpu.user + nodeCpu.system) / count;
    const redisCpuUsPerAdd = ((await redisCpuSeconds(clients[0])) - redisCpu0) * 1e6 / count;
    const stored = await stores[0].count();
    const sorted = Array.from(latencies).sort((a, b) => a - b);
    return {
      count,
      concurrency,
      connections,
      autoPipelining,
      seconds,
      addsPerSecond: count / seconds,
      nodeCpuUsPerAdd,
      redisCpuUsPerAdd,
      projectedAddsPerSecond: 1e6 / Math.max(nodeCpuUsPerAdd, redisCpuUsPerAdd),
      p50Ms: sorted[Math.floor(count * 0.5)],
      p99Ms: sorted[Math.min(count - 1, Math.floor(count * 0.99))],
      stored,
    };
  } finally {
    await unlinkByPrefix(clients[0], prefix);
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all(clients.map((redis) => redis.quit()));
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, countArg, concurrencyArg, connectionsArg, autoArg] = process.argv.slice(2);
  if (!url) {
    console.error('usage: registration-store.ts <redisUrl> [count=100000] [concurrency=1000] [connections=1] [autoPipelining=0]');
    process.exit(2);
  }
  const r = await runRegistrationStoreBench(url, Number(countArg ?? 100_000), Number(concurrencyArg ?? 1000), Number(connectionsArg ?? 1), autoArg === '1');
  console.log(
    `${r.count} adds, concurrency ${r.concurrency}, ${r.connections} connection(s), auto-pipelining ${r.autoPipelining ? 'on' : 'off'}: ` +
      `${r.seconds.toFixed(2)} s, ${Math.round(r.addsPerSecond)} adds/s, ` +
      `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.stored} stored; ` +
      `CPU per add: node ${r.nodeCpuUsPerAdd.toFixed(1)} µs, redis ${r.redisCpuUsPerAdd.toFixed(1)} µs → ` +
      `${Math.round(r.projectedAddsPerSecond)} adds/s projected on 2 dedicated cores`,
  );
}
