// End to end with the project's own device client (client/LwM2mClient) over real UDP and the Redis store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LwM2mClient } from '../../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../../client/simple-instance.ts';
import type { NotificationEvent } from '../../../server/lwm2m/server-events.ts';
import { serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

describe('LwM2mServer with the lwtwin device client', () => {
  let t: TestServer;
  let client: LwM2mClient;
  let device: SimpleInstance;
  let rebooted = 0;

  beforeAll(async () => {
    t = await startTestServer();
    device = new SimpleInstance(3, 0, { 0: 'ACME', 9: 90, 14: '+01:00', 4: { execute: () => void rebooted++ } });
    client = new LwM2mClient({
      endpointName: 'real1',
      server: serverPeer(t),
      lifetime: 300,
      model: t.model,
      instances: [device],
      coapParams: { ackTimeoutMs: 100, maxRetransmit: 2, requestTimeoutMs: 2000 },
    });
    const registered = t.server.next('registered', (e) => e.registration.endpoint === 'real1');
    await client.start();
    await registered;
  });

  afterAll(async () => {
    await client.stop();
    await t.close();
  });

  it('reads, writes and executes', async () => {
    const reg = await t.server.getRegistration('real1');
    expect(reg.lwm2mVersion).toBe('1.1');
    const r = await t.server.read('real1', '/3/0');
    expect(r.contentFormat).toBe(112);
    expect(r.leaves.map((l) => [l.path.toString(), l.value])).toEqual(expect.arrayContaining([['/3/0/0', 'ACME'], ['/3/0/9', 90]]));
    await t.server.write('real1', '/3/0/14', '+02:00');
    expect(device.get(14)).toBe('+02:00');
    await t.server.execute('real1', '/3/0/4');
    expect(rebooted).toBe(1);
  });

  it('observes a resource and receives a notification when it changes', async () => {
    const first = await t.server.observe('real1', '/3/0/9');
    expect(first.leaves.map((l) => l.value)).toEqual([90]);
    const notified = new Promise<NotificationEvent>((resolve) => t.server.once('notification', resolve));
    device.set(9, 75);
    const e = await notified;
    expect(e.leaves.map((l) => [l.path.toString(), l.value])).toEqual([['/3/0/9', 75]]);
    await t.server.cancelObservation('real1', '/3/0/9');
    expect(t.server.observationsOf('real1')).toEqual([]);
  });

  it('receives data the device pushes with Send', async () => {
    const sent = t.server.next('send', (e) => e.endpoint === 'real1');
    await client.send(['/3/0/0', '/3/0/9']);
    const e = await sent;
    expect(e.leaves.map((l) => l.path.toString()).sort()).toEqual(['/3/0/0', '/3/0/9']);
  });
});
