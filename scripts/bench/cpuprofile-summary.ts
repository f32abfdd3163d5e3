/**
 * Summarises a V8 CPU profile (`node --cpu-prof` writes `.cpuprofile` JSON): self time aggregated by function and
 * script, and by script alone, largest first. Used for the profiling notes of BENCHMARKS.md.
 * Run: `npx tsx scripts/bench/cpuprofile-summary.ts <file.cpuprofile> [top=25] [--callers <functionName> [--depth 4] [--app]]`
 * [--window FROM:TO]`
 * (`--callers`: where that function's self time comes from, by caller chain; `--app`: only frames of this repository;
 * `--window`: only the samples between FROM and TO seconds after the profile's start, negative counting back from its
 * end, e.g. `--window -60:` for the last minute: a bench step rather than the set-up before it).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTimeRow {
  name: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  byFunction: SelfTimeRow[];
  byScript: SelfTimeRow[];
}

/** Shortens a script URL to a path inside the repository or node_modules package. */
function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const m = /\/work\/main\/(.*)$/.exec(url) ?? /([^/]+\/[^/]+)$/.exec(url);
  return m ? m[1] : url;
}

/** Seconds after a profile's start (negative: before its end); `to` undefined: up to the end. */
export interface TimeWindow {
  from: number;
  to?: number;
}

/** `FROM:TO` of `--window` (either side may be empty). */
export function parseWindow(text: string): TimeWindow {
  const m = /^(-?\d+(?:\.\d+)?)?:(-?\d+(?:\.\d+)?)?$/.exec(text);
  if (!m) throw new Error(`--window wants FROM:TO in seconds (e.g. -60: or 120:180), not ${JSON.stringify(text)}`);
  return { from: m[1] === undefined ? 0 : Number(m[1]), ...(m[2] === undefined ? {} : { to: Number(m[2]) }) };
}

/**
 * Self time (µs) per node id from the sample list (time deltas), falling back to hit counts; with `window`, only the
 * samples inside it (a profile without samples cannot be windowed).
 */
function selfTimes(profile: CpuProfile, window?: TimeWindow): Map<number, number> {
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    const spanUs = profile.endTime - profile.startTime;
    const at = (s: number) => (s < 0 ? spanUs + s * 1e6 : s * 1e6);
    const fromUs = window ? at(window.from) : -Infinity;
    const toUs = window?.to !== undefined ? at(window.to) : Infinity;
    // timeDeltas[i] is the time before sample i; attribute it to the sample that follows.
    let t = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i];
      if (t < fromUs || t > toUs) continue;
      const dt = profile.timeDeltas[i + 1] ?? 0;
      selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else if (window) {
    throw new Error('this profile has no sample timeline, so --window cannot select a part of it');
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of profile.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  return selfUs;
}

/** A frame of this repository's code (not Node internals, not a dependency). */
function isAppFrame(n: CpuProfileNode): boolean {
  return /^(server|protocol|jobs|objects|client|scripts)\//.test(shortUrl(n.callFrame.url));
}

function frameName(n: CpuProfileNode): string {
  const file = shortUrl(n.callFrame.url);
  return `${n.callFrame.functionName || '(anonymous)'}  ${file}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
}

/**
 * Where the self time of functions named `functionName` comes from: the self time grouped by the chain of the
 * `depth` nearest callers, largest first.
 */
export function callersOf(profile: CpuProfile, functionName: string, depth = 4, top = 10, appOnly = false, window?: TimeWindow): SelfTimeRow[] {
  const selfUs = selfTimes(profile, window);
  const parent = new Map<number, CpuProfileNode>();
  const byId = new Map<number, CpuProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n);
  }
  const chains = new Map<string, number>();
  let totalUs = 0;
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== functionName) continue;
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const names: string[] = [];
    for (let p = parent.get(n.id); p && names.length < depth; p = parent.get(p.id)) {
      if (!appOnly || isAppFrame(p)) names.push(frameName(p));
    }
    const key = names.join('  <  ');
    chains.set(key, (chains.get(key) ?? 0) + us);
  }
  return [...chains.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, selfMs: us / 1000, percent: totalUs > 0 ? (us / totalUs) * 100 : 0 }));
}

/** Self time aggregated by function and by script, largest first. */
export function summariseProfile(profile: CpuProfile, top = 25, window?: TimeWindow): ProfileSummary {
  const selfUs = selfTimes(profile, window);
  const fn = new Map<string, number>();
  const script = new Map<string, number>();
  let totalUs = 0;
  for (const n of profile.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0) continue;
    totalUs += us;
    const file = shortUrl(n.callFrame.url);
    const name = frameName(n);
    fn.set(name, (fn.get(name) ?? 0) + us);
    script.set(file, (script.get(file) ?? 0) + us);
  }
  const rows = (m: Map<string, number>): SelfTimeRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: totalUs > 0 ? (us / totalUs) * 100 : 0 }));
  return { totalMs: totalUs / 1000, byFunction: rows(fn), byScript: rows(script) };
}

export function formatSummary(s: ProfileSummary): string {
  const line = (r: SelfTimeRow) => `${r.selfMs.toFixed(0).padStart(8)} ms ${r.percent.toFixed(1).padStart(5)} %  ${r.name}`;
  return [`total sampled ${s.totalMs.toFixed(0)} ms`, '', 'self time by function:', ...s.byFunction.map(line), '', 'self time by script:', ...s.byScript.map(line)].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const callersAt = args.indexOf('--callers');
  const callers = callersAt >= 0 ? args.splice(callersAt, 2)[1] : undefined;
  const appAt = args.indexOf('--app');
  const appOnly = appAt >= 0 && args.splice(appAt, 1).length === 1;
  const depthAt = args.indexOf('--depth');
  const depth = depthAt >= 0 ? Number(args.splice(depthAt, 2)[1]) : 4;
  const windowAt = args.indexOf('--window');
  const window = windowAt >= 0 ? parseWindow(args.splice(windowAt, 2)[1] ?? '') : undefined;
  const [file, topArg] = args;
  if (!file) {
    console.error('usage: tsx scripts/bench/cpuprofile-summary.ts <file.cpuprofile> [top=25] [--callers <functionName> [--depth 4] [--app]] [--window FROM:TO]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (callers !== undefined) {
    for (const r of callersOf(profile, callers, depth, Number(topArg ?? 10), appOnly, window)) console.log(`${r.selfMs.toFixed(0).padStart(8)} ms ${r.percent.toFixed(1).padStart(5)} %  ${r.name}`);
  } else {
    console.log(formatSummary(summariseProfile(profile, Number(topArg ?? 25), window)));
  }
}
