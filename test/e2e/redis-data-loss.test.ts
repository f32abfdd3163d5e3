// Redis losing its data (FLUSHALL on the test's own redis-server, never the shared one) under a running server:
// registrations the server holds in memory are written back with their twins at once, health says the data was lost,
// and twins keep updating; devices nobody holds any more are told to re-register (4.04 to their Update) and come
// back. Real UDP, real simulated devices, real Redis.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';
import { startOwnRedis, type OwnRedis } from '../helpers/server-process.ts';

const DEVICES = ['dl-0', 'dl-1', 'dl-2'];

describe('Redis losing its data under a running server', () => {
  let redis: OwnRedis | undefined;
  let client: Redis | undefined;
  let t: TestServer | undefined;
  let sim: LocalSimulatorHandle | undefined;
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
    client?.disconnect();
    await redis?.destroy();
  });

  const batteryAfter = async (s: TestServer, ep: string, since: number) =>
    eventually(async () => {
      const b = await s.api.get(`/api/devices/${ep}/properties/device.batteryLevel`).catch(() => undefined);
      return b && Date.parse(b.lastUpdated) > since ? b : undefined;
    }, `${ep}'s battery in its twin after ${new Date(since).toISOString()}`, 15_000, 100);

  it('writes back what it holds, reports the loss, and makes the devices it does not hold re-register', async () => {
    redis = await startOwnRedis();
    client = new Redis(redis.url);
    t = await startTestServer({ redisUrl: redis.url }, { redisHealthIntervalMs: 200 });
    sim = startSimulator({ count: DEVICES.length, server: t.coap, prefix: 'dl-', seed: 21, tickMs: 200, lifetime: 600, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    for (const ep of DEVICES) await eventually(async () => (await t!.api.get(`/api/devices/${ep}/twin`)).observationState?.['3']?.status === 'observing', `${ep} observed`);
    const ids = await Promise.all(DEVICES.map(async (ep) => (await t!.api.get(`/api/devices/${ep}`)).registrationId as string));

    // 1. FLUSHALL while the server holds the registrations: written back, same registration ids, twins update.
    await client.flushall();
    const flushed = Date.now();
    const health = await eventually(async () => {
      const h = await t!.api.get('/api/health');
      return h.redis === 'data-lost' ? h : undefined;
    }, 'health to report the data loss', 5000, 100);
    expect(health.status).toBe('degraded');
    expect(health.reasons.join(' ')).toMatch(/lost its data/);
    for (const [i, ep] of DEVICES.entries()) {
      expect((await eventually(() => t!.api.get(`/api/devices/${ep}`).catch(() => undefined), `${ep} back`, 5000, 100)).registrationId).toBe(ids[i]);
      await batteryAfter(t, ep, flushed);
    }
    let metrics = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lwtwin_redis_data_losses_total 1/);
    expect(metrics).toMatch(new RegExp(`lwtwin_registrations_restored_total ${DEVICES.length}`));

    // 2. A new server process (nothing in memory) on the same port, then FLUSHALL: nobody can write the devices back.
    const coapPort = t.coap.port;
    await t.stop();
    await client.flushall();
    t = await startTestServer({ redisUrl: redis.url, coapPort }, { redisHealthIntervalMs: 200 });
    const restarted = Date.now();
    // Their next Update gets 4.04 (counted) and they register again at once.
    for (const d of sim.devices()) d.client.triggerUpdate();
    for (const ep of DEVICES) {
      const reg = await eventually(() => t!.api.get(`/api/devices/${ep}`).catch(() => undefined), `${ep} registered again`, 10_000, 100);
      expect(ids).not.toContain(reg.registrationId);
      await batteryAfter(t, ep, restarted);
    }
    metrics = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/lwtwin_unknown_device_messages_total\{message="update"\} [1-9]/);
  }, 90_000);
});
