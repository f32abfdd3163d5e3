/**
 * Load test of device jobs (Azure IoT Hub jobs doc; docs/twin-model.md deep read): `count` single-device deepRead jobs submitted through
 * JobService by `submitConcurrency` concurrent callers, run by this process's workers (`workerConcurrency` per
 * queue) against a fake gateway that answers at once. Reports jobs/s and enqueue → result latency (submit called →
 * the job's `completed` event received, as an /api/events client would see it), plus the submit latency alone.
 * Also reports the Redis server's CPU time per job (INFO cpu before/after: meaningful on a Redis used by nothing
 * else). Product target: ≥ 5,000 jobs/s with p50 ≤ 10 ms. Keys go under a fresh `bench:jobs:<random>` prefix,
 * deleted afterwards. Use `submitConcurrency` 1 to measure latency without queueing, a high one for throughput.
 * Run: `npx tsx scripts/bench/jobs.ts <redisUrl> [count=20000] [workerConcurrency=64] [submitConcurrency=256]`.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { build } from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import type { DeviceGateway, TwinGateway } from '../../jobs/device-gateway.ts';
import { JobService } from '../../jobs/job-service.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';
import type { LwM2mLeaf } from '../../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';

export interface JobsBenchResult {
  readonly count: number;
  readonly devices: number;
  readonly workerConcurrency: number;
  readonly submitConcurrency: number;
  readonly seconds: number;
  readonly jobsPerSecond: number;
  /** submit called → `completed` event received. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** submit called → submit resolved (validation, record, enqueue). */
  readonly submitP50Ms: number;
  readonly submitP99Ms: number;
  readonly completed: number;
  /** Redis server CPU (user + sys) per completed job, in µs. */
  readonly redisCpuPerJobUs: number;
}

const SERVER_ID = 'bench';

/** A gateway whose devices all live in this process and answer every read at once. */
function instantGateway(): DeviceGateway {
  const done = async (): Promise<void> => undefined;
  return {
    serverId: SERVER_ID,
    ownerOf: async () => SERVER_ID,
    isQueueMode: async () => false,
    read: async (_ep: string, path: LwM2mPath): Promise<LwM2mLeaf[]> => [{ path, value: 42 }],
    write: done,
    execute: done,
    writeAttributes: done,
    observe: done,
    cancelObservation: done,
    waitForValue: async () => 0,
  };
}

function noopTwin(): TwinGateway {
  return { applyRead: async () => undefined, patch: async () => undefined, resolveQuery: async () => [], exists: async () => true };
}

export async function runJobsBench(url: string, count = 20_000, workerConcurrency = 64, submitConcurrency = 256, devices = 1000): Promise<JobsBenchResult> {
  const prefix = `bench:jobs:${randomBytes(4).toString('hex')}`;
  const service = new JobService({ redis: url, prefix, gateway: instantGateway(), twin: noopTwin(), registry: await ObjectRegistry.loadDefault() });
  const e2e = build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const submit = build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
  const startedAt = new Map<string, number>();
  const early = new Map<string, number>();
  let completed = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const record = (jobId: string, at: number): void => {
    const t0 = startedAt.get(jobId);
    if (t0 === undefined) {
      early.set(jobId, at); // the event beat submit's return
      return;
    }
    startedAt.delete(jobId);
    e2e.recordValue(Math.max(1, Math.round((at - t0) * 1000)));
    if (++completed === count) allDone();
  };
  const cpuBefore = await redisCpuSeconds(url);
  try {
    service.onEvent((e) => {
      if (e.kind === 'status' && (e.status === 'completed' || e.status === 'failed')) record(e.jobId, performance.now());
    });
    await service.eventsReady();
    await service.startWorkers({ concurrency: workerConcurrency });
    let next = 0;
    const t0 = performance.now();
    const caller = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const s0 = performance.now();
        const { jobId } = await service.submit({ type: 'deepRead', deviceId: `dev-${i % devices}`, property: 'device.batteryLevel' });
        startedAt.set(jobId, s0);
        submit.recordValue(Math.max(1, Math.round((performance.now() - s0) * 1000)));
        const at = early.get(jobId);
        if (at !== undefined) {
          early.delete(jobId);
          record(jobId, at);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(submitConcurrency, count) }, caller));
    await Promise.race([finished, new Promise((r) => setTimeout(r, 120_000))]);
    const seconds = (performance.now() - t0) / 1000;
    const redisCpu = (await redisCpuSeconds(url)) - cpuBefore;
    return {
      count,
      devices,
      workerConcurrency,
      submitConcurrency,
      seconds,
      jobsPerSecond: completed / seconds,
      p50Ms: e2e.getValueAtPercentile(50) / 1000,
      p99Ms: e2e.getValueAtPercentile(99) / 1000,
      submitP50Ms: submit.getValueAtPercentile(50) / 1000,
      submitP99Ms: submit.getValueAtPercentile(99) / 1000,
      completed,
      redisCpuPerJobUs: completed === 0 ? 0 : (redisCpu * 1e6) / completed,
    };
  } finally {
    await service.close();
    await deleteByPrefix(url, prefix);
  }
}

async function redisCpuSeconds(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const info = await redis.info('cpu');
    const get = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return get('used_cpu_user') + get('used_cpu_sys');
  } finally {
    await redis.quit();
  }
}

async function deleteByPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url, count, workers, submitters] = process.argv.slice(2);
  if (!url) {
    console.error('usage: tsx scripts/bench/jobs.ts <redisUrl> [count=20000] [workerConcurrency=64] [submitConcurrency=256]');
    process.exit(2);
  }
  const r = await runJobsBench(url, Number(count ?? 20_000), Number(workers ?? 64), Number(submitters ?? 256));
  console.log(
    `deepRead jobs: ${r.completed}/${r.count} in ${r.seconds.toFixed(2)} s = ${Math.round(r.jobsPerSecond)} jobs/s ` +
      `(workers ${r.workerConcurrency}, submitters ${r.submitConcurrency}, ${r.devices} devices)\n` +
      `enqueue→result p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms; submit p50 ${r.submitP50Ms.toFixed(2)} ms, p99 ${r.submitP99Ms.toFixed(2)} ms; ` +
      `Redis CPU ${Math.round(r.redisCpuPerJobUs)} µs/job`,
  );
}
