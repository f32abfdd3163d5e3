/**
 * Scenario `notify` (OMA TS Core 1.1 §6.4 Information Reporting; docs/twin-model.md): registered virtual devices send NON notifications of `/3/0` at fixed total rates,
 * stepped upward, from a separate load-generator process. Per step: notifications/s written into twins (server metric
 * `lwtwin_twin_writes_total{source="device"}`, one leaf per notification), notify → visible latency sampled by a probe
 * device in this process (a CON notification with a unique Memory Free value, then polling the twin store until it
 * shows), dropped (sent − written after a drain), late (probe samples over 100 ms or lost), server CPU
 * (/proc/<pid>/stat) and host UDP receive-buffer drops. The server observes only object 3 here (`--observe-objects 3`)
 * so set-up stays short; each pass over the rate ladder is one run.
 */
import { Redis } from 'ioredis';
import { environment, loadConfig } from '../../../server/config.ts';
import { RedisKeys } from '../../../server/store/keys.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import { figure, type BenchContext, type Figure, type ScenarioResult } from '../bench-types.ts';
import type { FleetProcesses } from '../fleet/fleet-processes.ts';
import { VirtualFleet } from '../fleet/virtual-fleet.ts';
import { cpuMeter, udpReceiveBufferErrors } from '../proc-stat.ts';
import { metricByLabel, metricSum, scrapeMetrics, type PromSample } from '../prom-text.ts';
import { redisMeter } from '../redis-prefix.ts';
import { withServer } from '../server-session.ts';
import { latencyHistogram, median, percentileMs, recordMs, sleep } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { OBSERVE_OBJECT_3, startObservedFleet, waitObserved } from './observed-fleet.ts';

const LATE_MS = 100;
const PROBE_TIMEOUT_MS = 3000;
/** Memory Free (/3/0/10), `device.memoryFree` in the twin: the probe's unique values. */
const PROBE_RESOURCE = 10;

export interface NotifyStepResult {
  rate: number;
  sent: number;
  offeredPerSec: number;
  writtenPerSec: number;
  written: number;
  /**
   * Notifications the server accepted (`lwtwin_notifications_total{outcome="accepted"}`) during the step and its drain:
   * `sent − accepted` never reached the server's LwM2M layer (the kernel's drops, or shed); `accepted − written` were
   * received but not (yet) written into twins.
   */
  accepted: number;
  dropped: number;
  droppedPercent: number;
  probeSamples: number;
  p50Ms: number;
  p99Ms: number;
  latePercent: number;
  serverCpuPercent: number;
  redisCpuPercent: number;
  /** Redis commands per notification written (twin writes are batched: a pipeline of one script per device). */
  redisCommandsPerWrite: number;
  udpRcvbufErrors: number;
  /**
   * What the server itself shed or refused during the step and its drain: notifications by outcome other than
   * `accepted` (`lwtwin_notifications_total`: stale, unknown, undecodable, ...), reported values dropped from the
   * notify buffer (`lwtwin_notify_buffer_dropped_total`) and values the twin refused (`lwtwin_reported_rejected_total`).
   * With `udpRcvbufErrors` (the kernel's drops) this accounts for `dropped`.
   */
  serverShed: Record<string, number>;
  resets: number;
}

const writes = (m: PromSample[]): number => metricSum(m, 'lwtwin_twin_writes_total', { source: 'device' });
const accepted = (m: PromSample[]): number => metricSum(m, 'lwtwin_notifications_total', { outcome: 'accepted' });

/** The server's shedding counters (see `NotifyStepResult.serverShed`). */
function shedCounters(m: PromSample[]): Record<string, number> {
  const out: Record<string, number> = { bufferDropped: metricSum(m, 'lwtwin_notify_buffer_dropped_total'), reportedRejected: metricSum(m, 'lwtwin_reported_rejected_total') };
  for (const [outcome, n] of Object.entries(metricByLabel(m, 'lwtwin_notifications_total', 'outcome'))) if (outcome !== 'accepted') out[`notification_${outcome}`] = n;
  return out;
}

function counterGrowth(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/** Samples notify → visible until `stop()`; each sample waits for its value before the next starts. */
function startProbe(probe: VirtualFleet, store: RedisTwinStore, everyMs: number, seed: number) {
  const hist = latencyHistogram();
  let stopped = false;
  let samples = 0;
  let late = 0;
  let sent = 0;
  let seq = seed;
  const ep = probe.name(0);
  const loop = (async () => {
    while (!stopped) {
      const value = ++seq;
      const t0 = performance.now();
      sent++;
      void probe.notifyOne(PROBE_RESOURCE, value).catch(() => undefined);
      let seen = false;
      while (performance.now() - t0 < PROBE_TIMEOUT_MS) {
        const v = await store.getProperty(ep, 'reported', ['device', 'memoryFree']).catch(() => undefined);
        if (v?.value === value) {
          seen = true;
          break;
        }
        await sleep(1);
      }
      const ms = performance.now() - t0;
      samples++;
      if (seen) recordMs(hist, ms);
      if (!seen || ms > LATE_MS) late++;
      const rest = everyMs - (performance.now() - t0);
      if (rest > 0) await sleep(rest);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { hist, samples, late, sent, lastValue: seq };
    },
  };
}

/**
 * Reads the server's twin-write counter every `everyMs` until two reads in a row agree (at most `polls` more reads
 * after `first`): the last count, and whether it stood still.
 */
async function writesSettled(httpUrl: string, first: number, everyMs: number, polls: number): Promise<{ count: number; settled: boolean }> {
  let last = first;
  for (let i = 0; i < polls; i++) {
    await sleep(everyMs);
    const now = writes(await scrapeMetrics(httpUrl));
    if (now === last) return { count: now, settled: true };
    last = now;
  }
  return { count: last, settled: false };
}

/**
 * Waits until the server has written the first values of the set-up into twins (its twin-write counter stands still
 * for a second), so the first step does not measure the set-up's backlog (at 100k devices that backlog is 100k writes).
 */
async function settleWrites(ctx: BenchContext, httpUrl: string, notes: string[]): Promise<void> {
  const waitSec = ctx.sizes.registration.observeWaitSec;
  const t0 = performance.now();
  const { settled } = await writesSettled(httpUrl, writes(await scrapeMetrics(httpUrl)), 1000, waitSec);
  notes.push(
    settled
      ? `the set-up's twin writes settled ${((performance.now() - t0) / 1000).toFixed(1)} s after every device was observed`
      : `the set-up's twin writes were still going after ${waitSec} s; the first step includes them`,
  );
}

/** One step: `fleet` notifies at `rate`/s for `stepSec` while `probe` samples notify → twin (also used by the dtls scenario). */
export async function runStep(ctx: BenchContext, httpUrl: string, pid: number, fleet: FleetProcesses, probe: VirtualFleet, store: RedisTwinStore, rate: number, probeSeed: number): Promise<NotifyStepResult & { lastValue: number }> {
  const { stepSec, probeEveryMs } = ctx.sizes.notify;
  const m0 = await scrapeMetrics(httpUrl);
  const udp0 = udpReceiveBufferErrors();
  const cpu = cpuMeter(pid);
  const redisUse = await redisMeter(ctx.redisUrl);
  const sampler = startProbe(probe, store, probeEveryMs, probeSeed);
  const rep = await fleet.notify(rate, stepSec * 1000);
  const p = await sampler.stop();
  const cpuUse = cpu.stop();
  const redis = await redisUse.stop();
  const m1 = await scrapeMetrics(httpUrl);
  // Drain: wait until the server has written what it is going to write.
  const drained = await writesSettled(httpUrl, writes(m1), 200, 25);
  const writtenTotal = drained.count - writes(m0);
  const m2 = await scrapeMetrics(httpUrl);
  const serverShed = counterGrowth(shedCounters(m0), shedCounters(m2));
  const windowWritten = writes(m1) - writes(m0);
  const sent = rep.sent + p.sent;
  const dropped = Math.max(0, sent - writtenTotal);
  return {
    rate,
    sent,
    offeredPerSec: rep.sent / Math.max(rep.seconds, 1e-9),
    writtenPerSec: windowWritten / Math.max(rep.seconds, 1e-9),
    written: writtenTotal,
    accepted: accepted(m2) - accepted(m0),
    dropped,
    droppedPercent: sent > 0 ? (dropped / sent) * 100 : 0,
    probeSamples: p.samples,
    p50Ms: percentileMs(p.hist, 50),
    p99Ms: percentileMs(p.hist, 99),
    latePercent: p.samples > 0 ? (p.late / p.samples) * 100 : NaN,
    serverCpuPercent: cpuUse.corePercent,
    redisCpuPercent: redis.corePercent,
    redisCommandsPerWrite: windowWritten > 0 ? redis.commands / windowWritten : NaN,
    udpRcvbufErrors: udpReceiveBufferErrors() - udp0,
    serverShed,
    resets: rep.resets,
    lastValue: p.lastValue,
  };
}

export async function notifyScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const { devices, rates } = ctx.sizes.notify;
  const notes: string[] = [];
  const passes: NotifyStepResult[][] = await withServer(ctx, 'notify', OBSERVE_OBJECT_3, async ({ server, prefix }) => {
    const probe = await VirtualFleet.open({ server: { address: '127.0.0.1', port: server.coapPort }, prefix: 'probe-', count: 1, devicesPerSocket: 1, firstSocket: 60_000 });
    const redis = new Redis(ctx.redisUrl);
    const store = new RedisTwinStore({ redis, keys: new RedisKeys(prefix) });
    let fleet: FleetProcesses | undefined;
    try {
      const probeReg = await probe.register(1);
      if (probeReg.registered !== 1) throw new Error(`probe device did not register: ${probeReg.errors.join('; ')}`);
      await waitObserved(ctx, server.httpUrl, 1, notes);
      fleet = await startObservedFleet(ctx, { server, prefix }, devices, notes);
      await settleWrites(ctx, server.httpUrl, notes);
      const out: NotifyStepResult[][] = [];
      let seed = 10_000_000;
      for (let run = 0; run < ctx.runs; run++) {
        const steps: NotifyStepResult[] = [];
        for (const rate of rates) {
          const { lastValue, ...step } = await runStep(ctx, server.httpUrl, server.pid, fleet, probe, store, rate, seed);
          seed = lastValue + 1;
          ctx.log(
            `  notify run ${run + 1}/${ctx.runs} @ ${rate}/s: offered ${Math.round(step.offeredPerSec)}/s, written ${Math.round(step.writtenPerSec)}/s, accepted ${step.accepted} of ${step.sent} sent, ` +
              `p50 ${step.p50Ms.toFixed(1)} ms, p99 ${step.p99Ms.toFixed(1)} ms, dropped ${step.droppedPercent.toFixed(1)} %, late ${step.latePercent.toFixed(0)} %, server CPU ${step.serverCpuPercent.toFixed(0)} %, Redis CPU ${step.redisCpuPercent.toFixed(0)} %`,
          );
          steps.push(step);
        }
        out.push(steps);
      }
      return out;
    } finally {
      await probe.close();
      await fleet?.close();
      await store.close().catch(() => undefined);
      redis.disconnect();
    }
  });

  const figures: Figure[] = [];
  const perRate = rates.map((rate, i) => ({ rate, runs: passes.map((steps) => steps[i]) }));
  type NumericKey = { [K in keyof NotifyStepResult]: NotifyStepResult[K] extends number ? K : never }[keyof NotifyStepResult];
  const med = (rows: NotifyStepResult[], k: NumericKey) => median(rows.map((r) => r[k]));
  // Headline: the highest written rate over the steps, and the p99 at the step of the target rate (or the top step).
  const bestWritten = passes.map((steps) => Math.max(...steps.map((s) => s.writtenPerSec)));
  figures.push(figure('notify', `notifications written/s (best step, ${devices.toLocaleString('en-US')} devices)`, '/s', bestWritten, median(bestWritten), TARGETS.notificationsPerSec));
  const targetStep = perRate.find((r) => r.rate === TARGETS.notificationsPerSec.value) ?? perRate[perRate.length - 1];
  const p99s = targetStep.runs.map((r) => r.p99Ms);
  figures.push(figure('notify', `notify→twin p99 at ${targetStep.rate.toLocaleString('en-US')}/s offered`, 'ms', p99s, median(p99s), TARGETS.notifyP99Ms));
  for (const { rate, runs } of perRate) {
    const label = (what: string) => `${what} @ ${rate.toLocaleString('en-US')}/s`;
    figures.push(
      figure('notify', label('offered'), '/s', runs.map((r) => r.offeredPerSec), med(runs, 'offeredPerSec')),
      figure('notify', label('written'), '/s', runs.map((r) => r.writtenPerSec), med(runs, 'writtenPerSec')),
      figure('notify', label('notify→twin p50'), 'ms', runs.map((r) => r.p50Ms), med(runs, 'p50Ms')),
      figure('notify', label('notify→twin p99'), 'ms', runs.map((r) => r.p99Ms), med(runs, 'p99Ms')),
      figure('notify', label('dropped'), '%', runs.map((r) => r.droppedPercent), med(runs, 'droppedPercent')),
      figure('notify', label('late (>100 ms or lost)'), '%', runs.map((r) => r.latePercent), med(runs, 'latePercent')),
      figure('notify', label('server CPU'), '% core', runs.map((r) => r.serverCpuPercent), med(runs, 'serverCpuPercent')),
      figure('notify', label('Redis CPU'), '% core', runs.map((r) => r.redisCpuPercent), med(runs, 'redisCpuPercent')),
    );
  }
  notes.push(
    'Notifications are NON, one Battery Level leaf each, round-robin over all observed devices from one generator process; ' +
      'offered < step rate means the generator (sharing the cores) could not send faster.',
  );
  // the server inherits the environment: LWTWIN_TWIN_RANGE_INDEX, if set, is what it indexes
  const indexed = loadConfig({}, environment()).twinRangeIndex;
  notes.push(`Server numeric range index (--twin-range-index): ${indexed.length > 0 ? indexed.join(', ') : 'off'}${indexed.some((p) => p.startsWith('properties.reported')) ? '' : ' (no reported leaf: notifications pay no index write)'}.`);
  const udpDrops = passes.flat().reduce((s, r) => s + (Number.isFinite(r.udpRcvbufErrors) ? r.udpRcvbufErrors : 0), 0);
  if (udpDrops > 0) notes.push(`host UDP receive-buffer drops during the steps: ${udpDrops} (Udp RcvbufErrors, all sockets of the host)`);
  const shed: Record<string, number> = {};
  for (const r of passes.flat()) for (const [k, v] of Object.entries(r.serverShed)) shed[k] = (shed[k] ?? 0) + v;
  notes.push(
    Object.keys(shed).length > 0
      ? `shed or refused by the server during the steps (all passes): ${Object.entries(shed).map(([k, v]) => `${k} ${v}`).join(', ')}`
      : 'shed or refused by the server during the steps: none (no notification refused, no reported value dropped from the buffer or refused by the twin)',
  );
  return { name: 'notify', figures, details: { devices, passes }, notes, seconds: (performance.now() - t0) / 1000 };
}
