import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerError, isServerError } from '../../../server/errors.ts';
import { QueueModePresence } from '../../../server/lwm2m/queue-mode.ts';
import { FakeDevice } from './helpers/fake-device.ts';
import { serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

const Q = { endpoint: 'q1', queueMode: true } as const;

function presence(now: { t: number }, awakeMs = 1000): QueueModePresence {
  return new QueueModePresence({ awakeMs, now: () => now.t });
}

const flush = () => new Promise((r) => setImmediate(r));

describe('QueueModePresence', () => {
  it('sends to a device not in queue mode at once and never tracks it', async () => {
    const p = presence({ t: 0 });
    expect(await p.submit({ endpoint: 'u', queueMode: false }, async () => 7)).toBe(7);
    expect(p.isAwake({ endpoint: 'u', queueMode: false })).toBe(true);
  });

  it('is awake after Register and asleep after awakeMs of silence; a message wakes it', async () => {
    const now = { t: 0 };
    const p = presence(now);
    const seen: string[] = [];
    p.events.on('awake', (e) => seen.push(`awake:${e.endpoint}`));
    p.events.on('sleeping', (e) => seen.push(`sleeping:${e.endpoint}`));
    p.registered(Q);
    expect(p.isAwake(Q)).toBe(true);
    now.t = 999;
    p.sweep();
    expect(p.isAwake(Q)).toBe(true);
    now.t = 1000;
    p.sweep();
    expect(p.isAwake(Q)).toBe(false);
    p.touch('q1');
    expect(p.isAwake(Q)).toBe(true);
    expect(seen).toEqual(['awake:q1', 'sleeping:q1', 'awake:q1']);
  });

  it('fails fast for a sleeping device unless the caller waits; waiting requests go out in order, one at a time', async () => {
    const now = { t: 0 };
    const p = presence(now);
    p.registered(Q);
    p.setSleeping('q1');
    let sent = 0;
    const fast = await p.submit(Q, async () => ++sent).catch((e: unknown) => e);
    expect(isServerError(fast, 'DEVICE_ASLEEP')).toBe(true);
    expect(sent).toBe(0);

    const order: string[] = [];
    let release!: () => void;
    const a = p.submit(Q, () => new Promise<string>((r) => { order.push('a:start'); release = () => r('a'); }), { waitForWakeUpMs: 5000 });
    const b = p.submit(Q, async () => { order.push('b:start'); return 'b'; }, { waitForWakeUpMs: 5000 });
    await flush();
    expect(order).toEqual([]);
    expect(p.queuedCount('q1')).toBe(2);
    p.touch('q1');
    await flush();
    expect(order).toEqual(['a:start']); // NSTART = 1: b waits for a's answer
    release();
    expect(await a).toBe('a');
    expect(await b).toBe('b');
    expect(order).toEqual(['a:start', 'b:start']);
  });

  it('gives up with DEVICE_ASLEEP when the device does not wake in time', async () => {
    const p = presence({ t: 0 });
    p.registered(Q);
    p.setSleeping('q1');
    const started = Date.now();
    const err = await p.submit(Q, async () => 1, { waitForWakeUpMs: 50 }).catch((e: unknown) => e);
    expect(isServerError(err, 'DEVICE_ASLEEP')).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(p.queuedCount('q1')).toBe(0);
  });

  it('a request that times out puts the device to sleep and fails queued requests that may not wait', async () => {
    const p = presence({ t: 0 });
    p.registered(Q);
    const first = p.submit(Q, async () => {
      throw ServerError.timeout('no answer');
    });
    const queued = p.submit(Q, async () => 'never');
    const waiting = p.submit(Q, async () => 'later', { waitForWakeUpMs: 5000 });
    expect(isServerError(await first.catch((e: unknown) => e), 'TIMEOUT')).toBe(true);
    expect(isServerError(await queued.catch((e: unknown) => e), 'DEVICE_ASLEEP')).toBe(true);
    expect(p.isAwake(Q)).toBe(false);
    p.touch('q1');
    expect(await waiting).toBe('later');
  });

  it('waitUntilAwake resolves on wake-up and fails after its timeout; forget fails what waits', async () => {
    const p = presence({ t: 0 });
    p.registered(Q);
    p.setSleeping('q1');
    const woke = p.waitUntilAwake(Q, 5000);
    p.touch('q1');
    await expect(woke).resolves.toBeUndefined();
    p.setSleeping('q1');
    expect(isServerError(await p.waitUntilAwake(Q, 20).catch((e: unknown) => e), 'DEVICE_ASLEEP')).toBe(true);
    const pending = p.submit(Q, async () => 1, { waitForWakeUpMs: 5000 });
    p.forget('q1');
    expect(isServerError(await pending.catch((e: unknown) => e), 'NOT_FOUND')).toBe(true);
  });

  it('judges a device it has not heard from (after a restart) by its last Update', () => {
    const now = { t: 10_000 };
    const p = presence(now);
    expect(p.isAwake({ ...Q, lastUpdate: 9_500 })).toBe(true);
    expect(p.isAwake({ endpoint: 'q2', queueMode: true, lastUpdate: 1_000 })).toBe(false);
  });
});

describe('queue mode end to end', () => {
  let t: TestServer;
  let d: FakeDevice;

  beforeAll(async () => {
    t = await startTestServer({ queueModeAwakeMs: 1000, queueModeSweepMs: 20 });
    d = await FakeDevice.start(serverPeer(t), t.model);
    d.set('/3/0/9', 77);
  });
  afterAll(async () => {
    await d.close();
    await t.close();
  });

  it('reads while awake, fails fast while asleep, and sends a waiting request after the Update that wakes the device', async () => {
    const awake = t.server.next('awake', (e) => e.endpoint === 'sleepy');
    expect((await d.register({ query: ['ep=sleepy', 'lt=300', 'lwm2m=1.1', 'Q'], links: '</>;rt="oma.lwm2m";ct="110",</3/0>' })).code).toBe('2.01');
    await awake;
    expect((await t.server.read('sleepy', '/3/0/9')).node).toEqual({ kind: 'resource', id: 9, value: 77 });

    await t.server.next('sleeping', (e) => e.endpoint === 'sleepy');
    expect(await t.server.isAwake('sleepy')).toBe(false);
    const before = d.received.length;
    const started = Date.now();
    const fast = await t.server.read('sleepy', '/3/0/9').catch((e: unknown) => e);
    expect(isServerError(fast, 'DEVICE_ASLEEP')).toBe(true);
    expect(Date.now() - started).toBeLessThan(500);
    expect(d.received.length).toBe(before);

    let updateAnswered = false;
    let readArrivedAfterUpdateAnswer: boolean | undefined;
    d.respond = (req) => {
      if (req.method === 'GET') readArrivedAfterUpdateAnswer = updateAnswered;
      return undefined;
    };
    const waited = t.server.read('sleepy', '/3/0/9', { waitForWakeUpMs: 3000 });
    const woke = t.server.waitUntilAwake('sleepy', 3000);
    await new Promise((r) => setTimeout(r, 50));
    expect(d.received.length).toBe(before);
    const upd = await d.update();
    updateAnswered = true;
    expect(upd.code).toBe('2.04');
    await woke;
    expect((await waited).node).toEqual({ kind: 'resource', id: 9, value: 77 });
    expect(readArrivedAfterUpdateAnswer).toBe(true);
  });
});
