/**
 * Reads the server's Prometheus text exposition (`GET /metrics`) into samples, and sums a metric over the samples
 * whose labels match.
 */
import { request } from 'undici';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses exposition text; comment and malformed lines are skipped. */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2];
    const value = Number(m[3]);
    if (!Number.isNaN(value) || m[3] === 'NaN') out.push({ name: m[1], labels, value });
  }
  return out;
}

/** Sum of `name` over samples whose labels include `labels`; 0 when none matches. */
export function metricSum(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** Sums of `name` per value of its label `label` (samples without the label are skipped); values of 0 are left out. */
export function metricByLabel(samples: readonly PromSample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = s.labels[label];
    if (s.name === name && key !== undefined && s.value !== 0) out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** True when the exposition has any sample of `name`. */
export function hasMetric(samples: readonly PromSample[], name: string): boolean {
  return samples.some((s) => s.name === name);
}

/** Fetches and parses `<httpUrl>/metrics`. */
export async function scrapeMetrics(httpUrl: string): Promise<PromSample[]> {
  const res = await request(`${httpUrl}/metrics`);
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET /metrics answered ${res.statusCode}`);
  return parsePromText(text);
}
