/** The human table of a benchmark run (stdout) and its JSON record (bench/results/<timestamp>.json). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchMode, Figure, ScenarioResult } from './bench-types.ts';
import { formatMachine, type MachineInfo } from './machine.ts';

export interface BenchReport {
  startedAt: string;
  command: string;
  mode: BenchMode;
  runs: number;
  machine: MachineInfo;
  scenarios: ScenarioResult[];
  seconds: number;
}

/** A figure's value as printed: rates with thousands separators, latencies with two significant decimals. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const n = (x: number, digits: number) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  switch (unit) {
    case '/s':
    case 'B':
      return `${n(Math.round(value), 0)} ${unit}`.replace(' /s', '/s');
    case 'ms':
      return `${n(value, value < 10 ? 2 : value < 100 ? 1 : 0)} ms`;
    case 's':
      return `${n(value, 1)} s`;
    case '':
      return n(value, 1);
    default:
      return `${n(value, 1)} ${unit}`;
  }
}

function verdict(f: Figure): string {
  if (f.target === undefined) return '';
  return f.met ? 'met' : 'MISSED';
}

export function formatTable(report: BenchReport): string {
  const rows: string[][] = [['scenario', 'figure', 'median', 'runs', 'target', '']];
  for (const s of report.scenarios) {
    if (s.error) rows.push([s.name, `FAILED: ${s.error.split('\n')[0].slice(0, 100)}`, '', '', '', '']);
    for (const f of s.figures) rows.push([f.scenario, f.label, formatValue(f.value, f.unit), f.runs.map((v) => formatValue(v, f.unit).replace(/ .*$/, '')).join(' '), f.target?.text ?? '', verdict(f)]);
  }
  const widths = rows[0].map((_, c) => Math.min(c === 1 ? 64 : 40, Math.max(...rows.map((r) => r[c].length))));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const out = [formatMachine(report.machine), `mode ${report.mode}, ${report.runs} run(s) per figure (median shown), ${report.seconds.toFixed(0)} s in all`, '', line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows.slice(1)) out.push(line(r));
  const notes = report.scenarios.flatMap((s) => s.notes.map((n) => `- ${s.name}: ${n}`));
  if (notes.length > 0) out.push('', 'notes:', ...notes);
  return out.join('\n');
}

/** Writes the JSON record under `dir` as `<timestamp>.json`; returns its path. */
export function writeReport(report: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return file;
}
