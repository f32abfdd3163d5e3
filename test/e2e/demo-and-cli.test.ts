import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../scripts/cli/demo.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { cli } from '../helpers/cli.ts';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

describe('lwtwin demo and CLI against a running server', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;

  beforeAll(async () => {
    t = await startTestServer({ observeOverrides: { '3': { pmin: 1 } } });
    sim = startSimulator({ count: 3, server: t.coap, prefix: 'demo-', seed: 5, tickMs: 300, lifetime: 60, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    await eventually(async () => (await t.api.get('/api/devices/demo-0/properties/connectivityMonitoring.networkBearer').catch(() => undefined)) !== undefined, 'observations');
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('walks through the whole demo green', async () => {
    const ok = await runDemo(t.api, { device: 'demo-0', notifyWaitSec: 15, json: true });
    expect(ok).toBe(true);
  }, 60_000);

  it('answers CLI commands as tables and as JSON, and fails with one clear line', async () => {
    const env = { LWTWIN_API_URL: t.server.httpUrl, LWTWIN_TOKEN: ADMIN_TOKEN };
    const devices = await cli(['devices'], env);
    expect(devices.code).toBe(0);
    expect(devices.stdout).toMatch(/endpoint\s+online/);
    expect(devices.stdout).toContain('demo-2');
    const get = await cli(['--json', 'get', 'demo-1', '/3/0/9'], env);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout).property).toBe('device.batteryLevel');
    const tag = await cli(['tag', 'demo-1', 'location.plant=Oslo'], env);
    expect(tag.code).toBe(0);
    const q = await cli(['--json', 'query', "SELECT * FROM devices WHERE tags.location.plant = 'Oslo'"], env);
    expect(JSON.parse(q.stdout).items.map((i: any) => i.deviceId)).toEqual(['demo-1']);
    const job = await cli(['--json', 'job', 'read', 'demo-2', 'device.batteryLevel'], env);
    expect(job.code).toBe(0);
    expect(JSON.parse(job.stdout).status).toBe('completed');
    const bad = await cli(['get', 'ghost', 'device.batteryLevel'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/404/);
    const down = await cli(['devices'], { LWTWIN_API_URL: 'http://127.0.0.1:1', LWTWIN_TOKEN: ADMIN_TOKEN });
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/cannot reach/);
    const help = await cli(['job', '--help']);
    expect(help.stdout).toMatch(/read.*write.*exec|deep read/s);
  }, 90_000);
});
