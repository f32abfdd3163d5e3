/**
 * The benchmark harness behind `npm run bench` (scripts/bootstrap.mjs ensures dependencies and a Redis, then runs
 * this file with tsx and the extra arguments). Each scenario starts its own lwtwin server process on 127.0.0.1 (load
 * generators always run in other processes), writes only under a fresh `bench:<run>:...` Redis prefix that is deleted
 * afterwards, repeats every measured figure `--runs` times and reports the median next to the product target: a
 * table on stdout and a JSON record under bench/results/.
 *
 *   npm run bench [-- [scenario ...] [--quick | --large] [--runs N] [--out DIR] [--cpu-prof DIR]]
 *
 * Scenarios: registration, memory, notify, shallow-read, deep-read, query, bootstrap, dtls, scale, peer (default: all).
 * `--quick`: tiny sizes, one run, seconds (the smoke test). `--large`: 100,000 devices where it applies.
 * `--cpu-prof DIR`: every server process runs under `node --cpu-prof` (summarise with cpuprofile-summary.ts).
 * Redis: LWTWIN_REDIS_URL, default redis://127.0.0.1:6379.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { environment } from '../../server/config.ts';
import { sizesFor, type BenchContext, type BenchMode, type ScenarioResult } from './bench-types.ts';
import { describeMachine } from './machine.ts';
import { deleteByPrefix, runPrefix } from './redis-prefix.ts';
import { formatTable, writeReport, type BenchReport } from './report.ts';
import { bootstrapScenario } from './scenarios/bootstrap.ts';
import { deepReadScenario } from './scenarios/deep-read.ts';
import { dtlsScenario } from './scenarios/dtls.ts';
import { memoryScenario } from './scenarios/memory.ts';
import { notifyScenario } from './scenarios/notify.ts';
import { peerScenario } from './scenarios/peer.ts';
import { queryScenario } from './scenarios/query.ts';
import { registrationScenario } from './scenarios/registration.ts';
import { scaleScenario } from './scenarios/scale.ts';
import { shallowReadScenario } from './scenarios/shallow-read.ts';

/** Every scenario, in the order a full run executes them. */
export const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<ScenarioResult>> = {
  registration: registrationScenario,
  memory: memoryScenario,
  notify: notifyScenario,
  'shallow-read': shallowReadScenario,
  'deep-read': deepReadScenario,
  query: queryScenario,
  bootstrap: bootstrapScenario,
  dtls: dtlsScenario,
  scale: scaleScenario,
  peer: peerScenario,
};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunBenchOptions {
  redisUrl: string;
  mode: BenchMode;
  /** Scenario names; default all. */
  scenarios?: readonly string[];
  /** @defaultValue 1 for quick, else 3 */
  runs?: number;
  /** Where the JSON record goes. @defaultValue bench/results */
  outDir?: string;
  cpuProfDir?: string;
  /** The command line recorded in the report. */
  command?: string;
  /** Progress lines. @defaultValue stderr */
  log?: (message: string) => void;
}

/** Runs the selected scenarios one after another; a failing scenario is recorded and the others still run. */
export async function runBench(opts: RunBenchOptions): Promise<{ report: BenchReport; file: string }> {
  const names = opts.scenarios && opts.scenarios.length > 0 ? opts.scenarios : Object.keys(SCENARIOS);
  for (const n of names) if (!SCENARIOS[n]) throw new RangeError(`unknown scenario ${JSON.stringify(n)}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const runs = opts.runs ?? (opts.mode === 'quick' ? 1 : 3);
  const ctx: BenchContext = { redisUrl: opts.redisUrl, mode: opts.mode, runs, sizes: sizesFor(opts.mode), shared: new Map(), log, ...(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {}) };
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = await describeMachine(opts.redisUrl);
  const scenarios: ScenarioResult[] = [];
  try {
    for (const name of names) {
      log(`[bench] ${name} ...`);
      const s0 = performance.now();
      try {
        scenarios.push(await SCENARIOS[name](ctx));
      } catch (err) {
        const e = err as Error;
        log(`[bench] ${name} failed: ${e.stack ?? e.message}`);
        scenarios.push({ name, figures: [], details: null, notes: [], seconds: (performance.now() - s0) / 1000, error: e.message ?? String(err) });
      }
      log(`[bench] ${name} done in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await deleteByPrefix(opts.redisUrl, runPrefix()).catch(() => undefined);
  }
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    command: opts.command ?? 'npm run bench',
    mode: opts.mode,
    runs,
    machine,
    scenarios,
    seconds: (performance.now() - t0) / 1000,
  };
  const file = writeReport(report, opts.outDir ?? path.join(ROOT, 'bench', 'results'));
  return { report, file };
}

const USAGE = `usage: npm run bench -- [scenario ...] [--quick | --large] [--runs N] [--out DIR] [--cpu-prof DIR]
scenarios: ${Object.keys(SCENARIOS).join(', ')} (default: all)`;

async function cli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      large: { type: 'boolean' },
      runs: { type: 'string' },
      out: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.quick && values.large) throw new RangeError('--quick and --large exclude each other');
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1 && runs <= 20)) throw new RangeError(`--runs: expected an integer in 1..20, got ${values.runs}`);
  const redisUrl = environment().LWTWIN_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { report, file } = await runBench({
    redisUrl,
    mode: values.quick ? 'quick' : values.large ? 'large' : 'default',
    scenarios: positionals,
    ...(runs !== undefined ? { runs } : {}),
    ...(values.out ? { outDir: path.resolve(values.out) } : {}),
    ...(values['cpu-prof'] ? { cpuProfDir: path.resolve(values['cpu-prof']) } : {}),
    command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
  });
  process.stdout.write(`\n${formatTable(report)}\n\nJSON: ${path.relative(process.cwd(), file)}\n`);
  return report.scenarios.some((s) => s.error !== undefined) ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    },
  );
}
