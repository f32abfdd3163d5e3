import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isJobError, type JobErrorCode } from '../../jobs/job-error.ts';
import type { JobService } from '../../jobs/job-service.ts';
import type { JobServiceOptions } from '../../jobs/job-service-options.ts';
import { FakeWorld, gatewayError } from './fake-devices.ts';
import { JobHarness, sleep, waitFor, waitForJob } from './job-test-setup.ts';

let harness: JobHarness;
let world: FakeWorld;

async function setup(options: Partial<JobServiceOptions> = {}): Promise<JobService> {
  world = new FakeWorld();
  harness = new JobHarness(world);
  world.addDevice('dev1', { owner: 'A', values: { '/3/0/0': 'ACME', '/3/0/9': 87, '/3/0/15': 'UTC', '/3/0/6/0': 1, '/3/0/6/1': 5 } });
  return harness.service('A', options);
}

afterEach(async () => {
  await harness?.close();
});

async function expectRefused(service: JobService, spec: unknown, code: JobErrorCode): Promise<void> {
  const err = await service.submit(spec).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isJobError(err), `expected a JobError ${code}, got ${String(err)}`).toBe(true);
  expect(err).toMatchObject({ code });
  expect((err as Error).message.length).toBeGreaterThan(10);
}

describe('deepRead', () => {
  it('reads one property on the device and updates only that property in the twin', async () => {
    const service = await setup();
    const { jobId, created } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel' });
    expect(created).toBe(true);
    const job = await waitForJob(service, jobId);
    expect(job).toMatchObject({ jobId, type: 'deepRead', status: 'completed', counts: { devices: 1, pending: 0, running: 0, succeeded: 1, failed: 0, cancelled: 0 } });
    expect(job.results).toEqual([expect.objectContaining({ deviceId: 'dev1', status: 'succeeded', value: 87, attempts: 1 })]);
    expect(job.startedAt).toBeDefined();
    expect(job.endedAt).toBeDefined();
    expect(world.twin.applyReadCalls).toEqual([{ ep: 'dev1', paths: ['/3/0/9'] }]);
    const reported = world.twin.twins.get('dev1')!.reported;
    expect([...reported.keys()]).toEqual(['/3/0/9']);
    expect(reported.get('/3/0/9')).toMatchObject({ value: 87, source: 'read' });
    expect(world.callsOf('dev1', 'read').map((c) => c.path)).toEqual(['/3/0/9']);
  });

  it('accepts an LwM2M path and returns the instances of a multi-instance resource by property name', async () => {
    const service = await setup();
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: '/3/0/6' });
    const job = await waitForJob(service, jobId);
    expect(job.results[0].value).toEqual({ 'device.availablePowerSources.0': 1, 'device.availablePowerSources.1': 5 });
    expect(world.twin.applyReadCalls).toEqual([{ ep: 'dev1', paths: ['/3/0/6/0', '/3/0/6/1'] }]);
  });

  it('is refused up front for tags, service properties, unknown and non-readable properties, creating nothing', async () => {
    const service = await setup();
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: 'tags.location' }, 'SERVICE_PROPERTY');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: 'properties.desired.telemetryConfig.sendFrequency' }, 'SERVICE_PROPERTY');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: 'telemetryConfig' }, 'SERVICE_PROPERTY');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: 'device.noSuchThing' }, 'UNKNOWN_PROPERTY');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: '/3/0/99' }, 'UNKNOWN_PROPERTY');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: 'device.reboot' }, 'NOT_READABLE');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: '/3/0/9/1/2' }, 'INVALID_PROPERTY');
    await expectRefused(service, { type: 'deepRead', deviceId: 'nobody', property: 'device.batteryLevel' }, 'NOT_FOUND');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1' }, 'INVALID_JOB');
    await expectRefused(service, { type: 'deepRaed', deviceId: 'dev1', property: 'device.batteryLevel' }, 'INVALID_JOB');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel', colour: 'red' }, 'INVALID_JOB');
    expect(await harness.jobKeys()).toEqual([]);
    expect((await service.list()).jobs).toEqual([]);
    expect(world.calls).toEqual([]);
  });
});

describe('deepWrite', () => {
  it('writes a writable resource without changing the twin', async () => {
    const service = await setup();
    const { jobId } = await service.submit({ type: 'deepWrite', deviceId: 'dev1', property: 'device.timezone', value: 'Europe/Paris' });
    const job = await waitForJob(service, jobId);
    expect(job.status).toBe('completed');
    expect(world.device('dev1').values.get('/3/0/15')).toBe('Europe/Paris');
    expect(world.twin.applyReadCalls).toEqual([]);
    expect(world.twin.patchCalls).toEqual([]);
    expect(world.twin.twins.get('dev1')!.reported.size).toBe(0);
  });

  it('converts time values for the gateway', async () => {
    const service = await setup();
    const { jobId } = await service.submit({ type: 'deepWrite', deviceId: 'dev1', property: '/3/0/13', value: '2030-01-02T03:04:05Z' });
    await waitForJob(service, jobId);
    expect(world.device('dev1').values.get('/3/0/13')).toEqual(new Date('2030-01-02T03:04:05Z'));
  });

  it('is refused up front for read-only, executable and unknown resources and for values of the wrong type', async () => {
    const service = await setup();
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'device.batteryLevel', value: 50 }, 'READ_ONLY');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: '/3/0/4', value: 1 }, 'NOT_WRITABLE');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'device', value: {} }, 'NOT_WRITABLE');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: '/31024/0/1', value: 1 }, 'UNKNOWN_PROPERTY');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'device.timezone', value: 5 }, 'BAD_VALUE');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'device.currentTime', value: 'yesterday' }, 'BAD_VALUE');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'lightControl.0.dimmer', value: 150 }, 'BAD_VALUE');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'lightControl.0.onOff', value: 'on' }, 'BAD_VALUE');
    await expectRefused(service, { type: 'deepWrite', deviceId: 'dev1', property: 'tags.owner', value: 'x' }, 'SERVICE_PROPERTY');
    expect(await harness.jobKeys()).toEqual([]);
    expect(world.calls).toEqual([]);
  });
});

describe('execute', () => {
  it('executes reboot and resources with arguments; refuses non-executable resources', async () => {
    const service = await setup();
    const reboot = await service.submit({ type: 'execute', deviceId: 'dev1', property: 'device.reboot' });
    const reset = await service.submit({ type: 'execute', deviceId: 'dev1', property: '/3/0/5', args: "0='now'" });
    expect((await waitForJob(service, reboot.jobId)).status).toBe('completed');
    expect((await waitForJob(service, reset.jobId)).status).toBe('completed');
    expect(world.callsOf('dev1', 'execute').map((c) => [c.path, c.args])).toEqual([
      ['/3/0/4', undefined],
      ['/3/0/5', "0='now'"],
    ]);
    await expectRefused(service, { type: 'execute', deviceId: 'dev1', property: 'device.batteryLevel' }, 'NOT_EXECUTABLE');
    await expectRefused(service, { type: 'execute', deviceId: 'dev1', property: '/3/0' }, 'NOT_EXECUTABLE');
  });
});

describe('observe and writeAttributes', () => {
  it('starts and cancels observations and writes pmin/pmax', async () => {
    const service = await setup();
    const observe = await service.submit({ type: 'observe', deviceId: 'dev1', property: 'device.batteryLevel' });
    await waitForJob(service, observe.jobId);
    expect(world.device('dev1').observed.has('/3/0/9')).toBe(true);
    const attrs = await service.submit({ type: 'writeAttributes', deviceId: 'dev1', property: '/3/0/9', attributes: { pmin: 10, pmax: 60, st: null } });
    await waitForJob(service, attrs.jobId);
    expect(world.callsOf('dev1', 'writeAttributes')[0]).toMatchObject({ path: '/3/0/9', attrs: { pmin: 10, pmax: 60, st: null } });
    const cancel = await service.submit({ type: 'observe', deviceId: 'dev1', property: 'device.batteryLevel', cancel: true });
    await waitForJob(service, cancel.jobId);
    expect(world.device('dev1').observed.has('/3/0/9')).toBe(false);
    await expectRefused(service, { type: 'writeAttributes', deviceId: 'dev1', property: '/3/0/9', attributes: { pmin: 60, pmax: 10 } }, 'BAD_VALUE');
    await expectRefused(service, { type: 'writeAttributes', deviceId: 'dev1', property: '/3/0', attributes: { gt: 5 } }, 'BAD_VALUE');
  });
});

describe('firmwareUpdate', () => {
  it('pulls a package and reports downloading → downloaded → updating → done', async () => {
    const service = await setup();
    world.addDevice('fw1', { owner: 'A', firmware: { downloadMs: 150, updateMs: 150, updateResult: 1 } });
    await harness.recordEvents(service);
    const { jobId } = await service.submit({ type: 'firmwareUpdate', deviceId: 'fw1', packageUri: 'coap://fw.example/pkg-2.0.bin' });
    const job = await waitForJob(service, jobId);
    expect(job).toMatchObject({ status: 'completed', progress: { percent: 100, stage: 'done' } });
    expect(job.results[0]).toMatchObject({ status: 'succeeded', stage: 'done', value: { updateResult: 1, meaning: 'firmware updated successfully' } });
    const stages = harness.events.filter((e) => e.kind === 'progress' && e.jobId === jobId).map((e) => e.stage);
    expect(stages).toEqual(['downloading', 'downloaded', 'updating', 'done']);
    const calls = world.callsOf('fw1').map((c) => `${c.op} ${c.path}`);
    // the state is read first: a pull already under way on the device (an earlier attempt) would be resumed
    expect(calls.slice(0, 4)).toEqual(['observe /5/0/3', 'observe /5/0/5', 'read /5/0/3', 'write /5/0/1']);
    expect(calls).toContain('execute /5/0/2');
    expect(world.callsOf('fw1', 'write')[0].value).toBe('coap://fw.example/pkg-2.0.bin');
    expect(world.device('fw1').waiterCount).toBe(0);
  });

  it('maps a failed Update Result to a failed job with its meaning, without retrying', async () => {
    const service = await setup();
    world.addDevice('fw2', { owner: 'A', firmware: { downloadMs: 100, updateMs: 100, downloadFailure: 5, updateResult: 1 } });
    world.addDevice('fw3', { owner: 'A', firmware: { downloadMs: 100, updateMs: 100, updateResult: 8 } });
    const bad = await service.submit({ type: 'firmwareUpdate', deviceId: 'fw2', packageUri: 'https://fw.example/pkg.bin' });
    const failed = await service.submit({ type: 'firmwareUpdate', deviceId: 'fw3', packageUri: 'https://fw.example/pkg.bin' });
    const integrity = await waitForJob(service, bad.jobId);
    expect(integrity.status).toBe('failed');
    expect(integrity.results[0]).toMatchObject({ status: 'failed', attempts: 1, stage: 'downloading', error: { code: 'FIRMWARE_UPDATE_FAILED' } });
    expect(integrity.results[0].error!.message).toContain('integrity check failure');
    const updateFailed = await waitForJob(service, failed.jobId);
    expect(updateFailed.results[0]).toMatchObject({ status: 'failed', stage: 'updating', error: { code: 'FIRMWARE_UPDATE_FAILED' } });
    expect(updateFailed.results[0].error!.message).toMatch(/Update Result 8 \(firmware update failed\)/);
    expect(world.callsOf('fw2', 'write')).toHaveLength(1);
  });

  it('pushes the bytes fetched from an http URL, once per server for a fleet', async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      if (req.url === '/pkg.bin') res.end(Buffer.from('firmware-2.0'));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const service = await setup({ firmwareUrlAllow: [base] });
      for (const ep of ['h1', 'h2']) world.addDevice(ep, { owner: 'A', firmware: { downloadMs: 20, updateMs: 20, updateResult: 1 } });
      const { jobId } = await service.submit({ type: 'firmwareUpdate', deviceIds: ['h1', 'h2'], packageSource: `${base}/pkg.bin` });
      expect((await waitForJob(service, jobId)).counts.succeeded).toBe(2);
      expect(Buffer.from(world.callsOf('h2', 'write')[0].value as Uint8Array).toString()).toBe('firmware-2.0');
      expect(requests).toBe(1);
      const missing = await service.submit({ type: 'firmwareUpdate', deviceId: 'h1', packageSource: `${base}/missing.bin` });
      const failed = await waitForJob(service, missing.jobId);
      expect(failed.results[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'PACKAGE_UNAVAILABLE' } });
      expect(failed.results[0].error!.message).toContain('HTTP 404');
    } finally {
      server.close();
    }
  });

  it('pushes the bytes of a local file to Package /5/0/0', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-fw-'));
    const service = await setup({ firmwareDir: dir });
    const file = path.join(dir, 'pkg.bin');
    writeFileSync(file, Buffer.from([1, 2, 3, 4, 5]));
    world.addDevice('fw4', { owner: 'A', firmware: { downloadMs: 50, updateMs: 50, updateResult: 1 } });
    const { jobId } = await service.submit({ type: 'firmwareUpdate', deviceId: 'fw4', packageSource: file });
    expect((await waitForJob(service, jobId)).status).toBe('completed');
    const write = world.callsOf('fw4', 'write')[0];
    expect(write.path).toBe('/5/0/0');
    expect(Buffer.from(write.value as Uint8Array)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    await expectRefused(service, { type: 'firmwareUpdate', deviceId: 'fw4', packageSource: path.join(dir, 'missing.bin') }, 'PACKAGE_UNAVAILABLE');
    await expectRefused(service, { type: 'firmwareUpdate', deviceId: 'fw4', packageUri: 'ftp://x/y' }, 'INVALID_JOB');
    await expectRefused(service, { type: 'firmwareUpdate', deviceId: 'fw4' }, 'INVALID_JOB');
  });
});

describe('retries', () => {
  it('retries a TIMEOUT with backoff, then succeeds', async () => {
    const service = await setup();
    world.device('dev1').failures.push({ op: 'read', error: gatewayError('TIMEOUT', 'Device dev1 did not answer Read /3/0/9 within 100 ms') });
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel' });
    const job = await waitForJob(service, jobId);
    expect(job.status).toBe('completed');
    expect(job.results[0]).toMatchObject({ status: 'succeeded', attempts: 2, value: 87 });
    const reads = world.callsOf('dev1', 'read');
    expect(reads).toHaveLength(2);
    expect(reads[1].at - reads[0].at).toBeGreaterThanOrEqual(45);
  });

  it('does not retry a final device answer (4.04)', async () => {
    const service = await setup();
    world.device('dev1').failures.push({ op: 'read', error: gatewayError('DEVICE_ERROR', 'Device dev1 answered 4.04 Not Found to Read /3/0/9', '4.04') });
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel', attempts: 5 });
    const job = await waitForJob(service, jobId);
    expect(job.status).toBe('failed');
    expect(job.results[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'DEVICE_ERROR', coapCode: '4.04' } });
    await sleep(200);
    expect(world.callsOf('dev1', 'read')).toHaveLength(1);
  });

  it('fails with the last error when every attempt failed', async () => {
    const service = await setup();
    for (let i = 0; i < 3; i++) world.device('dev1').failures.push({ op: 'read', error: gatewayError('DEVICE_ERROR', 'Device dev1 answered 5.03 Service Unavailable', '5.03') });
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel' });
    const job = await waitForJob(service, jobId);
    expect(job.results[0]).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'DEVICE_ERROR', coapCode: '5.03' } });
    expect(world.callsOf('dev1', 'read')).toHaveLength(3);
  });
});

describe('queue-mode devices', () => {
  it('waits for a sleeping device to wake up instead of failing', async () => {
    const service = await setup();
    const sleepy = world.addDevice('sleepy', { owner: 'A', queueMode: true, awake: false, values: { '/3/0/9': 12 } });
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'sleepy', property: '/3/0/9', maxExecutionTimeSec: 30 });
    await waitFor(() => world.callsOf('sleepy').length > 0, 5000, 'the read to be sent');
    await sleep(300);
    expect((await service.get(jobId)).status).toBe('running');
    sleepy.wake();
    const job = await waitForJob(service, jobId);
    expect(job.results[0]).toMatchObject({ status: 'succeeded', value: 12, attempts: 1 });
    const wait = world.callsOf('sleepy', 'read')[0].opts!.waitForWakeUpMs;
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    expect(world.callsOf('dev1')).toEqual([]);
  });

  it('passes waitForWakeUpMs 0 to a device that is not in queue mode', async () => {
    const service = await setup();
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: '/3/0/9' });
    await waitForJob(service, jobId);
    expect(world.callsOf('dev1', 'read')[0].opts).toMatchObject({ waitForWakeUpMs: 0 });
  });
});

describe('lifecycle', () => {
  it('runs a scheduled job after its start time', async () => {
    const service = await setup();
    const start = new Date(Date.now() + 600);
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel', startTime: start.toISOString() });
    expect((await service.get(jobId)).status).toBe('scheduled');
    const job = await waitForJob(service, jobId);
    expect(job.status).toBe('completed');
    expect(job.startTime).toBe(start.toISOString());
    expect(world.callsOf('dev1', 'read')[0].at).toBeGreaterThanOrEqual(start.getTime() - 5);
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: '/3/0/9', startTime: new Date(Date.now() - 60_000).toISOString() }, 'START_TIME_IN_PAST');
    await expectRefused(service, { type: 'deepRead', deviceId: 'dev1', property: '/3/0/9', startTime: 'tomorrow' }, 'INVALID_JOB');
  });

  it('fails a job that cannot finish within maxExecutionTimeSec with TIMEOUT', async () => {
    const service = await setup();
    world.device('dev1').hang = true;
    const t0 = Date.now();
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: '/3/0/9', maxExecutionTimeSec: 1 });
    const job = await waitForJob(service, jobId);
    expect(job.status).toBe('failed');
    expect(job.results[0]).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('submits a client-chosen jobId once: the second submit returns the existing job', async () => {
    const service = await setup();
    const first = await service.submit({ jobId: 'read-battery-1', type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel' });
    const second = await service.submit({ jobId: 'read-battery-1', type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel' });
    expect(first).toEqual({ jobId: 'read-battery-1', created: true });
    expect(second).toEqual({ jobId: 'read-battery-1', created: false });
    await waitForJob(service, 'read-battery-1');
    const third = await service.submit({ jobId: 'read-battery-1', type: 'deepRead', deviceId: 'dev1', property: 'device.batteryLevel' });
    expect(third.created).toBe(false);
    await sleep(200);
    expect(world.callsOf('dev1', 'read')).toHaveLength(1);
    await expectRefused(service, { jobId: 'bad:id', type: 'deepRead', deviceId: 'dev1', property: '/3/0/9' }, 'INVALID_JOB');
  });

  it('runs the jobs of one device one at a time, in submission order', async () => {
    const service = await setup();
    const dev = world.device('dev1');
    world.addDevice('dev2', { owner: 'A', latencyMs: 30, values: { '/3/0/15': 'UTC' } });
    dev.latencyMs = 30;
    const zones = ['Z0', 'Z1', 'Z2', 'Z3', 'Z4', 'Z5'];
    const ids: string[] = [];
    for (const z of zones) {
      ids.push((await service.submit({ type: 'deepWrite', deviceId: 'dev1', property: 'device.timezone', value: z })).jobId);
      ids.push((await service.submit({ type: 'deepWrite', deviceId: 'dev2', property: 'device.timezone', value: z })).jobId);
    }
    for (const id of ids) await waitForJob(service, id);
    expect(world.callsOf('dev1', 'write').map((c) => c.value)).toEqual(zones);
    expect(world.callsOf('dev2', 'write').map((c) => c.value)).toEqual(zones);
    expect(dev.maxActive).toBe(1);
    expect(world.device('dev2').maxActive).toBe(1);
    // the two devices ran side by side
    const firstOf2 = world.callsOf('dev2', 'write')[0].at;
    const lastOf1 = world.callsOf('dev1', 'write')[5].at;
    expect(firstOf2).toBeLessThan(lastOf1);
  });
});

describe('status API', () => {
  it('forgets finished jobs after their retention', async () => {
    world = new FakeWorld();
    harness = new JobHarness(world);
    world.addDevice('dev1', { owner: 'A', values: { '/3/0/9': 1 } });
    const service = await harness.service('A', { retentionSec: 1 });
    const { jobId } = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: '/3/0/9' });
    await waitForJob(service, jobId);
    await sleep(1100);
    await expect(service.get(jobId)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await service.list()).jobs).toEqual([]);
    expect(await harness.jobKeys()).toEqual([]);
  });

  it('gets, lists and cancels', async () => {
    const service = await setup();
    const a = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: '/3/0/9' });
    await waitForJob(service, a.jobId);
    const b = await service.submit({ type: 'execute', deviceId: 'dev1', property: '/3/0/4', startTime: new Date(Date.now() + 60_000).toISOString() });
    const c = await service.submit({ type: 'deepRead', deviceId: 'dev1', property: '/3/0/0', startTime: new Date(Date.now() + 60_000).toISOString() });
    const cancelled = await service.cancel(b.jobId);
    expect(cancelled).toMatchObject({ status: 'cancelled', counts: { pending: 0, cancelled: 1 } });
    expect(cancelled.endedAt).toBeDefined();
    expect(cancelled.results[0].status).toBe('cancelled');
    expect((await service.cancel(b.jobId)).status).toBe('cancelled');
    await expect(service.cancel(a.jobId)).rejects.toMatchObject({ code: 'JOB_FINISHED', httpStatus: 409 });
    await expect(service.cancel('nope')).rejects.toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    await expect(service.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const all = await service.list();
    expect(all.jobs.map((j) => j.jobId)).toEqual([c.jobId, b.jobId, a.jobId]);
    expect((await service.list({ status: 'scheduled' })).jobs.map((j) => j.jobId)).toEqual([c.jobId]);
    expect((await service.list({ type: 'execute' })).jobs.map((j) => j.jobId)).toEqual([b.jobId]);
    const page1 = await service.list({ limit: 2 });
    expect(page1.jobs.map((j) => j.jobId)).toEqual([c.jobId, b.jobId]);
    expect(page1.cursor).toBeDefined();
    const page2 = await service.list({ limit: 2, cursor: page1.cursor });
    expect(page2.jobs.map((j) => j.jobId)).toEqual([a.jobId]);
    expect(page2.cursor).toBeUndefined();
    await expect(service.list({ status: 'done' as never })).rejects.toMatchObject({ code: 'INVALID_JOB' });
  });
});
