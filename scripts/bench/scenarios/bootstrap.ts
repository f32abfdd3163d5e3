/**
 * Scenario `bootstrap` (OMA LwM2M TS Core 1.1 §6.1): N simulated devices that know only the bootstrap server
 * (LwM2M 1.1, SenML CBOR) send a Bootstrap-Request, go through the whole session (Discover, Read, Delete, two Writes,
 * Finish) and then register with the DM server they were given. Devices run in a simulator worker process; the server
 * in its own. Reported: bootstrap sessions/s (from the first accepted Bootstrap-Request until the server counted N
 * finished sessions, both from `lwtwin_bootstrap_total`, polled every 20 ms) and the time from the first request
 * until every device is registered. Median of `runs`.
 */
import { figure, type BenchContext, type ScenarioResult } from '../bench-types.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { withServer } from '../server-session.ts';
import { median, sleep } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { startSimulatorProcesses } from '../../simulator/processes.ts';

interface BootstrapRun {
  devices: number;
  finished: number;
  sessionsPerSec: number;
  registeredSec: number;
  failed: number;
}

async function bootstrapRound(ctx: BenchContext, run: number): Promise<BootstrapRun> {
  const { devices, concurrency } = ctx.sizes.bootstrap;
  return withServer(ctx, `bootstrap-${run}`, ['--bootstrap-port', '0', '--observe-objects', '3'], async ({ server }) => {
    if (server.bootstrapPort === undefined) throw new Error('the server did not report a bootstrap port');
    const res = await fetch(`${server.httpUrl}/api/bootstrap`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ server: { uri: `coap://127.0.0.1:${server.coapPort}`, lifetime: 3600 }, security: { mode: 'nosec' } }),
    });
    if (!res.ok) throw new Error(`PUT /api/bootstrap: ${res.status} ${await res.text()}`);
    const sim = startSimulatorProcesses({
      count: devices,
      server: { address: '127.0.0.1', port: server.coapPort },
      bootstrap: { address: '127.0.0.1', port: server.bootstrapPort },
      prefix: `bs${run}-`,
      seed: 7 + run,
      tickMs: 3_600_000,
      lifetime: 3600,
      concurrency,
      workers: 1,
      requestTimeoutMs: 10_000,
    });
    let finished = 0;
    let t0 = NaN;
    let finishedAt = NaN;
    const deadline = Date.now() + 300_000;
    try {
      while (Date.now() < deadline) {
        const samples = await scrapeMetrics(server.httpUrl);
        if (Number.isNaN(t0) && metricSum(samples, 'lwtwin_bootstrap_total', { outcome: 'accepted' }) > 0) t0 = performance.now();
        finished = metricSum(samples, 'lwtwin_bootstrap_total', { outcome: 'finished' });
        if (finished >= devices) {
          finishedAt = performance.now();
          break;
        }
        await sleep(20);
      }
      await sim.ready;
      const registeredSec = (performance.now() - t0) / 1000;
      const stats = sim.stats();
      ctx.log(`[bench] bootstrap run ${run + 1}: ${finished}/${devices} sessions finished, ${stats.registered} registered, ${stats.failed} failed`);
      return { devices, finished, sessionsPerSec: devices / ((finishedAt - t0) / 1000), registeredSec, failed: stats.failed };
    } finally {
      await sim.stop();
    }
  });
}

export async function bootstrapScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs: BootstrapRun[] = [];
  for (let r = 0; r < ctx.runs; r++) runs.push(await bootstrapRound(ctx, r));
  const size = `${ctx.sizes.bootstrap.devices.toLocaleString('en-US')} devices`;
  const col = (k: 'sessionsPerSec' | 'registeredSec') => runs.map((r) => r[k]);
  const notes: string[] = [];
  const incomplete = runs.filter((r) => r.finished < r.devices || r.failed > 0);
  if (incomplete.length > 0) notes.push(`${incomplete.length} run(s) incomplete: ${incomplete.map((r) => `${r.finished}/${r.devices} finished, ${r.failed} failed`).join('; ')}`);
  return {
    name: 'bootstrap',
    figures: [
      figure('bootstrap', `bootstrap sessions/s (${size})`, '/s', col('sessionsPerSec'), median(col('sessionsPerSec')), TARGETS.bootstrapSessionsPerSec),
      figure('bootstrap', `all bootstrapped and registered after (${size})`, 's', col('registeredSec'), median(col('registeredSec'))),
    ],
    details: runs,
    notes,
    seconds: (performance.now() - t0) / 1000,
  };
}
