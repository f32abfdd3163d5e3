/** Formatting shared by the views: ages, values, twin trees. */

/** "12 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function show(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export interface ReportedLeaf {
  property: string;
  value: unknown;
  lastUpdated?: string;
  source?: string;
}

/** The leaves of a twin section (values with their `$metadata`), in document order. */
export function leaves(section: Record<string, any> | undefined, meta: Record<string, any> | undefined = section?.$metadata, prefix = ''): ReportedLeaf[] {
  const out: ReportedLeaf[] = [];
  if (!section) return out;
  for (const [key, value] of Object.entries(section)) {
    if (key.startsWith('$')) continue;
    const m = meta?.[key];
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object') out.push(...leaves(value, m, name));
    else out.push({ property: name, value, lastUpdated: m?.$lastUpdated, source: m?.$source });
  }
  return out;
}

/** A value typed by the operator: JSON when it parses (`42`, `true`, `null`, `"x"`, `{...}`), else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `a.b.c` + value → `{a: {b: {c: value}}}`. */
export function nest(dotted: string, value: unknown): Record<string, unknown> {
  const keys = dotted.split('.').filter(Boolean);
  let out: any = value;
  for (const k of keys.reverse()) out = { [k]: out };
  return out;
}

/** Connection state of a twin in words an operator uses. */
export function stateWord(connectionState: string | undefined): 'online' | 'asleep' | 'offline' {
  return connectionState === 'connected' ? 'online' : connectionState === 'asleep' ? 'asleep' : 'offline';
}
