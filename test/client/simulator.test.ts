import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { startSimulator } from '../../scripts/simulator/simulator.ts';
import { startSimulatorProcesses } from '../../scripts/simulator/processes.ts';
import type { SimulatorStats } from '../../scripts/simulator/simulator-options.ts';
import { TestServer } from './helpers/test-server.ts';
import { until } from './helpers/wait.ts';

let server: TestServer;

beforeAll(async () => {
  server = await TestServer.start({ maxInFlight: 20_000, socketBufferBytes: 4 * 1024 * 1024 });
  server.quiet = true;
});
afterAll(() => server.close());

describe('startSimulator (one process)', () => {
  it('registers 2,000 devices with bounded concurrency and de-registers them on stop', async () => {
    const progress: SimulatorStats[] = [];
    const sim = startSimulator({
      count: 2000,
      server: server.address,
      prefix: 'bulk-',
      seed: 99,
      concurrency: 500,
      queueModeShare: 0.25,
      v10Share: 0.1,
      tickMs: 50,
      lifetime: 600,
      requestTimeoutMs: 8000,
      retry: { baseMs: 200, maxMs: 2000, maxAttempts: 10 },
      progressIntervalMs: 200,
      onProgress: (s) => progress.push(s),
    });
    const t0 = Date.now();
    await sim.ready;
    const took = Date.now() - t0;
    const stats = sim.stats();
    expect(stats.devices).toBe(2000);
    expect(stats.registered).toBe(2000);
    expect(stats.failed).toBe(0);
    expect(stats.registrations).toBeGreaterThanOrEqual(2000);
    for (let i = 0; i < 2000; i++) expect(server.byEp.has(`bulk-${i}`), `bulk-${i}`).toBe(true);
    const queued = [...server.byEp.values()].filter((r) => r.ep.startsWith('bulk-') && r.query.has('Q')).length;
    const v10 = [...server.byEp.values()].filter((r) => r.ep.startsWith('bulk-') && r.query.get('lwm2m') === '1.0').length;
    expect(queued + v10).toBeGreaterThan(0);
    expect(queued).toBeGreaterThan(350); // ~25 % of the 1.1 devices
    expect(queued).toBeLessThan(650);
    expect(v10).toBeGreaterThan(120);
    expect(v10).toBeLessThan(290);
    expect(progress.at(-1)?.registered).toBe(2000);
    expect(took).toBeLessThan(30_000);

    // The devices answer, and the physics ticker moves their values.
    const res = await server.read('bulk-1234', '/3/0/0', ContentFormat.TEXT);
    expect(res.payload.toString()).toBe('lwtwin');
    const dev = sim.devices().find((d) => d.name === 'bulk-7')!;
    const before = dev.temperatures[0].sensorValue;
    const batt = dev.device.batteryLevel;
    await until(() => dev.temperatures[0].sensorValue !== before || dev.device.batteryLevel !== batt, 'a physics tick', 3000);

    await sim.stop();
    expect([...server.byEp.keys()].filter((k) => k.startsWith('bulk-'))).toHaveLength(0);
    expect(sim.stats().registered).toBe(0);
  }, 60_000);
});

describe('startSimulatorProcesses', () => {
  it('runs 2 workers × 100 devices with disjoint names and sums their stats', async () => {
    const sim = startSimulatorProcesses({ count: 200, workers: 2, server: server.address, prefix: 'mp-', seed: 5, tickMs: 1000, lifetime: 600, concurrency: 50 });
    await sim.ready;
    const stats = sim.stats();
    expect(stats.devices).toBe(200);
    expect(stats.registered).toBe(200);
    expect(stats.failed).toBe(0);
    const names = [...server.byEp.keys()].filter((k) => k.startsWith('mp-'));
    expect(new Set(names)).toEqual(new Set(Array.from({ length: 200 }, (_, i) => `mp-${i}`)));
    const peers = new Set([...server.byEp.values()].filter((r) => r.ep.startsWith('mp-')).map((r) => `${r.peer.address}:${r.peer.port}`));
    expect(peers.size).toBe(200); // one socket per device
    const res = await server.read('mp-150', '/3/0/0', ContentFormat.TEXT);
    expect(res.payload.toString()).toBe('lwtwin');
    await sim.stop();
    expect([...server.byEp.keys()].filter((k) => k.startsWith('mp-'))).toHaveLength(0);
  }, 60_000);
});
