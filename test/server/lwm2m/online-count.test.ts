import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/server.ts';
import { FakeDevice } from './helpers/fake-device.ts';
import { serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

describe('LwM2mServer.onlineCount', () => {
  let t: TestServer;
  const devices: FakeDevice[] = [];

  beforeAll(async () => {
    // a tiny bound, so that the count past it is taken in slices in the background, as at 100k devices
    t = await startTestServer({ onlineCountSyncEntries: 3 });
  });

  afterAll(async () => {
    for (const d of devices) await d.endpoint.close();
    await t?.close();
  });

  async function register(ep: string): Promise<void> {
    const d = await FakeDevice.start(serverPeer(t), t.model);
    devices.push(d);
    expect((await d.register({ ep })).code).toBe('2.01');
  }

  it('counts in one go up to the bound, then in the background: a stale count until the new one is ready', async () => {
    for (const ep of ['oc-1', 'oc-2']) await register(ep);
    expect(t.server.onlineCount()).toBe(2);
    for (const ep of ['oc-3', 'oc-4', 'oc-5', 'oc-6']) await register(ep);
    // within its time to live the count is reused
    expect(t.server.onlineCount()).toBe(2);
    // 6 cached registrations > 3: a later call starts a sliced count and answers with the last one meanwhile
    const later = () => Date.now() + 60_000;
    expect(t.server.onlineCount(later())).toBe(2);
    await eventually(() => t.server.onlineCount(later()) === 6, 'the sliced count to see 6 devices');

    // a de-registered device leaves the count
    expect((await devices[0].deregister()).code).toBe('2.02');
    await eventually(() => t.server.onlineCount(later()) === 5, 'the sliced count to see 5 devices');
  });
});
