/**
 * Micro-benchmark of the twin query evaluator (server/query): compiles a few WHERE clauses once, then times
 * `matches` over 100,000 generated in-memory twins (Azure IoT Hub query language doc; twin shape in docs/twin-model.md). Target: well under 100 ms
 * per pass. Run: `npx tsx scripts/bench/query-eval.ts [twinCount]`.
 */
import { pathToFileURL } from 'node:url';
import { compileQuery } from '../../server/query/evaluate.ts';

const PLANTS = ['Redmond43', 'Paris12', 'Austin7', 'Osaka3', 'Lagos9'];
const STATES = ['connected', 'disconnected'];
const BEARERS = [0, 1, 2, 3, 6, 7];

const QUERIES = [
  "SELECT * FROM devices WHERE tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6",
  'SELECT * FROM devices WHERE properties.reported.device.batteryLevel < 20 OR NOT IS_DEFINED(properties.reported.device.batteryLevel)',
  "SELECT * FROM devices WHERE connectionState IN ['connected'] AND STARTSWITH(deviceId, 'dev-1') AND properties.reported.temperature['0'].sensorValue >= 25.5",
  "SELECT deviceId, properties.reported.device.batteryLevel AS battery FROM devices WHERE LOWER(tags.location.region) != 'eu' AND version % 2 = 0",
];

/** Deterministic pseudo-random twins (mulberry32). */
export function generateTwins(count: number, seed = 42): object[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const twins: object[] = [];
  for (let i = 0; i < count; i++) {
    const reported: Record<string, unknown> = {
      connectivityMonitoring: { networkBearer: pick(BEARERS) },
      temperature: { '0': { sensorValue: Math.round(rnd() * 400) / 10 } },
      $version: 1 + Math.floor(rnd() * 50),
    };
    if (rnd() < 0.9) reported.device = { batteryLevel: Math.floor(rnd() * 101), timezone: 'Europe/Paris' };
    twins.push({
      deviceId: `dev-${i}`,
      etag: `W/"${i}"`,
      version: 1 + Math.floor(rnd() * 100),
      status: rnd() < 0.95 ? 'enabled' : 'disabled',
      connectionState: pick(STATES),
      lastActivityTime: new Date(Date.UTC(2026, 10, 25) - Math.floor(rnd() * 86_400_000)).toISOString(),
      tags: { location: { plant: pick(PLANTS), region: pick(['US', 'eu', 'EU', 'apac']) } },
      properties: { desired: { device: { timezone: 'Europe/Paris' }, $version: 3 }, reported },
    });
  }
  return twins;
}

export interface QueryEvalResult {
  readonly query: string;
  readonly matched: number;
  /** Median wall time over the timed passes, in milliseconds. */
  readonly medianMs: number;
  /** Median CPU time (user + system) of this process per pass, in milliseconds: steadier on a busy machine. */
  readonly medianCpuMs: number;
}

/** Times one `matches` pass per query over `count` twins (median of `passes` after two warm-up passes). */
export function runQueryEvalBench(count = 100_000, passes = 9): QueryEvalResult[] {
  const twins = generateTwins(count);
  const results: QueryEvalResult[] = [];
  for (const text of QUERIES) {
    const query = compileQuery(text);
    let matched = 0;
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let pass = -2; pass < passes; pass++) {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      matched = 0;
      for (const twin of twins) if (query.matches(twin)) matched++;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = process.cpuUsage(cpu0);
      if (pass >= 0) {
        times.push(ms);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
      }
    }
    results.push({ query: text, matched, medianMs: median(times), medianCpuMs: median(cpuTimes) });
  }
  return results;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const count = Number(process.argv[2] ?? 100_000);
  for (const r of runQueryEvalBench(count)) {
    console.log(`${r.medianMs.toFixed(2).padStart(8)} ms wall ${r.medianCpuMs.toFixed(2).padStart(8)} ms cpu  ${String(r.matched).padStart(6)} of ${count} matched  ${r.query}`);
  }
}
