import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { eventually } from '../helpers/server.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { freeTcpPort, freeUdpPort, spawnServer } from '../helpers/server-process.ts';

const TOKEN = 'crash-test-admin-token-0123456789';

describe('a server killed mid-job (kill -9) and restarted', () => {
  const children: ChildProcess[] = [];
  let sim: LocalSimulatorHandle | undefined;
  afterAll(async () => {
    await sim?.stop();
    for (const c of children) c.kill('SIGKILL');
  });

  it('completes the job instead of losing it', async () => {
    const [coapPort, httpPort] = [await freeUdpPort(), await freeTcpPort()];
    const args = ['--coap-port', String(coapPort), '--coaps-port', '0', '--coap-host', '127.0.0.1', '--http-port', String(httpPort), '--http-host', '127.0.0.1',
      '--redis-url', testRedisUrl(), '--redis-prefix', uniquePrefix('crash'), '--server-id', 'crash-server', '--admin-token', TOKEN,
      '--observe-pmin', '60', '--observe-pmax', '120', '--queue-mode-awake-ms', '700', '--log-level', 'error'];
    const startServer = () => spawnServer(args, children);
    const api = new ApiClient(`http://127.0.0.1:${httpPort}`, TOKEN);
    const first = startServer();
    await eventually(() => api.get('/api/health'), 'the server to start', 30_000, 200);

    sim = startSimulator({ count: 1, server: { address: '127.0.0.1', port: coapPort }, prefix: 'crash-', seed: 9, tickMs: 500, lifetime: 120, queueModeShare: 1, awakeMs: 700 });
    await sim.ready;
    await eventually(async () => (await api.get('/api/devices/crash-0')).online === false, 'the device to sleep', 15_000, 100);

    const { jobId } = await api.post('/api/jobs', { type: 'deepRead', deviceId: 'crash-0', property: 'device.batteryLevel', maxExecutionTimeSec: 170 });
    await eventually(async () => (await api.get(`/api/jobs/${jobId}`)).status === 'running', 'the job to start', 15_000, 100);

    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    startServer();
    await eventually(() => api.get('/api/health'), 'the restarted server', 30_000, 200);
    expect((await api.get('/api/devices/crash-0')).endpoint).toBe('crash-0'); // registrations survive the restart

    // The device wakes every 2 s, as a real queue-mode device wakes on its schedule; the job lost its worker with the
    // killed process and is picked up again once its lock expires.
    let lastWake = 0;
    const done = await eventually(async () => {
      if (Date.now() - lastWake > 2000) {
        lastWake = Date.now();
        await sim!.devices()[0].client.wake().catch(() => undefined);
      }
      const j = await api.get(`/api/jobs/${jobId}`);
      return j.status === 'completed' || j.status === 'failed' ? j : undefined;
    }, 'the job to finish on the restarted server', 120_000, 250);
    expect(done.status).toBe('completed');
    expect(done.results[0].status).toBe('succeeded');
    expect(typeof (await api.get('/api/devices/crash-0/properties/device.batteryLevel')).value).toBe('number');
  }, 200_000);
});
