import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePathList, encodeLeaves } from '../../../protocol/lwm2m/codec/codec.ts';
import { leaf } from '../../../protocol/lwm2m/node-util.ts';
import { isServerError } from '../../../server/errors.ts';
import type { NotificationEvent } from '../../../server/lwm2m/server-events.ts';
import { FakeDevice } from './helpers/fake-device.ts';
import { serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

let t: TestServer;
const devices: FakeDevice[] = [];
const LINKS_11 = '</>;rt="oma.lwm2m";ct="110 112",</1/0>,</3/0>';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const d of devices) await d.close();
  await t.close();
});

async function registered(ep: string, links = LINKS_11, address = '127.0.0.1'): Promise<FakeDevice> {
  const d = await FakeDevice.start(serverPeer(t), t.model, address);
  devices.push(d);
  const res = await d.register({ query: [`ep=${ep}`, 'lt=300', 'lwm2m=1.1'], links });
  expect(res.code).toBe('2.01');
  return d;
}

/** Collects `notification` events for `ep`. */
function collect(ep: string): NotificationEvent[] {
  const out: NotificationEvent[] = [];
  t.server.on('notification', (e) => {
    if (e.endpoint === ep) out.push(e);
  });
  return out;
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Observe', () => {
  it('delivers fresh notifications decoded to leaves and drops stale ones (RFC 7641 §3.4)', async () => {
    const d = await registered('obs1');
    d.set('/3/0/9', 80);
    const events = collect('obs1');
    const first = await t.server.observe('obs1', '/3/0/9');
    expect(first.observing).toBe(true);
    expect(first.leaves.map((l) => l.value)).toEqual([80]);
    expect(first.observation?.paths.map(String)).toEqual(['/3/0/9']);
    const token = d.lastObserve()!.token;
    expect(d.lastObserve()!.accept).toBe(112);

    expect(await d.notify(token, [leaf('/3/0/9', 70)], '/3/0/9', 10)).toBe('acked');
    await until(() => events.length === 1);
    expect(events[0].leaves.map((l) => [l.path.toString(), l.value])).toEqual([['/3/0/9', 70]]);
    expect(events[0].observeSeq).toBe(10);
    expect(events[0].registration.endpoint).toBe('obs1');
    expect(events[0].paths.map(String)).toEqual(['/3/0/9']);

    const staleBefore = t.server.observations.counters.stale;
    await d.notify(token, [leaf('/3/0/9', 99)], '/3/0/9', 9); // older number: stale
    await d.notify(token, [leaf('/3/0/9', 99)], '/3/0/9', 10); // duplicate number: stale
    await d.notify(token, [leaf('/3/0/9', 60)], '/3/0/9', 11);
    await until(() => events.length === 2);
    expect(events[1].leaves[0].value).toBe(60);
    expect(t.server.observations.counters.stale - staleBefore).toBe(2);
  });

  it('active cancel sends GET with Observe=1 on the same token; later notifications are refused', async () => {
    const d = await registered('obs2');
    d.set('/3/0/9', 1);
    const events = collect('obs2');
    await t.server.observe('obs2', '/3/0/9');
    const token = d.lastObserve()!.token;
    await t.server.cancelObservation('obs2', '/3/0/9');
    const cancel = d.received.at(-1)!;
    expect([cancel.method, cancel.observe, cancel.token.equals(token)]).toEqual(['GET', 1, true]);
    expect(t.server.observationsOf('obs2')).toEqual([]);
    expect(await d.notify(token, [leaf('/3/0/9', 2)], '/3/0/9', 50)).toBe('reset');
    expect(events).toEqual([]);
    const again = await t.server.cancelObservation('obs2', '/3/0/9').catch((e: unknown) => e);
    expect(isServerError(again, 'NOT_FOUND')).toBe(true);
  });

  it('passive cancel sends nothing; the next notification is answered with RST', async () => {
    const d = await registered('obs3');
    d.set('/3/0/9', 1);
    await t.server.observe('obs3', '/3/0/9');
    const token = d.lastObserve()!.token;
    const before = d.received.length;
    await t.server.cancelObservation('obs3', '/3/0/9', { passive: true });
    expect(d.received.length).toBe(before);
    expect(await d.notify(token, [leaf('/3/0/9', 2)], '/3/0/9', 50)).toBe('reset');
  });

  it('an error answer to Observe is DEVICE_ERROR and no observation is held', async () => {
    await registered('obs4');
    const err = await t.server.observe('obs4', '/3/0/9').catch((e: unknown) => e);
    expect(isServerError(err, 'DEVICE_ERROR') && err.coapCode).toBe('4.04');
    expect(t.server.observationsOf('obs4')).toEqual([]);
  });

  it('De-register drops the observations: a notification after it gets RST and no event', async () => {
    const d = await registered('obs5');
    d.set('/3/0/9', 1);
    const events = collect('obs5');
    await t.server.observe('obs5', '/3/0/9');
    const token = d.lastObserve()!.token;
    expect((await d.deregister()).code).toBe('2.02');
    expect(t.server.observationsOf('obs5')).toEqual([]);
    expect(await d.notify(token, [leaf('/3/0/9', 2)], '/3/0/9', 7)).toBe('reset');
    expect(events).toEqual([]);
  });

  it('Observe-Composite sends FETCH + Observe=0 with a path list and delivers composite notifications', async () => {
    const d = await registered('obs6');
    d.set('/3/0/9', 50).set('/1/0/1', 300);
    d.respond = (req) => {
      if (req.method !== 'FETCH') return undefined;
      expect(decodePathList(req.contentFormat!, req.payload).map(String)).toEqual(['/3/0/9', '/1/0/1']);
      return { code: '2.05', contentFormat: 112, payload: encodeLeaves(112, [leaf('/3/0/9', 50), leaf('/1/0/1', 300)], t.model) };
    };
    const events = collect('obs6');
    const first = await t.server.observeComposite('obs6', ['/3/0/9', '/1/0/1']);
    expect(first.leaves).toHaveLength(2);
    const req = d.lastObserve()!;
    expect([req.method, req.contentFormat, req.accept]).toEqual(['FETCH', 112, 112]);
    await d.notify(req.token, [leaf('/3/0/9', 49), leaf('/1/0/1', 600)], '/', 3, 112);
    await until(() => events.length === 1);
    expect(events[0].leaves.map((l) => [l.path.toString(), l.value])).toEqual([
      ['/3/0/9', 49],
      ['/1/0/1', 600],
    ]);
    expect(events[0].paths.map(String)).toEqual(['/3/0/9', '/1/0/1']);
    await t.server.cancelObservation('obs6', ['/3/0/9', '/1/0/1']);
    const cancel = d.received.at(-1)!;
    expect([cancel.method, cancel.observe]).toEqual(['FETCH', 1]);
  });
});

describe('Send (POST /dp)', () => {
  it('accepts SenML JSON and CBOR from a registered device and emits send', async () => {
    const d = await registered('sender');
    const sent = t.server.next('send', (e) => e.endpoint === 'sender');
    expect((await d.send([leaf('/3/0/9', 33), leaf('/3/0/0', 'ACME')], 110)).code).toBe('2.04');
    const e = await sent;
    expect(e.registration.endpoint).toBe('sender');
    expect(e.leaves.map((l) => [l.path.toString(), l.value])).toEqual([
      ['/3/0/9', 33],
      ['/3/0/0', 'ACME'],
    ]);
    const sent2 = t.server.next('send', (x) => x.endpoint === 'sender');
    expect((await d.send([leaf('/3/0/9', 34)], 112)).code).toBe('2.04');
    expect((await sent2).leaves[0].value).toBe(34);
  });

  it('answers 4.00 to an unregistered sender or an undecodable payload, 4.15 to another format', async () => {
    const stranger = await FakeDevice.start(serverPeer(t), t.model);
    devices.push(stranger);
    expect((await stranger.send([leaf('/3/0/9', 1)])).code).toBe('4.00');
    const d = await registered('sender2');
    const post = (contentFormat: number | undefined, payload: string) =>
      d.endpoint.request(serverPeer(t), { method: 'POST', uriPath: ['dp'], payload: Buffer.from(payload), ...(contentFormat === undefined ? {} : { contentFormat }) });
    expect((await post(110, '{broken')).code).toBe('4.00');
    expect((await post(110, '[]')).code).toBe('4.00');
    expect((await post(0, '12')).code).toBe('4.15');
    expect((await post(undefined, '12')).code).toBe('4.15');
  });
});

describe('Observe with a registration cache that lost the device', () => {
  it('delivers a notification with the stored registration, and two devices observing the same path share its record', async () => {
    const small = await startTestServer({ registrationCacheEntries: 1 });
    const mine: FakeDevice[] = [];
    try {
      for (const ep of ['evicted1', 'evicted2']) {
        const d = await FakeDevice.start(serverPeer(small), small.model);
        mine.push(d);
        expect((await d.register({ query: [`ep=${ep}`, 'lt=300', 'lwm2m=1.1'], links: LINKS_11 })).code).toBe('2.01');
        d.set('/3/0/9', 10);
      }
      const [first, second] = [await small.server.observe('evicted1', '/3/0/9'), await small.server.observe('evicted2', '/3/0/9')];
      expect(first.observation?.paths).toBe(second.observation?.paths);
      expect(small.server.registrationsCached).toBe(1); // only evicted2 is cached now
      const events: NotificationEvent[] = [];
      small.server.on('notification', (e) => events.push(e));
      await mine[0].notify(mine[0].lastObserve()!.token, [leaf('/3/0/9', 11)], '/3/0/9', 5);
      await until(() => events.length === 1);
      expect([events[0].endpoint, events[0].registration.endpoint, events[0].leaves[0].value]).toEqual(['evicted1', 'evicted1', 11]);
    } finally {
      for (const d of mine) await d.close();
      await small.close();
    }
  });
});
