/** Plain-text tables and ages for the CLI. */
export function table(rows: Array<Record<string, unknown>>, columns?: string[]): string {
  if (rows.length === 0) return '(none)';
  const cols = columns ?? Object.keys(rows[0]);
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.max(0, ms)} ms ago`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${(ms / 3_600_000).toFixed(1)} h ago`;
}

/** Flattens the reported section into rows of property, value, lastUpdated and source. */
export function flattenReported(reported: any, prefix: string[] = [], meta: any = reported?.$metadata): Array<{ property: string; value: unknown; lastUpdated?: string; source?: string }> {
  const rows: Array<{ property: string; value: unknown; lastUpdated?: string; source?: string }> = [];
  for (const [k, v] of Object.entries(reported ?? {})) {
    if (k.startsWith('$')) continue;
    const m = meta?.[k];
    if (v !== null && typeof v === 'object') rows.push(...flattenReported(v, [...prefix, k], m));
    else rows.push({ property: [...prefix, k].join('.'), value: v, lastUpdated: m?.$lastUpdated, source: m?.$source });
  }
  return rows;
}
