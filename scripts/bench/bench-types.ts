/**
 * Shared types of the benchmark harness: the run context handed to every scenario, the figures a scenario reports
 * (each the median over runs, next to its product target), and the sizes of each mode.
 */

export type BenchMode = 'quick' | 'default' | 'large';

export interface BenchContext {
  redisUrl: string;
  mode: BenchMode;
  /** Runs per measured figure (the median is reported). */
  runs: number;
  sizes: BenchSizes;
  /** When set, every server process runs under `node --cpu-prof` writing here. */
  cpuProfDir?: string;
  /** Results scenarios share within one invocation (e.g. registration rounds reused by `memory`). */
  shared: Map<string, unknown>;
  log(message: string): void;
}

/** A product target: the figure must be `>=` or `<=` the value. */
export interface Target {
  op: '>=' | '<=';
  value: number;
  /** As printed, e.g. `≥ 20,000/s`. */
  text: string;
}

export interface Figure {
  scenario: string;
  /** What was measured, with the size, e.g. `registrations/s (10,000 devices)`. */
  label: string;
  unit: string;
  /** Median over runs (NaN when no run produced a value). */
  value: number;
  /** The value of each run. */
  runs: number[];
  target?: Target;
  /** Whether the median meets the target; undefined without a target. */
  met?: boolean;
}

export interface ScenarioResult {
  name: string;
  figures: Figure[];
  /** Per-run details for the JSON file. */
  details: unknown;
  notes: string[];
  seconds: number;
  error?: string;
}

export interface BenchSizes {
  registration: { devices: number[]; concurrency: number; observeWaitSec: number };
  memory: { devices: number[] };
  notify: { devices: number; rates: number[]; stepSec: number; probeEveryMs: number };
  shallowRead: { devices: number; connections: number; pipelining: number; concurrency: number; durationSec: number };
  /** `concurrency` jobs in flight for a fleet; a single device gets one at a time (its jobs run serially anyway). */
  deepRead: { fleets: number[]; concurrency: number; durationSec: number };
  query: { twins: number[]; passes: number };
  /** Devices that bootstrap then register, with `concurrency` sessions in flight. */
  bootstrap: { devices: number; concurrency: number };
  /**
   * `devices` per fleet (plain and coaps) for the notify ratio at `ratioRate`/s; full handshakes for `handshakeSec`
   * with `handshakeConcurrency` in flight; `idleSessions` held open for the memory figure; a ClientHello flood from
   * `floodSources` addresses for `floodSec` while the coaps fleet notifies at `floodNotifyRate`/s.
   */
  /** `devices` split over the nodes, notifying at `rate`/s in total for `stepSec`; `failoverDevices` behind nginx for the kill -9 takeover (issue 14). */
  scale: { devices: number; rate: number; stepSec: number; failoverDevices: number };
  dtls: { devices: number; ratioRate: number; stepSec: number; probeEveryMs: number; handshakeSec: number; handshakeConcurrency: number; idleSessions: number; floodSources: number; floodSec: number; floodConcurrency: number; floodNotifyRate: number };
  /**
   * Side by side with lwm2m-node-lib: `devices` Register with `concurrency` in flight against each server, then
   * reads with `readConcurrency` in flight for `readSec` each; at most `maxRuns` rounds (the default run's time
   * budget allows one).
   */
  peer: { devices: number; concurrency: number; readConcurrency: number; readSec: number; maxRuns: number };
}

/** Sizes per mode: `quick` finishes every scenario in seconds, `default` the whole run within ~10 minutes on 2 cores. */
export function sizesFor(mode: BenchMode): BenchSizes {
  if (mode === 'quick') {
    return {
      registration: { devices: [40], concurrency: 20, observeWaitSec: 20 },
      memory: { devices: [40] },
      notify: { devices: 20, rates: [200, 1000], stepSec: 1, probeEveryMs: 100 },
      shallowRead: { devices: 10, connections: 2, pipelining: 2, concurrency: 4, durationSec: 1 },
      deepRead: { fleets: [1, 10], concurrency: 4, durationSec: 1 },
      query: { twins: [50, 200], passes: 1 },
      bootstrap: { devices: 20, concurrency: 10 },
      scale: { devices: 20, rate: 500, stepSec: 1, failoverDevices: 6 },
      dtls: { devices: 20, ratioRate: 200, stepSec: 1, probeEveryMs: 100, handshakeSec: 1, handshakeConcurrency: 4, idleSessions: 20, floodSources: 200, floodSec: 1, floodConcurrency: 50, floodNotifyRate: 100 },
      peer: { devices: 40, concurrency: 20, readConcurrency: 4, readSec: 1, maxRuns: 1 },
    };
  }
  const large = mode === 'large';
  return {
    // --large: Register throughput at 10k and the storm at 100k; the 10k rounds are shared with `memory`.
    registration: { devices: large ? [10_000, 100_000] : [10_000], concurrency: 512, observeWaitSec: large ? 600 : 150 },
    memory: { devices: large ? [10_000, 100_000] : [10_000] },
    notify: { devices: large ? 100_000 : 10_000, rates: [5_000, 20_000, 50_000, 100_000], stepSec: 8, probeEveryMs: 50 },
    shallowRead: { devices: 1_000, connections: 8, pipelining: 8, concurrency: 64, durationSec: 10 },
    deepRead: { fleets: [1, 10_000], concurrency: 128, durationSec: 5 },
    query: { twins: [10_000, 100_000], passes: 3 },
    bootstrap: { devices: large ? 10_000 : 2_000, concurrency: 256 },
    scale: { devices: large ? 20_000 : 5_000, rate: 60_000, stepSec: 6, failoverDevices: large ? 1_000 : 200 },
    // 10,000 devices in --large too: lwm2m-node-lib's registry scans every device on each Register (O(n²) in all).
    peer: { devices: 10_000, concurrency: 512, readConcurrency: 64, readSec: 3, maxRuns: large ? 3 : 1 },
    dtls: { devices: large ? 10_000 : 2_000, ratioRate: 10_000, stepSec: 4, probeEveryMs: 50, handshakeSec: 4, handshakeConcurrency: 32, idleSessions: large ? 10_000 : 1_000, floodSources: 10_000, floodSec: 5, floodConcurrency: 1_000, floodNotifyRate: 2_000 },
  };
}

/** Compares a median against its target. */
export function figure(scenario: string, label: string, unit: string, runs: number[], value: number, target?: Target): Figure {
  return { scenario, label, unit, value, runs, ...(target ? { target, met: Number.isFinite(value) && (target.op === '>=' ? value >= target.value : value <= target.value) } : {}) };
}
