/**
 * One registration round, shared by the `registration` and `memory` scenarios: a fresh server process, `devices`
 * virtual devices Register (OMA TS Core 1.1 §6.2 Client Registration) with a fixed number in flight, then the server observes objects 3, 4, 5, 6 of
 * every device (docs/twin-model.md) — counted through `/metrics` (`lwtwin_device_request_seconds_count{op="observe",
 * outcome="ok"}`) — and finally the server's RSS and heap are read against the idle baseline.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from '../bench-types.ts';
import { heapSplit, type HeapSplit } from '../heap-split.ts';
import { wallNow } from '../child-rpc.ts';
import { startFleetProcesses } from '../fleet/fleet-processes.ts';
import { cpuMeter, processRssBytes } from '../proc-stat.ts';
import { metricByLabel, metricSum, scrapeMetrics } from '../prom-text.ts';
import { redisMeter } from '../redis-prefix.ts';
import type { ServerProcess } from '../server-process.ts';
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
  /**
   * Lowest RSS sampled once a second over `SETTLE_SEC` of idle after the storm: V8 returns the storm's garbage only
   * when its memory reducer runs (~30 s of low allocation), so `rssBytes` (3 s after) is mostly garbage.
   */
  rssSettledBytes: number;
  rssSettledPerDeviceBytes: number;
  heapBaselineBytes: number;
  heapBytes: number;
  rssPerDeviceBytes: number;
  heapPerDeviceBytes: number;
  /**
   * The server's observation set-ups by outcome at the end (`lwtwin_observation_setups_total`: observing, deferred,
   * unreachable, refused, server_limit) and its downlink requests refused by the per-address limit: what the storm
   * shed or retried, so nothing it held back goes unseen.
   */
  setupOutcomes: Record<string, number>;
  downlinkRefused: number;
  /** Heap snapshot of the server holding every device, split by part (first run of a size up to HEAP_SPLIT_MAX_DEVICES). */
  heapSplit?: HeapSplit;
  errors: string[];
}

/**
 * Largest fleet whose server heap is snapshotted and split: a snapshot of 10,000 devices is ~250 MB of JSON and takes
 * tens of seconds to write and parse; 100,000 would need gigabytes.
 */
const HEAP_SPLIT_MAX_DEVICES = 20_000;

/** Seconds of idle after the storm over which the lowest RSS is taken (`rssSettledBytes`). */
const SETTLE_SEC = 40;

/** Takes a heap snapshot of the server (SIGUSR2, see the node arguments in `fleetRound`) and splits it. */
async function snapshotSplit(pid: number, httpUrl: string, dir: string): Promise<HeapSplit> {
  process.kill(pid, 'SIGUSR2');
  // The server writes the snapshot on its main thread: once it answers again and the file stopped growing, it is whole.
  for (let i = 0; i < 600; i++) {
    await sleep(1000);
    const files = readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
    if (files.length === 0) continue;
    try {
      await scrapeMetrics(httpUrl);
    } catch {
      continue;
    }
    return heapSplit(path.join(dir, files[0]));
  }
  throw new Error('no heap snapshot within 10 minutes');
}

async function heapUsed(httpUrl: string): Promise<number> {
  return metricSum(await scrapeMetrics(httpUrl), 'lwtwin_nodejs_heap_size_used_bytes');
}

export async function fleetRound(ctx: BenchContext, devices: number, run: number): Promise<FleetRoundResult> {
  const { concurrency, observeWaitSec } = ctx.sizes.registration;
  const snapshotDir = run === 0 && devices <= HEAP_SPLIT_MAX_DEVICES ? mkdtempSync(path.join(os.tmpdir(), 'lwtwin-heap-')) : undefined;
  const nodeArgs = snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  try {
    return await withServer(ctx, `reg${devices}-${run}`, [], (session) => measureRound(ctx, devices, session.server, concurrency, observeWaitSec, snapshotDir), nodeArgs);
  } finally {
    if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  }
}

async function measureRound(
  ctx: BenchContext,
  devices: number,
  server: ServerProcess,
  concurrency: number,
  observeWaitSec: number,
  snapshotDir: string | undefined,
): Promise<FleetRoundResult> {
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
      // every scrape costs the server a walk over its registrations (lwtwin_devices_online): poll large fleets less often
      await sleep(devices > 20_000 ? 1000 : devices > 1000 ? 250 : 50);
    }
    const redisCommands = (await redisUse.stop()).commands;
    const endSamples = await scrapeMetrics(server.httpUrl);
    const setupOutcomes = metricByLabel(endSamples, 'lwtwin_observation_setups_total', 'outcome');
    const downlinkRefused = metricSum(endSamples, 'lwtwin_downlink_refused_total');
    await sleep(devices > 1000 ? 3000 : 500); // twin writes of the first answers, then a quiet heap
    const rssBytes = processRssBytes(server.pid);
    const heapBytes = await heapUsed(server.httpUrl);
    let rssSettledBytes = rssBytes;
    for (let i = 0; i < (devices > 1000 ? SETTLE_SEC : 2); i++) {
      await sleep(1000);
      rssSettledBytes = Math.min(rssSettledBytes, processRssBytes(server.pid));
    }
    let split: HeapSplit | undefined;
    if (snapshotDir) {
      ctx.log(`  heap snapshot of the server holding ${devices} devices ...`);
      split = await snapshotSplit(server.pid, server.httpUrl, snapshotDir).catch((err: Error) => {
        ctx.log(`  heap snapshot failed: ${err.message}`);
        return undefined;
      });
    }
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
      rssSettledBytes,
      rssSettledPerDeviceBytes: (rssSettledBytes - rssBaselineBytes) / Math.max(1, reg.registered),
      heapPerDeviceBytes: (heapBytes - heapBaselineBytes) / Math.max(1, reg.registered),
      setupOutcomes,
      downlinkRefused,
      ...(split ? { heapSplit: split } : {}),
      errors: reg.errors,
    };
  } finally {
    await fleet.close();
  }
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
        `RSS +${Math.round(r.rssPerDeviceBytes)} B/device (settled +${Math.round(r.rssSettledPerDeviceBytes)}); set-ups ${JSON.stringify(r.setupOutcomes)}, downlink refused ${r.downlinkRefused}`,
    );
    results.push(r);
  }
  ctx.shared.set(key, results);
  return results;
}
