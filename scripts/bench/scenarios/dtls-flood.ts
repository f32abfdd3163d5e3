/**
 * The ClientHello flood of the `dtls` scenario (RFC 6347 §4.2.1 cookie exchange; the half-open caps of
 * protocol/dtls/dtls-socket.ts): the coaps fleet notifies at `floodNotifyRate`/s with its probe sampling notify →
 * twin, first `runs` steps without a flood, then `runs` steps each while the load worker floods from `floodSources`
 * loopback addresses (hello-flood.ts). During each flood step the server's half-open handshakes
 * (`lwtwin_dtls_sessions{state="handshaking"}`) and RSS are polled; handshakes refused at the caps come from
 * `lwtwin_dtls_events_total{event="handshake_refused"}`.
 */
import type { BenchContext } from '../bench-types.ts';
import type { HelloFloodReport } from '../dtls/hello-flood.ts';
import { processRssBytes } from '../proc-stat.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { sleep } from '../stats.ts';
import { stepContext, type DtlsRig } from './dtls-rig.ts';
import { runStep, type NotifyStepResult } from './notify.ts';

/** Loopback socket number of the flood's first source (127.3.x.y onwards, see `loopbackAddress`). */
const FLOOD_SOCKET = 130_000;

export interface FloodRun {
  before: NotifyStepResult;
  during: NotifyStepResult;
  flood: HelloFloodReport;
  maxHandshaking: number;
  refused: number;
  rssGrowthBytes: number;
}

/** Polls the server every 200 ms until stopped: the most half-open handshakes and the highest RSS seen. */
function watchServer(httpUrl: string, pid: number) {
  let stopped = false;
  let maxHandshaking = 0;
  let maxRss = processRssBytes(pid);
  const loop = (async () => {
    while (!stopped) {
      const m = await scrapeMetrics(httpUrl).catch(() => []);
      maxHandshaking = Math.max(maxHandshaking, metricSum(m, 'lwtwin_dtls_sessions', { state: 'handshaking' }));
      maxRss = Math.max(maxRss, processRssBytes(pid));
      await sleep(200);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { maxHandshaking, maxRss };
    },
  };
}

const refusedCount = async (httpUrl: string): Promise<number> => metricSum(await scrapeMetrics(httpUrl), 'lwtwin_dtls_events_total', { event: 'handshake_refused' });

export async function floodRuns(ctx: BenchContext, rig: DtlsRig, firstSeed: number): Promise<FloodRun[]> {
  const sz = ctx.sizes.dtls;
  const { server } = rig.session;
  const base = stepContext(ctx);
  const stepCtx: BenchContext = { ...base, sizes: { ...base.sizes, notify: { ...base.sizes.notify, stepSec: sz.floodSec } } };
  const step = (seed: number) => runStep(stepCtx, server.httpUrl, server.pid, rig.dtlsFleet, rig.dtlsProbe, rig.store, sz.floodNotifyRate, seed);
  let seed = firstSeed;
  const befores: NotifyStepResult[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    const { lastValue, ...before } = await step(seed);
    seed = lastValue + 1;
    befores.push(before);
  }
  const out: FloodRun[] = [];
  for (let r = 0; r < ctx.runs; r++) {
    const refused0 = await refusedCount(server.httpUrl);
    const rss0 = processRssBytes(server.pid);
    const watch = watchServer(server.httpUrl, server.pid);
    const flooding = rig.worker.call<HelloFloodReport>('flood', {
      server: { address: '127.0.0.1', port: server.coapsPort },
      sources: sz.floodSources,
      firstSocket: FLOOD_SOCKET,
      concurrency: sz.floodConcurrency,
      durationMs: sz.floodSec * 1000 + 1000,
      echoCookie: true,
    });
    await sleep(500);
    const { lastValue, ...during } = await step(seed);
    seed = lastValue + 1;
    const flood = await flooding;
    const seen = await watch.stop();
    const refused = (await refusedCount(server.httpUrl)) - refused0;
    const run: FloodRun = { before: befores[r], during, flood, maxHandshaking: seen.maxHandshaking, refused, rssGrowthBytes: seen.maxRss - rss0 };
    ctx.log(
      `  dtls flood ${r + 1}/${ctx.runs}: ${flood.hellos} ClientHellos from ${flood.sourcesUsed} sources in ${flood.seconds.toFixed(1)} s, ${flood.serverHellos} handshakes opened, ${refused} refused, ` +
        `half-open ≤ ${seen.maxHandshaking}, RSS +${(run.rssGrowthBytes / 1e6).toFixed(1)} MB; coaps notify p99 ${run.before.p99Ms.toFixed(1)} → ${during.p99Ms.toFixed(1)} ms, ` +
        `lost ${run.before.droppedPercent.toFixed(1)} → ${during.droppedPercent.toFixed(1)} %`,
    );
    out.push(run);
  }
  return out;
}
