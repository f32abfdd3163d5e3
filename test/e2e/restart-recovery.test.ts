// A server restarted (kill -9, then SIGTERM) must observe its devices again without them re-registering: the
// registrations survive in Redis, the observations died with the process. Real UDP, real simulated devices, real Redis.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { eventually } from '../helpers/server.ts';
import { exitOf, freeTcpPort, freeUdpPort, spawnServer } from '../helpers/server-process.ts';

const TOKEN = 'restart-test-admin-token-0123456789';
const DEVICES = ['rr-0', 'rr-1', 'rr-2'];

describe('a restarted server re-establishes its observations', () => {
  const children: ChildProcess[] = [];
  let sim: LocalSimulatorHandle | undefined;
  afterAll(async () => {
    await sim?.stop();
    for (const c of children) c.kill('SIGKILL');
  });

  it('after kill -9 and after SIGTERM, twins update again without re-registration and say when they are observed', async () => {
    const [coapPort, httpPort] = [await freeUdpPort(), await freeTcpPort()];
    // Lifetime 600 s: no Update falls into the test, so only the restart recovery can bring the observations back.
    const args = ['--coap-port', String(coapPort), '--coaps-port', '0', '--coap-host', '127.0.0.1', '--http-port', String(httpPort), '--http-host', '127.0.0.1',
      '--redis-url', testRedisUrl(), '--redis-prefix', uniquePrefix('restart'), '--server-id', 'restart-server', '--admin-token', TOKEN,
      '--observe-pmin', '0', '--observe-pmax', '30', '--observe-overrides', '{}', '--log-level', 'error'];
    const api = new ApiClient(`http://127.0.0.1:${httpPort}`, TOKEN);
    let server = spawnServer(args, children);
    await eventually(() => api.get('/api/health'), 'the server to start', 60_000, 200);

    sim = startSimulator({ count: DEVICES.length, server: { address: '127.0.0.1', port: coapPort }, prefix: 'rr-', seed: 5, tickMs: 200, lifetime: 600 });
    await sim.ready;
    const registrationIds = await Promise.all(DEVICES.map(async (ep) => (await api.get(`/api/devices/${ep}`)).registrationId as string));
    for (const ep of DEVICES) await eventually(async () => (await api.get(`/api/devices/${ep}/twin`)).observationState?.['3']?.status === 'observing', `${ep} observed`);

    /** Every device's battery reaches its twin with a timestamp after `since`, under the same registration. */
    const twinsMoveAfter = async (since: number, what: string) => {
      for (const [i, ep] of DEVICES.entries()) {
        await eventually(async () => Date.parse((await api.get(`/api/devices/${ep}/properties/device.batteryLevel`)).lastUpdated) > since, `${ep}'s battery after ${what}`, 40_000, 100);
        expect((await api.get(`/api/devices/${ep}`)).registrationId).toBe(registrationIds[i]);
        const twin = await api.get(`/api/devices/${ep}/twin`);
        expect(Object.values(twin.observationState).map((s: any) => s.status)).toEqual(['observing', 'observing', 'observing', 'observing']);
      }
    };

    server.kill('SIGKILL');
    await exitOf(server, 5000);
    server = spawnServer(args, children);
    await eventually(() => api.get('/api/health'), 'the server after kill -9', 60_000, 200);
    await twinsMoveAfter(Date.now(), 'kill -9');

    server.kill('SIGTERM');
    const exited = await exitOf(server, 10_000);
    expect(exited).toBeDefined();
    expect(exited?.code).toBe(0);
    spawnServer(args, children);
    await eventually(() => api.get('/api/health'), 'the server after SIGTERM', 60_000, 200);
    await twinsMoveAfter(Date.now(), 'a graceful restart');

    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).not.toMatch(/lwtwin_registrations_total\{op="register"\} [1-9]/); // nobody re-registered
    expect(metrics).toMatch(/lwtwin_observation_setups_total\{outcome="observing"\} [1-9]/);
  }, 240_000);
});
