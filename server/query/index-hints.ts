import type { Expression, Primitive } from './ast.ts';

/**
 * A necessary condition extracted from a WHERE clause, for a store with an equality index (e.g. the Redis
 * `twin:idx:<path>=<json>` sets in server/store/keys.ts): every twin that matches the query has, at `path`, a value
 * strictly equal (same JSON type and value) to one of `values`.
 *
 * ```ts
 * { path: 'tags.location.plant', values: ['Redmond43'] }               // from tags.location.plant = 'Redmond43'
 * { path: 'connectionState', values: ['connected', 'disconnected'] }   // from connectionState IN [...]
 * ```
 * `path` is the dotted twin path without the `devices.` prefix; numeric segments stay strings
 * (`properties.reported.temperature.0.sensorValue`). Hints are AND-ed: a store may intersect the candidate sets
 * of any subset of them (or ignore them all), then must still call `matches` on each candidate — hints never
 * replace evaluation. An empty `values` list (from `IN []`) means no twin can match.
 */
export interface IndexHint {
  readonly path: string;
  readonly values: readonly Primitive[];
}

/** Root fields with an equality index besides the tags / desired / reported leaves. */
const INDEXED_SCALARS = new Set(['deviceId', 'connectionState']);
const INDEXED_SECTIONS = new Set(['tags', 'properties.desired', 'properties.reported']);

/**
 * Extracts hints from the top-level AND-ed conditions of `where`: `path = constant`, `constant = path` and
 * `path IN [constants]`, for paths under tags / properties.desired / properties.reported (at least one key below
 * the section), `deviceId` and `connectionState`. Paths with a `$` key (`$metadata`, `$version`) or a key containing
 * `.` are skipped, as are OR, NOT, NIN and `!=` (they do not narrow an equality index).
 */
export function extractIndexHints(where: Expression | undefined): IndexHint[] {
  if (where === undefined) return [];
  const conjuncts: Expression[] = [];
  const flatten = (e: Expression): void => {
    if (e.kind === 'and') e.operands.forEach(flatten);
    else conjuncts.push(e);
  };
  flatten(where);
  const hints: IndexHint[] = [];
  for (const c of conjuncts) {
    if (c.kind === 'comparison' && c.operator === '=') {
      const [path, constant] = c.left.kind === 'literal' ? [c.right, c.left] : [c.left, c.right];
      if (path.kind !== 'path' || constant.kind !== 'literal' || constant.value === undefined) continue;
      const key = indexedPath(path.segments);
      if (key !== undefined) hints.push({ path: key, values: [constant.value] });
    } else if (c.kind === 'in' && !c.negated && c.operand.kind === 'path') {
      const key = indexedPath(c.operand.segments);
      if (key !== undefined) hints.push({ path: key, values: [...new Set(c.values)] });
    }
  }
  return hints;
}

/**
 * A necessary condition for a store with a numeric range index (the Redis twin store's sorted sets,
 * server/twin/number-index.ts): every twin that matches has, at `path`, a number within the bounds (an absent bound
 * is open). Like `IndexHint`s, range hints are AND-ed and never replace evaluation.
 *
 * ```ts
 * { path: 'properties.reported.device.batteryLevel', max: 10, maxInclusive: false }   // from batteryLevel < 10
 * ```
 */
export interface RangeHint {
  readonly path: string;
  readonly min?: number;
  readonly minInclusive: boolean;
  readonly max?: number;
  readonly maxInclusive: boolean;
}

/** True when `value` is a number within the bounds of `hint`. */
export function inRange(value: unknown, hint: RangeHint): boolean {
  if (typeof value !== 'number') return false;
  if (hint.min !== undefined && (hint.minInclusive ? value < hint.min : value <= hint.min)) return false;
  if (hint.max !== undefined && (hint.maxInclusive ? value > hint.max : value >= hint.max)) return false;
  return true;
}

const MIRRORED = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=' } as const;

/**
 * Extracts range hints from the top-level AND-ed conditions of `where`: `path < k`, `path <= k`, `path > k`,
 * `path >= k` and `path = k` (either side) for a finite number `k` and a path under tags / properties.desired /
 * properties.reported (the query language orders only two numbers, so only numeric values can match — values.ts).
 * Conditions on one path are merged into one interval.
 */
export function extractRangeHints(where: Expression | undefined): RangeHint[] {
  if (where === undefined) return [];
  const byPath = new Map<string, { min?: number; minInclusive: boolean; max?: number; maxInclusive: boolean }>();
  const visit = (e: Expression): void => {
    if (e.kind === 'and') return e.operands.forEach(visit);
    if (e.kind !== 'comparison' || e.operator === '!=') return;
    const flipped = e.left.kind === 'literal';
    const [path, constant] = flipped ? [e.right, e.left] : [e.left, e.right];
    if (path.kind !== 'path' || constant.kind !== 'literal' || typeof constant.value !== 'number' || !Number.isFinite(constant.value)) return;
    const key = indexedPath(path.segments);
    if (key === undefined || key === 'deviceId' || key === 'connectionState') return;
    const k = constant.value;
    const op = flipped ? MIRRORED[e.operator] : e.operator;
    const r = byPath.get(key) ?? { minInclusive: false, maxInclusive: false };
    if (op === '>' || op === '>=' || op === '=') {
      const inclusive = op !== '>';
      if (r.min === undefined || k > r.min || (k === r.min && !inclusive)) [r.min, r.minInclusive] = [k, inclusive];
    }
    if (op === '<' || op === '<=' || op === '=') {
      const inclusive = op !== '<';
      if (r.max === undefined || k < r.max || (k === r.max && !inclusive)) [r.max, r.maxInclusive] = [k, inclusive];
    }
    byPath.set(key, r);
  };
  visit(where);
  return [...byPath].map(([path, r]) => ({ path, ...r }));
}

function indexedPath(segments: readonly string[]): string | undefined {
  if (segments.some((s) => s === '' || s.includes('.') || s.startsWith('$'))) return undefined;
  if (segments.length === 1) return INDEXED_SCALARS.has(segments[0]) ? segments[0] : undefined;
  const section = segments[0] === 'properties' ? `properties.${segments[1]}` : segments[0];
  const sectionLength = segments[0] === 'properties' ? 2 : 1;
  if (!INDEXED_SECTIONS.has(section) || segments.length <= sectionLength) return undefined;
  return segments.join('.');
}
