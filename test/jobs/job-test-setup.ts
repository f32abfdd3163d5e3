// Builds JobServices against the test Redis with short timings, and waits for job states.
import { Redis } from 'ioredis';
import { JobService } from '../../jobs/job-service.ts';
import type { JobServiceOptions } from '../../jobs/job-service-options.ts';
import type { JobEvent, JobView } from '../../jobs/job-view.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import type { FakeWorld } from './fake-devices.ts';
import { loadRegistry } from './registry.ts';


/** Timings small enough for a fast suite: 1 s locks, 0.5 s stalled checks, 50 ms backoff base. */
export const FAST: Partial<JobServiceOptions> = {
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
  backoffMs: 50,
  sweepIntervalMs: 100,
  deadlineGraceMs: 200,
  firmwarePollIntervalMs: 200,
};

export class JobHarness {
  readonly prefix = uniquePrefix('jobs').replace(/:$/, '');
  readonly services: JobService[] = [];
  readonly events: JobEvent[] = [];

  constructor(readonly world: FakeWorld) {}

  /** A service for `serverId` over the harness's prefix (all services of one harness share queues and records). */
  async service(serverId: string, options: Partial<JobServiceOptions> & { workers?: boolean; concurrency?: number } = {}): Promise<JobService> {
    const { workers = true, concurrency = 8, ...rest } = options;
    const service = new JobService({
      redis: testRedisUrl(),
      prefix: this.prefix,
      gateway: this.world.gateway(serverId),
      twin: this.world.twin,
      registry: await loadRegistry(),
      ...FAST,
      ...rest,
    });
    this.services.push(service);
    if (workers) await service.startWorkers({ concurrency });
    return service;
  }

  /** Records every event seen by `service` into `this.events`. */
  async recordEvents(service: JobService): Promise<void> {
    service.onEvent((e) => this.events.push(e));
    await service.eventsReady();
  }

  /** Keys holding jobs: the layer's records and BullMQ jobs or job lists (not the queues' own bookkeeping). */
  async jobKeys(): Promise<string[]> {
    const redis = new Redis(testRedisUrl());
    try {
      let cursor = '0';
      const found: string[] = [];
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
        found.push(...keys.filter((k) => !QUEUE_BOOKKEEPING.test(k)));
        cursor = next;
      } while (cursor !== '0');
      return found;
    } finally {
      await redis.quit();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.services.map((s) => s.close({ force: true })));
    const redis = new Redis(testRedisUrl());
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await redis.quit();
    }
  }
}

/** Keys BullMQ keeps per queue whether or not it holds jobs. */
const QUEUE_BOOKKEEPING = /:(meta|stalled-check|events|marker|id)$/;

const FINAL = new Set(['completed', 'failed', 'cancelled']);

/** Polls `get` until `until(view)` holds (default: a final status). */
export async function waitForJob(service: JobService, jobId: string, until: (v: JobView) => boolean = (v) => FINAL.has(v.status), timeoutMs = 10_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  let view = await service.get(jobId);
  while (!until(view)) {
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(view)}`);
    await sleep(20);
    view = await service.get(jobId);
  }
  return view;
}

export async function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
