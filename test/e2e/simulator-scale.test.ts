import { afterAll, describe, expect, it } from 'vitest';
import { startSimulatorProcesses } from '../../scripts/simulator/processes.ts';
import type { SimulatorHandle } from '../../scripts/simulator/simulator-options.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

describe('the simulator at scale', () => {
  let t: TestServer | undefined;
  let sim: SimulatorHandle | undefined;
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('registers 10,000 devices from two worker processes against the server, persisted in Redis', async () => {
    // Registration only: observation set-up of 10,000 devices is measured by the benchmarks, not here.
    t = await startTestServer({ observeObjects: [], registerRatePerAddress: 1_000_000 });
    sim = startSimulatorProcesses({ count: 10_000, workers: 2, server: t.coap, prefix: 'scale-', seed: 1, tickMs: 60_000, lifetime: 600, concurrency: 1000 });
    await sim.ready;
    const stats = sim.stats();
    expect(stats.registered).toBe(10_000);
    expect(stats.failed).toBe(0);
    const health = await eventually(async () => {
      const h = await t!.api.get('/api/health');
      return h.devices === 10_000 ? h : undefined;
    }, 'every registration in Redis', 30_000, 200);
    expect(health.status).toBe('ok');
    expect((await t.api.get('/api/devices/scale-9999')).endpoint).toBe('scale-9999');
  }, 240_000);
});
