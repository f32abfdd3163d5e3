/**
 * One registration round, shared by the `registration` and `memory` scenarios: a fresh server process, `devices`
 * virtual devices Register (OMA TS Core 1.1 §6.2 Client Registration) with a fixed number in flight, then the server observes objects 3, 4, 5, 6 of
 * every device (docs/twin-model.md) — counted through `/metrics` (`lwtwin_device_request_seconds_count{op="observe",
 * outcome="ok"}`) — and finally the server's RSS and heap are read against the idle baseline.
 */
import type { BenchContext } from '../bench-types.ts';
import { wallNow } from '../child-rpc.ts';
import { startFleetProcesses } from '../fleet/fleet-processes.ts';
import { cpuMeter, processRssBytes } from '../proc-stat.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { redisMeter } from '../redis-prefix.ts';
import { withServer } from '../server-session.ts';
import { percentileMs, sleep } from '../stats.ts';

/** Objects the server observes after Register by default; the virtual devices announce all of them. */
const OBSERVED_OBJECTS = 4;

export interface FleetRoundResult {
  devices: number;
  registered: number;
  failed: number;
  registrationsPerSec: number;
  registerP50Ms: number;
  registerP99Ms: number;
  /** Server CPU while registering, % of one core. */
  serverCpuPercent: number;
  /** redis-server CPU while registering, % of one core. */
  redisCpuPercent: number;
  /** Redis commands from the first Register until every device is observed, per device. */
  redisCommandsPerDevice: number;
  /** First Register sent → every device's four observations established; NaN when not within the wait. */
  observedSec: number;
  /** Observations established / expected at the end. */
  observedShare: number;
  rssBaselineBytes: number;
  rssBytes: number;
  heapBaselineBytes: number;
  heapBytes: number;
  rssPerDeviceBytes: number;
  heapPerDeviceBytes: number;
  errors: string[];
}

async function heapUsed(httpUrl: string): Promise<number> {
  return metricSum(await scrapeMetrics(httpUrl), 'lwtwin_nodejs_heap_size_used_bytes');
}

export async function fleetRound(ctx: BenchContext, devices: number, run: number): Promise<FleetRoundResult> {
  const { concurrency, observeWaitSec } = ctx.sizes.registration;
  return withServer(ctx, `reg${devices}-${run}`, [], async ({ server }) => {
    await sleep(devices > 1000 ? 1000 : 200); // let start-up garbage settle
    const rssBaselineBytes = processRssBytes(server.pid);
    const heapBaselineBytes = await heapUsed(server.httpUrl);
    const fleet = await startFleetProcesses({ server: { address: '127.0.0.1', port: server.coapPort }, prefix: 'vd-', count: devices });
    try {
      const cpu = cpuMeter(server.pid);
      const redisUse = await redisMeter(ctx.redisUrl);
      const reg = await fleet.register(concurrency);
      const serverCpuPercent = cpu.stop().corePercent;
      const redisCpuPercent = (await redisUse.stop()).corePercent;
      const expected = reg.registered * OBSERVED_OBJECTS;
      let observed = 0;
      let observedAt = NaN;
      const deadline = performance.now() + observeWaitSec * 1000;
      while (performance.now() < deadline) {
        observed = metricSum(await scrapeMetrics(server.httpUrl), 'lwtwin_device_request_seconds_count', { op: 'observe', outcome: 'ok' });
        if (observed >= expected) {
          observedAt = wallNow();
          break;
        }
        await sleep(devices > 1000 ? 250 : 50);
      }
      const redisCommands = (await redisUse.stop()).commands;
      await sleep(devices > 1000 ? 3000 : 500); // twin writes of the first answers, then a quiet heap
      const rssBytes = processRssBytes(server.pid);
      const heapBytes = await heapUsed(server.httpUrl);
      return {
        devices,
        registered: reg.registered,
        failed: reg.failed,
        registrationsPerSec: reg.registered / reg.seconds,
        registerP50Ms: percentileMs(reg.histogram, 50),
        registerP99Ms: percentileMs(reg.histogram, 99),
        serverCpuPercent,
        redisCpuPercent,
        redisCommandsPerDevice: redisCommands / Math.max(1, reg.registered),
        observedSec: (observedAt - reg.startedAt) / 1000,
        observedShare: expected > 0 ? observed / expected : 0,
        rssBaselineBytes,
        rssBytes,
        heapBaselineBytes,
        heapBytes,
        rssPerDeviceBytes: (rssBytes - rssBaselineBytes) / Math.max(1, reg.registered),
        heapPerDeviceBytes: (heapBytes - heapBaselineBytes) / Math.max(1, reg.registered),
        errors: reg.errors,
      };
    } finally {
      await fleet.close();
    }
  });
}

/** Rounds are kept in the context per device count, so `registration` and `memory` in one invocation share them. */
export async function fleetRounds(ctx: BenchContext, devices: number): Promise<FleetRoundResult[]> {
  const key = `fleet-rounds-${devices}`;
  const cached = ctx.shared.get(key) as FleetRoundResult[] | undefined;
  if (cached) return cached;
  const results: FleetRoundResult[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const r = await fleetRound(ctx, devices, run);
    ctx.log(
      `  registration run ${run + 1}/${ctx.runs}, ${devices} devices: ${Math.round(r.registrationsPerSec)}/s, p50 ${r.registerP50Ms.toFixed(1)} ms, ` +
        `p99 ${r.registerP99Ms.toFixed(1)} ms, observed in ${r.observedSec.toFixed(1)} s (${(r.observedShare * 100).toFixed(0)} %), ` +
        `RSS +${Math.round(r.rssPerDeviceBytes)} B/device`,
    );
    results.push(r);
  }
  ctx.shared.set(key, results);
  return results;
}
