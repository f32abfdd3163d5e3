import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

describe('end to end: devices register, are observed, and their twins follow', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;

  beforeAll(async () => {
    t = await startTestServer();
    sim = startSimulator({ count: 3, server: t.coap, prefix: 'e2e-', seed: 7, tickMs: 200, lifetime: 60, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('lists registered devices and fills reported properties from the first observation', async () => {
    const devices = await t.api.get('/api/devices');
    expect(devices.items.map((d: any) => d.endpoint).sort()).toEqual(['e2e-0', 'e2e-1', 'e2e-2']);
    const twin = await eventually(async () => {
      const tw = await t.api.get('/api/devices/e2e-0/twin');
      return tw.properties.reported.device?.batteryLevel !== undefined && tw.properties.reported.connectivityMonitoring?.networkBearer !== undefined ? tw : undefined;
    }, 'reported battery level');
    expect(twin.connectionState).toBe('connected');
    expect(twin.properties.reported.lwm2m.endpoint).toBe('e2e-0');
    expect(typeof twin.properties.reported.connectivityMonitoring.networkBearer).toBe('number');
    expect(twin.properties.reported.$metadata.device.batteryLevel.$source).toBe('notify');
  });

  it('writes a missing twin back from the stored registration when the device notifies (its node died before writing it)', async () => {
    await eventually(async () => (await t.api.get('/api/devices/e2e-1/twin')).properties.reported.device?.batteryLevel !== undefined || undefined, 'first value');
    const registration = await t.api.get('/api/devices/e2e-1');
    expect(await t.server.twins.delete('e2e-1')).toBe(true);
    const twin = await eventually(async () => {
      const tw = await t.api.get('/api/devices/e2e-1/twin').catch(() => undefined);
      return tw?.properties.reported.device?.batteryLevel !== undefined ? tw : undefined;
    }, 'twin written back with a new value');
    expect(twin.properties.reported.lwm2m).toMatchObject({ endpoint: 'e2e-1', registrationId: registration.registrationId, security: 'nosec' });
    expect(twin.connectionState).toBe('connected');
    // still observed: the device was not told to go away
    expect((await t.api.get('/api/devices')).items.map((d: any) => d.endpoint)).toContain('e2e-1');
  });
});
