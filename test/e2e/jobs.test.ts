import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followJob } from '../../scripts/cli/job-commands.ts';
import { flattenReported } from '../../scripts/cli/format.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';
import { refusal } from '../helpers/api-errors.ts';

describe('end to end: jobs against simulated devices', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;
  const prop = (ep: string, p: string) => t.api.get(`/api/devices/${ep}/properties/${encodeURIComponent(p)}`);
  const run = async (spec: Record<string, unknown>) => {
    const { jobId } = await t.api.post('/api/jobs', spec);
    return followJob(t.api, jobId, { quiet: true, timeoutSec: 40 });
  };

  beforeAll(async () => {
    // Device object notifications at most every 3 s, so a deep write is visibly not in the twin until the next one.
    t = await startTestServer({ observeOverrides: { '3': { pmin: 3 } } });
    sim = startSimulator({ count: 6, server: t.coap, prefix: 'job-', seed: 11, tickMs: 200, lifetime: 60, failFwShare: 0.5, rebootDelayMs: 300, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    await eventually(async () => (await prop('job-5', 'connectivityMonitoring.networkBearer').catch(() => undefined)) !== undefined, 'observations of every device');
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('runs the seed flow: properties, three deep reads, deep write, read-back, twin follows the notification', async () => {
    const twin = await t.api.get('/api/devices/job-0/twin');
    const rows = flattenReported(twin.properties.reported);
    expect(rows.some((r) => r.property === 'device.batteryLevel' && r.lastUpdated)).toBe(true);

    const stamps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await run({ type: 'deepRead', deviceId: 'job-0', property: 'device.batteryLevel' });
      expect(job.status).toBe('completed');
      expect(job.results[0].status).toBe('succeeded');
      const shallow = await prop('job-0', 'device.batteryLevel');
      expect(shallow.source === 'read' || shallow.source === 'notify').toBe(true);
      stamps.push(Date.parse(shallow.lastUpdated));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(stamps[2]).toBeGreaterThan(stamps[0]);

    const before = await prop('job-0', 'device.timezone');
    const target = before.value === 'Pacific/Auckland' ? 'Europe/Oslo' : 'Pacific/Auckland';
    const write = await run({ type: 'deepWrite', deviceId: 'job-0', property: 'device.timezone', value: target });
    expect(write.status).toBe('completed');
    const rightAfter = await prop('job-0', 'device.timezone');
    expect(rightAfter.value === target ? rightAfter.source : 'unchanged').not.toBe('read'); // the write never writes the twin
    const followed = await eventually(async () => {
      const r = await prop('job-0', 'device.timezone');
      return r.value === target ? r : undefined;
    }, 'the timezone notification', 15_000);
    expect(followed.source).toBe('notify');
    const read = await run({ type: 'deepRead', deviceId: 'job-0', property: '/3/0/15' });
    expect(read.status).toBe('completed');
    expect(JSON.stringify(read.results[0].value)).toContain(target);
    expect((await prop('job-0', 'device.timezone')).source).toBe('read');
  });

  it('reboots a device, which registers again', async () => {
    const before = (await t.api.get('/api/devices/job-1')).registrationId;
    const job = await run({ type: 'execute', deviceId: 'job-1', property: 'device.reboot' });
    expect(job.status).toBe('completed');
    await eventually(async () => (await t.api.get('/api/devices/job-1').catch(() => undefined))?.registrationId !== before, 'a new registration after the reboot', 15_000);
  });

  it('updates firmware on a fleet chosen by a query, with mixed success and failure counts', async () => {
    for (const ep of ['job-2', 'job-3', 'job-4', 'job-5']) await t.api.patch(`/api/devices/${ep}/twin`, { tags: { ring: 'canary' } });
    const job = await run({ type: 'firmwareUpdate', query: `tags.ring = 'canary'`, packageUri: 'coap://127.0.0.1:5683/fw/v2.bin', maxExecutionTimeSec: 60 });
    expect(job.counts.devices).toBe(4);
    expect(job.counts.succeeded + job.counts.failed).toBe(4);
    expect(job.counts.succeeded).toBeGreaterThan(0);
    expect(job.counts.failed).toBeGreaterThan(0);
    expect(job.status).toBe('completed');
    const failed = job.results.find((r: any) => r.status === 'failed');
    expect(failed.error.message).toMatch(/Update Result|result|failed/i);
  });

  it('refuses bad jobs up front with a 4xx and creates nothing', async () => {
    const before = (await t.api.get('/api/jobs?limit=1000')).items.length;
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ type: 'deepRead', deviceId: 'ghost', property: 'device.batteryLevel' }, 404, /ghost/],
      [{ type: 'deepRead', deviceId: 'job-0', property: 'device.nope' }, 400, /nope/],
      [{ type: 'deepRead', deviceId: 'job-0', property: 'tags.location' }, 400, /tag|service|device/i],
      [{ type: 'deepWrite', deviceId: 'job-0', property: 'device.batteryLevel', value: 5 }, 400, /read-only|not writable|writ/i],
      [{ type: 'deepWrite', deviceId: 'job-0', property: 'device.utcOffset', value: { a: 1 } }, 400, /value|type|string/i],
      [{ type: 'deepRead', query: `tags.ring = 'nobody'`, property: 'device.batteryLevel' }, 400, /no device|empty|match/i],
      [{ type: 'deepRead', query: `tags.ring = `, property: 'device.batteryLevel' }, 400, /position|syntax/i],
      [{ type: 'deepRead', deviceId: 'job-0', property: 'device.batteryLevel', startTime: '2001-01-01T00:00:00Z' }, 400, /past/i],
      [{ type: 'launchRockets', deviceId: 'job-0' }, 400, /type/],
    ];
    for (const [spec, code, message] of cases) {
      const r = await refusal(t.api.post('/api/jobs', spec));
      expect(r.status, JSON.stringify(spec)).toBe(code);
      expect(r.message, JSON.stringify(spec)).toMatch(message);
    }
    expect((await t.api.get('/api/jobs?limit=1000')).items.length).toBe(before);
  });
});
