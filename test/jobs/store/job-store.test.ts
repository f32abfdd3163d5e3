import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobKeys } from '../../../jobs/queue-names.ts';
import { JobStore, type NewJobRecord } from '../../../jobs/store/job-store.ts';
import { testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';

let redis: Redis;
let prefix: string;
let store: JobStore;

beforeEach(() => {
  redis = new Redis(testRedisUrl(), { enableAutoPipelining: true });
  prefix = uniquePrefix('jobstore').replace(/:$/, '');
  store = new JobStore({ redis, keys: new JobKeys(prefix), retentionSec: 60 });
});

afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function job(id: string, over: Partial<NewJobRecord> = {}): NewJobRecord {
  const now = Date.now();
  return {
    id,
    type: 'deepRead',
    status: 'queued',
    createdAt: now,
    startAt: now,
    deadline: now + 60_000,
    maxExecutionTimeSec: 60,
    attempts: 3,
    fleet: true,
    payload: { type: 'deepRead', path: '/3/0/9', propertyName: 'device.batteryLevel' },
    target: { kind: 'devices' },
    ...over,
  };
}

describe('JobStore', () => {
  it('creates a job once', async () => {
    expect(await store.create(job('j'), ['a', 'b'])).toBe(true);
    expect(await store.create(job('j', { type: 'execute' }), ['c'])).toBe(false);
    const record = await store.read('j');
    expect(record).toMatchObject({ id: 'j', type: 'deepRead', status: 'queued', counts: { devices: 2, pending: 2, running: 0, succeeded: 0, failed: 0, cancelled: 0 } });
    expect(await store.devices('j', 0, 10)).toEqual(['a', 'b']);
  });

  it('keeps counts exact under concurrent transitions and never changes a final device', async () => {
    const devices = Array.from({ length: 200 }, (_, i) => `d${i}`);
    await store.create(job('j'), devices);
    await Promise.all(devices.map((d) => store.transition('j', d, 'running', { attempts: 1 }, { startedAt: 1000 })));
    expect((await store.read('j'))!.counts).toMatchObject({ pending: 0, running: 200 });
    // every device finishes twice (a duplicate delivery): only the first outcome counts
    const outcomes = await Promise.all(devices.flatMap((d, i) => [store.transition('j', d, i % 4 === 0 ? 'failed' : 'succeeded', { attempts: 1, endedAt: 2000 }), store.transition('j', d, 'succeeded', { attempts: 2, endedAt: 3000 })]));
    expect(outcomes.filter((o) => o!.applied)).toHaveLength(200);
    expect(outcomes.filter((o) => o!.statusChanged)).toHaveLength(1);
    const record = await store.read('j');
    expect(record).toMatchObject({ status: 'completed', counts: { devices: 200, pending: 0, running: 0, succeeded: 150, failed: 50, cancelled: 0 } });
    expect(record!.endedAt).toBeDefined();
    const [first] = await store.results('j', 0, 1);
    expect(first).toMatchObject({ deviceId: 'd0', status: 'failed', attempts: 1, startedAt: new Date(1000).toISOString(), endedAt: new Date(2000).toISOString() });
    expect(await redis.ttl(`${prefix}:job:j`)).toBeGreaterThan(0);
    expect(await redis.zscore(`${prefix}:jobs:deadlines`, 'j')).toBeNull();
  });

  it('keeps the first start time over retries and stage updates', async () => {
    await store.create(job('j', { fleet: false }), ['a']);
    await store.transition('j', 'a', 'running', { attempts: 1 }, { startedAt: 1000 });
    await store.transition('j', 'a', 'pending', { attempts: 1, error: { code: 'TIMEOUT', message: 't' } });
    await store.transition('j', 'a', 'running', { attempts: 2 }, { startedAt: 5000 });
    await store.transition('j', 'a', 'running', { attempts: 2, stage: 'downloading' }, { stage: 'downloading', percent: 10 });
    const [r] = await store.results('j', 0, 1);
    expect(r).toEqual({ deviceId: 'a', status: 'running', attempts: 2, startedAt: new Date(1000).toISOString(), stage: 'downloading' });
    expect(await store.read('j')).toMatchObject({ status: 'running', stage: 'downloading', percent: 10 });
  });

  it('fails a job only when every device failed', async () => {
    await store.create(job('j'), ['a', 'b']);
    await store.transition('j', 'a', 'failed', { attempts: 1 });
    const last = await store.transition('j', 'b', 'failed', { attempts: 1 });
    expect(last).toMatchObject({ status: 'failed', statusChanged: true });
  });

  it('cancels pending devices; running ones finish under the cancelled status', async () => {
    await store.create(job('j'), ['a', 'b', 'c']);
    await store.transition('j', 'a', 'running', { attempts: 1 });
    const cancel = await store.cancel('j');
    expect(cancel).toMatchObject({ applied: true, status: 'cancelled', counts: { pending: 0, running: 1, cancelled: 2 } });
    expect(await store.transition('j', 'b', 'running', { attempts: 1 })).toMatchObject({ applied: false, deviceStatus: 'cancelled' });
    // a stage report of the running device keeps it running
    expect(await store.transition('j', 'a', 'running', { attempts: 1, stage: 'downloading' })).toMatchObject({ deviceStatus: 'running', counts: { running: 1 } });
    expect(await store.transition('j', 'a', 'pending', { attempts: 1 })).toMatchObject({ deviceStatus: 'cancelled', counts: { running: 0, cancelled: 3 } });
    expect(await store.cancel('j')).toMatchObject({ status: 'cancelled' });
    await store.create(job('k'), ['a']);
    await store.transition('k', 'a', 'succeeded', { attempts: 1 });
    expect(await store.cancel('k')).toMatchObject({ applied: false, status: 'completed' });
    expect(await store.cancel('none')).toBeUndefined();
  });

  it('expires what is left at the deadline with the given error', async () => {
    await store.create(job('j'), ['a', 'b', 'c']);
    await store.transition('j', 'a', 'succeeded', { attempts: 1 });
    await store.transition('j', 'b', 'running', { attempts: 2 }, { startedAt: 1000 });
    const result = await store.expire('j', { code: 'TIMEOUT', message: 'late' });
    expect(result).toMatchObject({ status: 'completed', statusChanged: true, counts: { pending: 0, running: 0, succeeded: 1, failed: 2 } });
    const results = await store.results('j', 0, 3);
    expect(results[1]).toEqual({ deviceId: 'b', status: 'failed', attempts: 2, startedAt: new Date(1000).toISOString(), endedAt: expect.any(String), error: { code: 'TIMEOUT', message: 'late' } });
    expect(results[2]).toMatchObject({ deviceId: 'c', status: 'failed', attempts: 0 });
    expect(await store.expire('j', { code: 'TIMEOUT', message: 'again' })).toMatchObject({ applied: false, statusChanged: false });
  });

  it('leases due deadlines to one sweeper at a time', async () => {
    const now = Date.now();
    await store.create(job('due', { deadline: now - 10 }), ['a']);
    await store.create(job('later', { deadline: now + 60_000 }), ['a']);
    expect(await store.claimDue(now, 1000, 10)).toEqual(['due']);
    expect(await store.claimDue(now, 1000, 10)).toEqual([]);
    expect(await store.claimDue(now + 1500, 1000, 10)).toEqual(['due']);
  });

  it('pages the index newest first, skipping ties correctly', async () => {
    const t = Date.now();
    for (const [id, createdAt] of [['a', t], ['b', t], ['c', t + 1], ['d', t - 1]] as const) await store.create(job(id, { createdAt }), ['x']);
    const first = await store.indexPage(undefined, 2);
    const second = await store.indexPage(first[1], 2);
    const third = await store.indexPage(second[1], 2);
    expect([...first, ...second, ...third].map((p) => p.id)).toEqual(['c', 'b', 'a', 'd']);
  });
});
