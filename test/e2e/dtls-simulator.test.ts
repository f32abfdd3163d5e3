import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { simulatorPsk } from '../../scripts/simulator/simulator-psk.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * lwtwin's own device stack over coaps: simulated devices with a PSK each (as `lwtwin simulate --psk` provisions
 * them) register over DTLS, the server observes them over their sessions, and their notifications reach the twin.
 */
describe('simulated devices over DTLS PSK', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;
  const secret = 'ab'.repeat(32);

  beforeAll(async () => {
    t = await startTestServer({ observeObjects: [3] });
    for (const ep of ['psk-sim-0', 'psk-sim-1']) {
      const { identity, key } = simulatorPsk(secret, ep);
      await t.api.put(`/api/devices/${ep}/security`, { mode: 'psk', identity, key: key.toString('hex') });
    }
    sim = startSimulator({ count: 2, server: t.coaps, prefix: 'psk-sim-', seed: 3, tickMs: 200, lifetime: 60, pskSecret: secret, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('register as psk, are observed over their sessions, and notifications update the twin', async () => {
    expect(sim.stats().registered).toBe(2);
    const reg = await t.api.get('/api/devices/psk-sim-0');
    expect(reg.security).toBe('psk');
    const first = await eventually(async () => {
      const tw = await t.api.get('/api/devices/psk-sim-0/twin');
      return tw.properties.reported.device?.batteryLevel !== undefined ? tw : undefined;
    }, 'observed values in the twin');
    expect(first.properties.reported.lwm2m.security).toBe('psk');
    const v0 = first.properties.reported.$metadata.device.batteryLevel.$lastUpdated;
    await eventually(async () => {
      const tw = await t.api.get('/api/devices/psk-sim-0/twin');
      const md = tw.properties.reported.$metadata.device.batteryLevel;
      return md.$source === 'notify' && md.$lastUpdated !== v0;
    }, 'a notification over DTLS updates the twin');
    const metrics = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lwtwin_dtls_sessions\{state="established"\} 2/);
  });

  it('a deep read (a server request over the device\'s session) answers', async () => {
    const res = await t.api.get('/api/devices/psk-sim-1/twin');
    expect(res.properties.reported.lwm2m.endpoint).toBe('psk-sim-1');
    const read = await t.server.lwm2m.read('psk-sim-1', '/3/0/0');
    expect(JSON.parse(JSON.stringify(read.leaves))).toEqual([{ path: '/3/0/0', value: 'lwtwin' }]);
  });
});
