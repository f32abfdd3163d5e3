/**
 * Scenario `shallow-read` (docs/twin-model.md): `GET /api/devices/{ep}/properties/device.batteryLevel` at a fixed concurrency
 * (undici Pool with pipelining) from a separate process, spread over the registered devices; reads/s, p50/p99 and the
 * shallow-read cache hit rate (`lwtwin_twin_cache_total`). One server; each timed window is one run.
 */
import { figure, type BenchContext, type ScenarioResult } from '../bench-types.ts';
import { siblingModule } from '../../runtime-entry.ts';
import { forkRpc } from '../child-rpc.ts';
import type { LoadReport } from '../load/http-load.ts';
import { cpuMeter } from '../proc-stat.ts';
import { hasMetric, metricSum, scrapeMetrics, type PromSample } from '../prom-text.ts';
import { redisMeter } from '../redis-prefix.ts';
import { withServer } from '../server-session.ts';
import { decodeHistogram, median, percentileMs } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { OBSERVE_OBJECT_3, startObservedFleet } from './observed-fleet.ts';

export const HTTP_LOAD_WORKER = siblingModule(import.meta.url, '../load/http-load-worker.ts');

interface ShallowRun {
  readsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cacheHitPercent: number;
  serverCpuPercent: number;
  redisCpuPercent: number;
  redisCommandsPerOp: number;
  firstErrors: string[];
}

const cache = (m: PromSample[], result: string) => metricSum(m, 'lwtwin_twin_cache_total', { result });

export async function shallowReadScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const s = ctx.sizes.shallowRead;
  const notes: string[] = [];
  let cacheMetric = true;
  const runs = await withServer(ctx, 'shallow', OBSERVE_OBJECT_3, async (session) => {
    const fleet = await startObservedFleet(ctx, session, s.devices, notes);
    const load = forkRpc(HTTP_LOAD_WORKER);
    try {
      const out: ShallowRun[] = [];
      for (let run = 0; run < ctx.runs; run++) {
        const m0 = await scrapeMetrics(session.server.httpUrl);
        const cpu = cpuMeter(session.server.pid);
        const redisUse = await redisMeter(ctx.redisUrl);
        const r = await load.call<LoadReport>('shallowReads', {
          httpUrl: session.server.httpUrl,
          token: session.server.token,
          devicePrefix: 'vd-',
          devices: s.devices,
          property: 'device.batteryLevel',
          connections: s.connections,
          pipelining: s.pipelining,
          concurrency: s.concurrency,
          durationMs: s.durationSec * 1000,
        });
        const serverCpuPercent = cpu.stop().corePercent;
        const redisUse1 = await redisUse.stop();
        const m1 = await scrapeMetrics(session.server.httpUrl);
        cacheMetric = hasMetric(m1, 'lwtwin_twin_cache_total');
        const hits = cache(m1, 'hit') - cache(m0, 'hit');
        const lookups = hits + cache(m1, 'miss') - cache(m0, 'miss');
        const h = decodeHistogram(r.histogram);
        const row: ShallowRun = {
          readsPerSec: r.ok / r.seconds,
          p50Ms: percentileMs(h, 50),
          p99Ms: percentileMs(h, 99),
          errors: r.errors,
          cacheHitPercent: lookups > 0 ? (hits / lookups) * 100 : NaN,
          serverCpuPercent,
          redisCpuPercent: redisUse1.corePercent,
          redisCommandsPerOp: r.ok > 0 ? redisUse1.commands / r.ok : NaN,
          firstErrors: r.firstErrors,
        };
        ctx.log(`  shallow-read run ${run + 1}/${ctx.runs}: ${Math.round(row.readsPerSec)}/s, p50 ${row.p50Ms.toFixed(2)} ms, p99 ${row.p99Ms.toFixed(2)} ms, cache hits ${row.cacheHitPercent.toFixed(1)} %, ${row.errors} errors`);
        out.push(row);
      }
      return out;
    } finally {
      await load.close();
      await fleet.close();
    }
  });
  const col = (k: keyof Omit<ShallowRun, 'firstErrors'>) => runs.map((r) => r[k]);
  const inFlight = `${s.concurrency} in flight`;
  const figures = [
    figure('shallow-read', `shallow reads/s (${inFlight})`, '/s', col('readsPerSec'), median(col('readsPerSec')), TARGETS.shallowReadsPerSec),
    figure('shallow-read', `shallow read p99 (${inFlight})`, 'ms', col('p99Ms'), median(col('p99Ms')), TARGETS.shallowReadP99Ms),
    figure('shallow-read', `shallow read p50 (${inFlight})`, 'ms', col('p50Ms'), median(col('p50Ms'))),
    figure('shallow-read', 'shallow-read cache hit rate', '%', col('cacheHitPercent'), median(col('cacheHitPercent'))),
    figure('shallow-read', 'server CPU during shallow reads', '% core', col('serverCpuPercent'), median(col('serverCpuPercent'))),
    figure('shallow-read', 'Redis CPU during shallow reads', '% core', col('redisCpuPercent'), median(col('redisCpuPercent'))),
    figure('shallow-read', 'Redis commands per shallow read (0 = served from the cache)', '', col('redisCommandsPerOp'), median(col('redisCommandsPerOp'))),
  ];
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  if (errors > 0) notes.push(`${errors} reads failed: ${runs.flatMap((r) => r.firstErrors).slice(0, 3).join('; ')}`);
  if (!cacheMetric) notes.push('the server exposes no lwtwin_twin_cache_total metric: no cache hit rate');
  notes.push(`${s.devices} devices, ${s.connections} connections × pipelining ${s.pipelining}, load generator in its own process.`);
  return { name: 'shallow-read', figures, details: { runs }, notes, seconds: (performance.now() - t0) / 1000 };
}
