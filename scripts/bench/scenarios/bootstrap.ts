/**
 * Scenario `bootstrap` (OMA LwM2M TS Core 1.1 §6.1): N simulated devices that know only the bootstrap server
 * (LwM2M 1.1, SenML CBOR) send a Bootstrap-Request, go through the whole session (Discover, Read, Delete, two Writes,
 * Finish) and then register with the DM server they were given. Devices run in a simulator worker process; the server
 * in its own. Reported: bootstrap sessions/s (from the first accepted Bootstrap-Request until the server counted N
 * finished sessions, both from `lwtwin_bootstrap_total`, polled every 20 ms) and the time from the first request
 * until every device is registered. Median of `runs`.
 *
 * The coaps variant is secure onboarding end to end: every device first gets a bootstrap PSK through the API
 * (`PUT /api/devices/{ep}/security?server=bootstrap`, not timed), bootstraps over DTLS on `--bootstrap-coaps-port`, is
 * given a generated DM PSK and a `coaps://` DM server, and registers over a second DTLS session: two PSK handshakes
 * and two stored keys per device. Devices are spread over loopback addresses, 8 per address, as the coaps ports admit 8
 * handshakes at once per source address.
 */
import { randomBytes } from 'node:crypto';
import { figure, type BenchContext, type ScenarioResult } from '../bench-types.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { withServer } from '../server-session.ts';
import { median, sleep } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { startSimulatorProcesses } from '../../simulator/processes.ts';
import { simulatorPsk } from '../../simulator/simulator-psk.ts';

type Transport = 'coap' | 'coaps';

interface BootstrapRun {
  devices: number;
  finished: number;
  sessionsPerSec: number;
  registeredSec: number;
  failed: number;
}

async function put(server: { httpUrl: string; token: string }, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.httpUrl}${path}`, { method: 'PUT', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
}

/** The bootstrap PSK of every device (16 requests in flight); returns the run secret the devices derive them from. */
async function provisionBootstrapPsks(server: { httpUrl: string; token: string }, prefix: string, devices: number): Promise<string> {
  const secret = randomBytes(32).toString('hex');
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < devices) {
      const ep = `${prefix}${next++}`;
      const { identity, key } = simulatorPsk(secret, ep);
      await put(server, `/api/devices/${ep}/security?server=bootstrap`, { mode: 'psk', identity, key: key.toString('hex') });
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  return secret;
}

async function bootstrapRound(ctx: BenchContext, run: number, transport: Transport): Promise<BootstrapRun> {
  const { devices, concurrency } = ctx.sizes.bootstrap;
  const secure = transport === 'coaps';
  const args = ['--bootstrap-port', '0', '--observe-objects', '3', ...(secure ? ['--bootstrap-coaps-port', '0'] : [])];
  return withServer(ctx, `bootstrap-${transport}-${run}`, args, async ({ server }) => {
    const bootstrapPort = secure ? server.bootstrapCoapsPort : server.bootstrapPort;
    if (bootstrapPort === undefined) throw new Error(`the server did not report a bootstrap ${transport} port`);
    const dm = secure ? `coaps://127.0.0.1:${server.coapsPort}` : `coap://127.0.0.1:${server.coapPort}`;
    await put(server, '/api/bootstrap', { server: { uri: dm, lifetime: 3600 }, security: secure ? { mode: 'psk', generate: true } : { mode: 'nosec' } });
    const prefix = `bs${transport}${run}-`;
    const bootstrapPskSecret = secure ? await provisionBootstrapPsks(server, prefix, devices) : undefined;
    const sim = startSimulatorProcesses({
      count: devices,
      server: { address: '127.0.0.1', port: server.coapPort },
      bootstrap: { address: '127.0.0.1', port: bootstrapPort },
      ...(bootstrapPskSecret !== undefined ? { bootstrapPskSecret, devicesPerAddress: 8 } : {}),
      prefix,
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
      ctx.log(`[bench] bootstrap ${transport} run ${run + 1}: ${finished}/${devices} sessions finished, ${stats.registered} registered, ${stats.failed} failed`);
      return { devices, finished, sessionsPerSec: devices / ((finishedAt - t0) / 1000), registeredSec, failed: stats.failed };
    } finally {
      await sim.stop();
    }
  });
}

export async function bootstrapScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs: Record<Transport, BootstrapRun[]> = { coap: [], coaps: [] };
  for (const transport of ['coap', 'coaps'] as const) {
    for (let r = 0; r < ctx.runs; r++) runs[transport].push(await bootstrapRound(ctx, r, transport));
  }
  const size = `${ctx.sizes.bootstrap.devices.toLocaleString('en-US')} devices`;
  const col = (t: Transport, k: 'sessionsPerSec' | 'registeredSec') => runs[t].map((r) => r[k]);
  const notes: string[] = [];
  for (const t of ['coap', 'coaps'] as const) {
    const incomplete = runs[t].filter((r) => r.finished < r.devices || r.failed > 0);
    if (incomplete.length > 0) notes.push(`${t}: ${incomplete.length} run(s) incomplete: ${incomplete.map((r) => `${r.finished}/${r.devices} finished, ${r.failed} failed`).join('; ')}`);
  }
  return {
    name: 'bootstrap',
    figures: [
      figure('bootstrap', `bootstrap sessions/s (${size})`, '/s', col('coap', 'sessionsPerSec'), median(col('coap', 'sessionsPerSec')), TARGETS.bootstrapSessionsPerSec),
      figure('bootstrap', `all bootstrapped and registered after (${size})`, 's', col('coap', 'registeredSec'), median(col('coap', 'registeredSec'))),
      figure('bootstrap', `bootstrap sessions/s over DTLS, bootstrap PSK (${size})`, '/s', col('coaps', 'sessionsPerSec'), median(col('coaps', 'sessionsPerSec'))),
      figure('bootstrap', `bootstrapped over DTLS and registered over coaps after (${size})`, 's', col('coaps', 'registeredSec'), median(col('coaps', 'registeredSec'))),
    ],
    details: runs,
    notes,
    seconds: (performance.now() - t0) / 1000,
  };
}
