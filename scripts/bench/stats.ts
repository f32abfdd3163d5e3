/**
 * Latency histograms (hdr-histogram-js, values in microseconds) and the median-of-runs rule of the benchmark
 * harness. Histograms cross process boundaries as compressed base64 (`encodeHistogram` / `decodeHistogram`).
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** One hour in microseconds: the largest latency a histogram tracks. */
const HIGHEST_US = 3_600_000_000;

/** A histogram of latencies in microseconds, 3 significant digits. */
export function latencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** Records a latency given in milliseconds (clamped to 1 µs .. 1 h). */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(text: string): Histogram {
  return decodeFromCompressedBase64(text);
}

/** Sums several encoded histograms into one. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const sum = latencyHistogram();
  for (const e of encoded) sum.add(decodeHistogram(e));
  return sum;
}

/** The latency at percentile `p` in milliseconds; NaN for an empty histogram. */
export function percentileMs(h: Histogram, p: number): number {
  return h.totalCount === 0 ? NaN : h.getValueAtPercentile(p) / 1000;
}

/** Median of the finite values (mean of the two middle ones for an even count); NaN when none is finite. */
export function median(values: readonly number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** For each numeric field of the run records, the median over runs (non-numeric fields are taken from the first run). */
export function medianRecord<T extends Record<string, unknown>>(runs: readonly T[]): T {
  if (runs.length === 0) throw new RangeError('medianRecord: no runs');
  const out: Record<string, unknown> = { ...runs[0] };
  for (const key of Object.keys(runs[0])) {
    if (typeof runs[0][key] === 'number') out[key] = median(runs.map((r) => r[key] as number));
  }
  return out as T;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
