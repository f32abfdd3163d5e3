// Interop: Telefónica's lwm2m-node-lib client (LwM2M 1.0, node-coap 0.22) registers against our server over
// loopback; we Read /3/0/9 from it. It registers without Content-Format, answers Reads with text and no
// Content-Format, and sends each Update from a fresh socket (a new source port) on which it then listens.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer as startLwTwin, type TestServer as LwTwinTestServer } from '../../helpers/server.ts';
import { serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

interface DeviceInformation {
  location: string;
  localPort: number;
  serverInfo: unknown;
}

interface NodeLibClient {
  init(config: Record<string, unknown>, cb?: () => void): void;
  register(host: string, port: number, url: string | null, ep: string, cb: (err: Error | null, info: DeviceInformation) => void): void;
  update(info: DeviceInformation, cb: (err: Error | null, info: DeviceInformation) => void): void;
  unregister(info: DeviceInformation, cb: (err: Error | null) => void): void;
  registry: {
    create(uri: string, cb: (err: Error | null) => void): void;
    setResource(uri: string, id: string, value: string, cb: (err: Error | null) => void): void;
  };
}

const require = createRequire(import.meta.url);
const client = (require('lwm2m-node-lib') as { client: NodeLibClient }).client;

function call<T>(fn: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

describe('interop with lwm2m-node-lib', () => {
  let t: TestServer;
  let info: DeviceInformation | undefined;

  beforeAll(async () => {
    t = await startTestServer({ requestTimeoutMs: 3000 });
    client.init({
      logLevel: 'FATAL',
      client: { lifetime: '300', version: '1.0', logLevel: 'FATAL', observe: { period: 3000 }, ipProtocol: 'udp4', serverProtocol: 'udp4', formats: [{ name: 'lightweightm2m/text', value: 1541 }], writeFormat: 'lightweightm2m/text' },
    });
    await call<void>((cb) => client.registry.create('/3/0', (err) => cb(err, undefined)));
    await call<void>((cb) => client.registry.setResource('/3/0', '9', '87', (err) => cb(err, undefined)));
  });

  afterAll(async () => {
    if (info) await call<void>((cb) => client.unregister(info as DeviceInformation, (err) => cb(err, undefined))).catch(() => undefined);
    await t.close();
  });

  it('registers, answers a Read of /3/0/9 in text without Content-Format, and keeps answering after an Update from a new port', async () => {
    const registered = t.server.next('registered', (e) => e.registration.endpoint === 'nodelib1');
    info = await call<DeviceInformation>((cb) => client.register('127.0.0.1', serverPeer(t).port, null, 'nodelib1', cb));
    const { registration } = await registered;
    expect(info.location).toBe(`rd/${registration.registrationId}`);
    expect([registration.lwm2mVersion, registration.binding, registration.lifetime]).toEqual(['1.0', 'U', 300]);
    expect(registration.objectLinks).toEqual([{ objectId: 3, instanceId: 0 }]);

    const read = await t.server.read('nodelib1', '/3/0/9');
    expect(read.contentFormat).toBe(0);
    expect(read.node).toEqual({ kind: 'resource', id: 9, value: 87 });

    const firstPort = registration.peer.port;
    const updated = t.server.next('updated', (e) => e.current.endpoint === 'nodelib1');
    info = await call<DeviceInformation>((cb) => client.update(info as DeviceInformation, cb));
    const { current } = await updated;
    expect(current.peer.port).not.toBe(firstPort);
    const again = await t.server.read('nodelib1', '/3/0/9');
    expect(again.node).toEqual({ kind: 'resource', id: 9, value: 87 });
  });
});

// lwm2m-node-lib answers an instance-level Observe of /3/0 with 2.05 and an empty payload and never notifies on it:
// twin sync must fall back to resource-level observations, so the device's values reach its twin.
describe('interop with lwm2m-node-lib: values reach the twin', () => {
  let t: LwTwinTestServer;
  let info: DeviceInformation | undefined;

  beforeAll(async () => {
    t = await startLwTwin({ requestTimeoutMs: 3000, observeObjects: [3] });
    await call<void>((cb) => client.registry.setResource('/3/0', '9', '87', (err) => cb(err, undefined)));
  });

  afterAll(async () => {
    if (info) await call<void>((cb) => client.unregister(info as DeviceInformation, (err) => cb(err, undefined))).catch(() => undefined);
    await t?.stop();
  });

  it('observes /3/0 resource by resource after the empty instance-level answer; the battery level and its changes reach the twin', async () => {
    info = await call<DeviceInformation>((cb) => client.register('127.0.0.1', t.coap.port, null, 'nodelib2', cb));
    const first = await eventually(async () => {
      const r = await t.api.get('/api/devices/nodelib2/properties/device.batteryLevel').catch(() => undefined);
      return r?.value === 87 ? r : undefined;
    }, 'the battery level in the twin', 15_000, 100);
    expect(first.source).toBe('notify');
    await eventually(async () => (await t.api.get('/api/devices/nodelib2/twin')).observationState?.['3']?.status === 'observing', 'object 3 observed', 15_000, 100);
    expect(t.server.lwm2m.observationsOf('nodelib2').some((o) => o.paths.map(String).includes('/3/0/9'))).toBe(true);

    await call<void>((cb) => client.registry.setResource('/3/0', '9', '42', (err) => cb(err, undefined)));
    await eventually(async () => (await t.api.get('/api/devices/nodelib2/properties/device.batteryLevel')).value === 42, 'the changed battery level in the twin', 15_000, 100);
  });
});
