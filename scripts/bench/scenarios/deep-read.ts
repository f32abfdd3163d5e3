/**
 * Scenario `deep-read` (docs/twin-model.md, deep reads; Azure IoT Hub jobs doc): `POST /api/jobs {type: 'deepRead'}` for online virtual
 * devices, closed loop at a fixed concurrency from a separate process; jobs/s completed and p50/p99 from the POST to
 * the job's `completed` event on the jobs channel. Once with 1 device and once with a larger fleet; a fresh server
 * per fleet size, each timed window one run.
 */
import { figure, type BenchContext, type Figure, type ScenarioResult } from '../bench-types.ts';
import { forkRpc } from '../child-rpc.ts';
import type { DeepReadReport } from '../load/http-load.ts';
import { cpuMeter } from '../proc-stat.ts';
import { redisMeter } from '../redis-prefix.ts';
import { withServer } from '../server-session.ts';
import { decodeHistogram, median, percentileMs } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { OBSERVE_OBJECT_3, startObservedFleet } from './observed-fleet.ts';
import { HTTP_LOAD_WORKER } from './shallow-read.ts';

interface DeepRun {
  jobsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  submitP50Ms: number;
  failed: number;
  serverCpuPercent: number;
  redisCpuPercent: number;
  redisCommandsPerOp: number;
  firstErrors: string[];
}

export async function deepReadScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const s = ctx.sizes.deepRead;
  const notes: string[] = [];
  const figures: Figure[] = [];
  // One server; each fleet size gets its own fleet (and endpoint names), measured after the smaller ones.
  const details = await withServer(ctx, 'deep', OBSERVE_OBJECT_3, async (session) => {
    const load = forkRpc(HTTP_LOAD_WORKER);
    const out = [];
    try {
      for (const devices of s.fleets) {
        const devicePrefix = `d${devices}-`;
        const fleet = await startObservedFleet(ctx, session, devices, notes, 0, devicePrefix);
        const runs: DeepRun[] = [];
        try {
          for (let run = 0; run < ctx.runs; run++) {
            const cpu = cpuMeter(session.server.pid);
            const redisUse = await redisMeter(ctx.redisUrl);
            const r = await load.call<DeepReadReport>('deepReads', {
              httpUrl: session.server.httpUrl,
              token: session.server.token,
              devicePrefix,
              devices,
              property: 'device.batteryLevel',
              connections: 8,
              pipelining: 4,
              concurrency: devices === 1 ? 1 : s.concurrency,
              durationMs: s.durationSec * 1000,
              redisUrl: ctx.redisUrl,
              redisPrefix: session.prefix,
            });
            const serverCpuPercent = cpu.stop().corePercent;
            const redisUse1 = await redisUse.stop();
            const h = decodeHistogram(r.histogram);
            const row: DeepRun = {
              jobsPerSec: r.ok / r.seconds,
              p50Ms: percentileMs(h, 50),
              p99Ms: percentileMs(h, 99),
              submitP50Ms: percentileMs(decodeHistogram(r.submitHistogram), 50),
              failed: r.failedJobs + r.errors,
              serverCpuPercent,
              redisCpuPercent: redisUse1.corePercent,
              redisCommandsPerOp: r.ok > 0 ? redisUse1.commands / r.ok : NaN,
              firstErrors: r.firstErrors,
            };
            ctx.log(`  deep-read run ${run + 1}/${ctx.runs}, ${devices} device(s): ${Math.round(row.jobsPerSec)} jobs/s, p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, ${row.failed} failed`);
            runs.push(row);
          }
        } finally {
          await fleet.close();
        }
        const size = devices === 1 ? '1 device' : `${devices.toLocaleString('en-US')} devices`;
        const col = (k: keyof Omit<DeepRun, 'firstErrors'>) => runs.map((r) => r[k]);
        figures.push(
          figure('deep-read', `deep-read jobs/s (${size})`, '/s', col('jobsPerSec'), median(col('jobsPerSec')), TARGETS.deepReadJobsPerSec),
          figure('deep-read', `deep-read enqueue→result p50 (${size})`, 'ms', col('p50Ms'), median(col('p50Ms')), TARGETS.deepReadP50Ms),
          figure('deep-read', `deep-read enqueue→result p99 (${size})`, 'ms', col('p99Ms'), median(col('p99Ms'))),
          figure('deep-read', `POST /api/jobs p50 (${size})`, 'ms', col('submitP50Ms'), median(col('submitP50Ms'))),
          figure('deep-read', `server CPU during deep reads (${size})`, '% core', col('serverCpuPercent'), median(col('serverCpuPercent'))),
          figure('deep-read', `Redis CPU during deep reads (${size})`, '% core', col('redisCpuPercent'), median(col('redisCpuPercent'))),
          figure('deep-read', `Redis commands per deep-read job (${size})`, '', col('redisCommandsPerOp'), median(col('redisCommandsPerOp'))),
        );
        const failed = runs.reduce((n, r) => n + r.failed, 0);
        if (failed > 0) notes.push(`${size}: ${failed} jobs failed or timed out: ${runs.flatMap((r) => r.firstErrors).slice(0, 3).join('; ')}`);
        out.push({ devices, runs });
      }
    } finally {
      await load.close();
    }
    return out;
  });
  notes.push(`closed loop: 1 job in flight for the single device (its jobs run one at a time anyway), ${s.concurrency} in flight for the fleet.`);
  return { name: 'deep-read', figures, details, notes, seconds: (performance.now() - t0) / 1000 };
}
