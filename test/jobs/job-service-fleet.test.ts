import { afterEach, describe, expect, it } from 'vitest';
import { isJobError } from '../../jobs/job-error.ts';
import type { JobService } from '../../jobs/job-service.ts';
import { FakeWorld, gatewayError } from './fake-devices.ts';
import { JobHarness, sleep, waitFor, waitForJob } from './job-test-setup.ts';

let harness: JobHarness;
let world: FakeWorld;

function fleet(owners: Record<string, string | undefined>, tags: Record<string, Record<string, unknown>> = {}): void {
  world = new FakeWorld();
  harness = new JobHarness(world);
  for (const [ep, owner] of Object.entries(owners)) world.addDevice(ep, { owner, values: { '/3/0/9': 50, '/3/0/15': 'UTC' }, tags: tags[ep] ?? {} });
}

afterEach(async () => {
  await harness?.close();
});

async function refusal(service: JobService, spec: unknown): Promise<unknown> {
  return service.submit(spec).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('fleet jobs', () => {
  it('keeps exact counts with mixed outcomes and completes with its last child', async () => {
    fleet({ a: 'A', b: 'A', c: 'A', d: 'A', e: 'A' });
    world.device('c').failures.push({ op: 'read', error: gatewayError('DEVICE_ERROR', 'Device c answered 4.04 Not Found', '4.04') });
    world.device('d').failures.push({ op: 'read', error: gatewayError('DEVICE_ERROR', 'Device d answered 4.05 Method Not Allowed', '4.05') });
    world.device('e').latencyMs = 400;
    const service = await harness.service('A');
    await harness.recordEvents(service);
    const { jobId } = await service.submit({ type: 'deepRead', deviceIds: ['a', 'b', 'c', 'd', 'e'], property: 'device.batteryLevel' });
    const midway = await waitForJob(service, jobId, (v) => v.counts.succeeded + v.counts.failed === 4);
    expect(midway.status).toBe('running');
    expect(midway.counts).toEqual({ devices: 5, pending: 0, running: 1, succeeded: 2, failed: 2, cancelled: 0 });
    const job = await waitForJob(service, jobId);
    expect(job.status).toBe('completed');
    expect(job.counts).toEqual({ devices: 5, pending: 0, running: 0, succeeded: 3, failed: 2, cancelled: 0 });
    expect(job.progress.percent).toBe(100);
    expect(job.results.map((r) => [r.deviceId, r.status, r.error?.coapCode])).toEqual([
      ['a', 'succeeded', undefined],
      ['b', 'succeeded', undefined],
      ['c', 'failed', '4.04'],
      ['d', 'failed', '4.05'],
      ['e', 'succeeded', undefined],
    ]);
    // the parent completed exactly when its last child (e) finished
    const lastChild = job.results.find((r) => r.deviceId === 'e')!;
    expect(job.endedAt).toBe(lastChild.endedAt);
    await waitFor(() => harness.events.some((e) => e.jobId === jobId && e.kind === 'status' && e.status === 'completed'), 2000, 'the completed event');
    const jobEvents = harness.events.filter((e) => e.jobId === jobId);
    const completed = jobEvents.filter((e) => e.kind === 'status' && e.status === 'completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ deviceId: 'e', deviceStatus: 'succeeded', counts: { succeeded: 3, failed: 2 } });
    expect(jobEvents.at(-1)).toBe(completed[0]);
    expect(jobEvents.filter((e) => e.deviceStatus === 'failed').map((e) => e.deviceId)).toEqual(['c', 'd']);
    expect(jobEvents[0]).toMatchObject({ kind: 'created', counts: { devices: 5, pending: 5 } });
  });

  it('fails only when every device failed', async () => {
    fleet({ a: 'A', b: 'A' });
    for (const ep of ['a', 'b']) world.device(ep).failures.push({ op: 'execute', error: gatewayError('DEVICE_ERROR', 'Device answered 4.05', '4.05') });
    const service = await harness.service('A');
    const { jobId } = await service.submit({ type: 'execute', deviceIds: ['a', 'b'], property: 'device.reboot' });
    const job = await waitForJob(service, jobId);
    expect(job).toMatchObject({ status: 'failed', counts: { succeeded: 0, failed: 2 } });
  });

  it('targets a query, refuses malformed queries, empty fleets and unknown devices', async () => {
    fleet({ a: 'A', b: 'A', c: 'A' }, { a: { plant: 'north' }, b: { plant: 'north' }, c: { plant: 'south' } });
    const service = await harness.service('A');
    const { jobId } = await service.submit({ type: 'deepRead', query: "tags.plant = 'north'", property: '/3/0/9' });
    const job = await waitForJob(service, jobId);
    expect(job.target).toEqual({ kind: 'query', query: "tags.plant = 'north'" });
    expect(job.results.map((r) => r.deviceId)).toEqual(['a', 'b']);
    expect(world.callsOf('c')).toEqual([]);

    expect(await refusal(service, { type: 'deepRead', query: 'tags.plant == ', property: '/3/0/9' })).toMatchObject({ code: 'BAD_QUERY', httpStatus: 400 });
    expect(await refusal(service, { type: 'deepRead', query: "tags.plant = 'east'", property: '/3/0/9' })).toMatchObject({ code: 'EMPTY_FLEET' });
    expect(await refusal(service, { type: 'deepRead', deviceIds: [], property: '/3/0/9' })).toMatchObject({ code: 'EMPTY_FLEET' });
    const unknown = await refusal(service, { type: 'deepRead', deviceIds: ['a', 'zz'], property: '/3/0/9' });
    expect(isJobError(unknown, 'NOT_FOUND')).toBe(true);
    expect((unknown as Error).message).toContain('"zz"');
    expect(await refusal(service, { type: 'deepRead', deviceIds: ['a'], deviceId: 'a', property: '/3/0/9' })).toMatchObject({ code: 'INVALID_JOB' });
    expect((await service.list()).jobs).toHaveLength(1);
  });

  it('applies a twin update to every device of the target', async () => {
    fleet({ a: 'A', b: undefined });
    const service = await harness.service('A');
    const patch = { tags: { group: 'g1' }, properties: { desired: { telemetry: { interval: 60 } } } };
    const { jobId } = await service.submit({ type: 'twinUpdate', deviceIds: ['a', 'b'], patch });
    const job = await waitForJob(service, jobId);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 2 } });
    expect(world.twin.twins.get('a')!.tags).toEqual({ group: 'g1' });
    expect(world.twin.twins.get('b')!.desired).toEqual({ telemetry: { interval: 60 } });
    expect(world.calls).toEqual([]);
    expect(await refusal(service, { type: 'twinUpdate', deviceId: 'a', patch: { properties: { reported: { x: 1 } } } })).toMatchObject({ code: 'INVALID_JOB' });
  });

  it('pages the per-device results', async () => {
    fleet({ a: 'A', b: 'A', c: 'A', d: 'A', e: 'A' });
    const service = await harness.service('A');
    const { jobId } = await service.submit({ type: 'deepRead', deviceIds: ['e', 'd', 'c', 'b', 'a'], property: '/3/0/9' });
    await waitForJob(service, jobId);
    const p1 = await service.get(jobId, { resultsLimit: 2 });
    const p2 = await service.get(jobId, { resultsLimit: 2, resultsCursor: p1.resultsCursor });
    const p3 = await service.get(jobId, { resultsLimit: 2, resultsCursor: p2.resultsCursor });
    expect([p1, p2, p3].map((p) => p.results.map((r) => r.deviceId))).toEqual([['e', 'd'], ['c', 'b'], ['a']]);
    expect(p3.resultsCursor).toBeUndefined();
  });

  it('cancels a scheduled fleet job: pending children never run', async () => {
    fleet({ a: 'A', b: 'A', c: 'A' });
    const service = await harness.service('A');
    const { jobId } = await service.submit({ type: 'deepRead', deviceIds: ['a', 'b', 'c'], property: '/3/0/9', startTime: new Date(Date.now() + 400).toISOString() });
    expect((await service.get(jobId)).status).toBe('scheduled');
    const view = await service.cancel(jobId);
    expect(view).toMatchObject({ status: 'cancelled', counts: { devices: 3, pending: 0, cancelled: 3 } });
    await sleep(700);
    expect(world.calls).toEqual([]);
    expect((await service.get(jobId)).status).toBe('cancelled');
  });

  it('cancels a running fleet job: running children finish, pending ones are dropped, the status stays cancelled', async () => {
    fleet({ a: 'A', b: 'A', c: 'A' });
    world.device('a').latencyMs = 400;
    const service = await harness.service('A', { concurrency: 1 });
    const { jobId } = await service.submit({ type: 'deepRead', deviceIds: ['a', 'b', 'c'], property: '/3/0/9' });
    await waitForJob(service, jobId, (v) => v.counts.running === 1);
    const cancelled = await service.cancel(jobId);
    expect(cancelled).toMatchObject({ status: 'cancelled', counts: { running: 1, pending: 0, cancelled: 2 } });
    const done = await waitForJob(service, jobId, (v) => v.counts.running === 0);
    expect(done).toMatchObject({ status: 'cancelled', counts: { succeeded: 1, cancelled: 2 } });
    await sleep(200);
    expect(world.calls.map((c) => c.ep)).toEqual(['a']);
  });
});

describe('routing across servers', () => {
  it('runs each device in the process that owns its socket', async () => {
    fleet({ a1: 'A', a2: 'A', b1: 'B', b2: 'B' });
    const serviceA = await harness.service('A');
    const serviceB = await harness.service('B');
    await harness.recordEvents(serviceB);
    const { jobId } = await serviceA.submit({ type: 'deepRead', deviceIds: ['a1', 'b1', 'a2', 'b2'], property: '/3/0/9' });
    const job = await waitForJob(serviceB, jobId);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 4 } });
    expect(Object.fromEntries(world.calls.map((c) => [c.ep, c.serverId]))).toEqual({ a1: 'A', a2: 'A', b1: 'B', b2: 'B' });
    // B's listener saw the events of the devices A ran
    await waitFor(() => harness.events.some((e) => e.jobId === jobId && e.deviceId === 'a1' && e.deviceStatus === 'succeeded'), 2000, "A's device events");
  });

  it('forwards a child to the new owner when the device re-registered elsewhere', async () => {
    fleet({ d: 'A' });
    const serviceA = await harness.service('A');
    await harness.service('B');
    const { jobId } = await serviceA.submit({ type: 'deepRead', deviceId: 'd', property: '/3/0/9', startTime: new Date(Date.now() + 300).toISOString() });
    world.device('d').owner = 'B';
    const job = await waitForJob(serviceA, jobId);
    expect(job.results[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(world.callsOf('d').map((c) => c.serverId)).toEqual(['B']);
  });

  it('queues the child of an unregistered device until it registers', async () => {
    fleet({ late: undefined });
    const serviceA = await harness.service('A');
    await harness.service('B');
    const { jobId } = await serviceA.submit({ type: 'deepRead', deviceId: 'late', property: '/3/0/9', attempts: 6 });
    const pending = await waitForJob(serviceA, jobId, (v) => v.results[0].attempts >= 1);
    expect(pending.results[0]).toMatchObject({ status: 'pending', error: { code: 'NOT_REGISTERED' } });
    world.device('late').owner = 'B';
    const job = await waitForJob(serviceA, jobId);
    expect(job.status).toBe('completed');
    expect(world.callsOf('late').map((c) => c.serverId)).toEqual(['B']);
  });

  it('fails devices whose server never runs them at the deadline', async () => {
    fleet({ ok: 'A', lost: 'ghost' });
    const service = await harness.service('A');
    const { jobId } = await service.submit({ type: 'deepRead', deviceIds: ['ok', 'lost'], property: '/3/0/9', maxExecutionTimeSec: 1 });
    const job = await waitForJob(service, jobId, undefined, 5000);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 1, failed: 1 } });
    expect(job.results[1]).toMatchObject({ deviceId: 'lost', status: 'failed', error: { code: 'TIMEOUT' } });
  });
});

describe('crash safety', () => {
  it('completes a job whose worker died mid-job once a worker with the same serverId restarts', async () => {
    fleet({ d: 'A' });
    const first = await harness.service('A');
    const device = world.device('d');
    device.hang = true;
    const { jobId } = await first.submit({ type: 'deepWrite', deviceId: 'd', property: 'device.timezone', value: 'Europe/Oslo' });
    await waitForJob(first, jobId, (v) => v.status === 'running');
    await first.close({ force: true }); // the process dies with the job active
    device.hang = false;
    const restarted = await harness.service('A');
    const job = await waitForJob(restarted, jobId, undefined, 8000);
    expect(job).toMatchObject({ status: 'completed', counts: { succeeded: 1, running: 0, pending: 0 } });
    expect(device.values.get('/3/0/15')).toBe('Europe/Oslo');
    expect(world.callsOf('d', 'write')).toHaveLength(2);
  });

  it('fails a job that keeps stalling with WORKER_LOST instead of losing it', async () => {
    fleet({ d: 'A' });
    const first = await harness.service('A');
    world.device('d').hang = true;
    const { jobId } = await first.submit({ type: 'deepRead', deviceId: 'd', property: '/3/0/9' });
    await waitForJob(first, jobId, (v) => v.status === 'running');
    await first.close({ force: true });
    const restarted = await harness.service('A', { maxStalledCount: 0 });
    const job = await waitForJob(restarted, jobId, undefined, 8000);
    expect(job).toMatchObject({ status: 'failed', counts: { failed: 1, running: 0 } });
    expect(job.results[0].error).toMatchObject({ code: 'WORKER_LOST' });
  });
});
