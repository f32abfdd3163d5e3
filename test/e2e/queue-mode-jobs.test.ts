import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

describe('end to end: a job for a sleeping queue-mode device', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;

  beforeAll(async () => {
    // Long observation periods: the device's own notifications would otherwise keep it awake.
    t = await startTestServer({ queueModeAwakeMs: 700, observePmin: 30, observePmax: 120 });
    sim = startSimulator({ count: 1, server: t.coap, prefix: 'sleepy-', seed: 2, tickMs: 200, lifetime: 60, queueModeShare: 1, awakeMs: 700, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('waits while the device sleeps and completes after it wakes', async () => {
    const device = sim.devices()[0];
    expect((await t.api.get('/api/devices/sleepy-0')).queueMode).toBe(true);
    await eventually(async () => (await t.api.get('/api/devices/sleepy-0')).online === false, 'the device to fall asleep', 10_000);
    expect((await t.api.get('/api/devices/sleepy-0/twin')).connectionState).toBe('asleep');

    const { jobId } = await t.api.post('/api/jobs', { type: 'deepRead', deviceId: 'sleepy-0', property: 'device.batteryLevel', maxExecutionTimeSec: 30 });
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await t.api.get(`/api/jobs/${jobId}`);
    expect(['queued', 'running']).toContain(waiting.status);
    expect(waiting.counts.succeeded).toBe(0);

    await device.client.wake();
    const done = await eventually(async () => {
      const j = await t.api.get(`/api/jobs/${jobId}`);
      return j.status === 'completed' || j.status === 'failed' ? j : undefined;
    }, 'the job to finish after wake-up', 15_000);
    expect(done.status).toBe('completed');
    expect(done.results[0].status).toBe('succeeded');
    expect((await t.api.get('/api/devices/sleepy-0/properties/device.batteryLevel')).source).toBe('read');
  }, 40_000);
});
