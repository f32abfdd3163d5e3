// Redis stopped for ~20 s under a running server (its own redis-server, never the shared one): health answers within
// 1 s with 503 and the reason, shallow reads answer fast (from the cache or 503), notifications sent meanwhile reach
// the twin once Redis is back, connection errors are logged once per interval, and SIGTERM during an outage stops the
// server within 10 s. Real UDP, real simulated devices, a real server process.
import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { uniquePrefix } from '../helpers/redis.ts';
import { eventually } from '../helpers/server.ts';
import { exitOf, freeTcpPort, freeUdpPort, spawnServer, startOwnRedis, type OwnRedis } from '../helpers/server-process.ts';

const TOKEN = 'outage-test-admin-token-0123456789';
const OUTAGE_MS = 20_000;

/** Status, body and time of one GET (no token needed for health and metrics; the token is sent anyway). */
async function timedGet(url: string): Promise<{ status: number; body: any; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // metrics are text
  }
  return { status: res.status, body, ms: performance.now() - t0 };
}

describe('a Redis outage under a running server', () => {
  const children: ChildProcess[] = [];
  let sim: LocalSimulatorHandle | undefined;
  let redis: OwnRedis | undefined;
  afterAll(async () => {
    await sim?.stop();
    for (const c of children) c.kill('SIGKILL');
    await redis?.destroy();
  });

  it('keeps health and reads fast, buffers notifications until Redis returns, and stops on SIGTERM within 10 s', async () => {
    redis = await startOwnRedis();
    const [coapPort, httpPort] = [await freeUdpPort(), await freeTcpPort()];
    const base = `http://127.0.0.1:${httpPort}`;
    // pmax 600: no periodic notification during the test; values change only when the test steps a device.
    const server = spawnServer(['--coap-port', String(coapPort), '--coaps-port', '0', '--coap-host', '127.0.0.1', '--http-port', String(httpPort), '--http-host', '127.0.0.1',
      '--redis-url', redis.url, '--redis-prefix', uniquePrefix('outage'), '--server-id', 'outage-server', '--admin-token', TOKEN,
      '--observe-pmin', '0', '--observe-pmax', '600', '--observe-overrides', '{}', '--log-level', 'warn'], children, 'pipe');
    let stderr = '';
    server.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const api = new ApiClient(base, TOKEN);
    await eventually(() => api.get('/api/health'), 'the server to start', 60_000, 200);

    sim = startSimulator({ count: 2, server: { address: '127.0.0.1', port: coapPort }, prefix: 'out-', seed: 11, tickMs: 3_600_000, lifetime: 600, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    const [dev0, dev1] = sim.devices();
    for (const ep of ['out-0', 'out-1']) await eventually(async () => (await api.get(`/api/devices/${ep}/twin`)).observationState?.['3']?.status === 'observing', `${ep} observed`, 20_000);
    await eventually(async () => (await api.get('/api/devices/out-1/properties/device.batteryLevel')).value === dev1.device.read(9), 'out-1 battery in the twin');
    await api.get('/api/devices/out-1/properties/device.batteryLevel'); // now cached

    await redis.stop();
    const outageStart = Date.now();

    // Health: within 1 s, 503, degraded, with the reason.
    const health = await eventually(async () => {
      const h = await timedGet(`${base}/api/health`);
      expect(h.ms).toBeLessThan(1000);
      return h.status === 503 ? h : undefined;
    }, 'health to report the outage', 5000, 100);
    expect(health.body.status).toBe('degraded');
    expect(health.body.redis).toBe('unreachable');
    expect(health.body.reasons.join(' ')).toMatch(/redis unreachable since/);

    // Notifications during the outage: the device's battery drops by a few percent.
    for (let i = 0; i < 4; i++) {
      dev0.step();
      await new Promise((r) => setTimeout(r, 300));
    }
    const expected = dev0.device.read(9);

    // Shallow reads answer fast: from the cache (out-1, untouched since) or 503 (out-0's entry was invalidated).
    const cached = await timedGet(`${base}/api/devices/out-1/properties/device.batteryLevel`);
    expect(cached.ms).toBeLessThan(1000);
    expect(cached.status).toBe(200);
    expect(cached.body.value).toBe(dev1.device.read(9));
    const uncached = await timedGet(`${base}/api/devices/out-0/properties/device.batteryLevel`);
    expect(uncached.ms).toBeLessThan(1000);
    expect(uncached.status).toBe(503);
    expect(uncached.body.code).toBe('STORE_UNAVAILABLE');
    const twin = await timedGet(`${base}/api/devices/out-0/twin`);
    expect(twin.ms).toBeLessThan(1000);
    expect([200, 503]).toContain(twin.status);

    const metrics = await timedGet(`${base}/metrics`);
    expect(metrics.ms).toBeLessThan(1000);
    expect(metrics.body).toMatch(/lwtwin_notify_buffer_bytes [1-9]\d*/);
    expect(metrics.body).toMatch(/lwtwin_redis_up 0/);

    await new Promise((r) => setTimeout(r, Math.max(0, outageStart + OUTAGE_MS - Date.now())));
    await redis.start();
    const outageEnd = Date.now();

    // The values sent during the outage reach the twin, with their arrival time (inside the outage).
    const battery = await eventually(async () => {
      const b = await api.get('/api/devices/out-0/properties/device.batteryLevel');
      return b.value === expected ? b : undefined;
    }, 'the battery level sent during the outage in the twin', 20_000, 200);
    expect(Date.parse(battery.lastUpdated)).toBeGreaterThanOrEqual(outageStart);
    expect(Date.parse(battery.lastUpdated)).toBeLessThan(outageEnd);
    await eventually(async () => (await timedGet(`${base}/api/health`)).status === 200, 'health to recover', 10_000, 200);
    expect((await timedGet(`${base}/metrics`)).body).toMatch(/lwtwin_notify_buffer_dropped_total 0/);

    // The connection-error storm is logged once per interval with a count, not many times a second.
    const storm = stderr.split('\n').filter((l) => l.includes('redis connection problem'));
    expect(storm.length).toBeGreaterThan(0);
    expect(storm.length).toBeLessThanOrEqual(4);

    // SIGTERM during an outage stops the server within 10 s.
    await redis.stop();
    await eventually(async () => (await timedGet(`${base}/api/health`)).status === 503, 'the second outage', 5000, 100);
    const t0 = Date.now();
    server.kill('SIGTERM');
    const exited = await exitOf(server, 10_000);
    expect(exited, 'the server to exit within 10 s of SIGTERM').toBeDefined();
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 150_000);
});
