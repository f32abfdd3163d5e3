import type { AggregateFunctionName, Projection, QueryAst } from './ast.ts';
import { compileValue, type Evaluator, type Predicate } from './compile-expression.ts';
import { formatExpression } from './format.ts';

/** One result row of an aggregate query: column name -> value (columns whose value is undefined are omitted). */
export type AggregateRow = Record<string, unknown>;

/**
 * Accumulates one aggregate over a group (Azure IoT Hub query language doc, "GROUP BY clause" aggregates):
 * - COUNT(): the number of twins in the group;
 * - SUM(x): the sum of the numeric values of x (0 when there are none); other values are skipped;
 * - AVG(x): the mean of the numeric values (null when there are none);
 * - MIN(x) / MAX(x): over the numeric values, or — when there are none — over the string values (code-unit order,
 *   which orders ISO 8601 timestamps such as lastActivityTime chronologically); null when there are neither.
 */
interface Accumulator {
  add(value: unknown): void;
  result(): unknown;
}

function accumulator(name: AggregateFunctionName): Accumulator {
  switch (name) {
    case 'COUNT': {
      let n = 0;
      return {
        add: () => {
          n++;
        },
        result: () => n,
      };
    }
    case 'SUM': {
      let sum = 0;
      return {
        add: (v) => {
          if (typeof v === 'number') sum += v;
        },
        result: () => (Number.isFinite(sum) ? sum : null),
      };
    }
    case 'AVG': {
      let sum = 0;
      let n = 0;
      return {
        add: (v) => {
          if (typeof v === 'number') {
            sum += v;
            n++;
          }
        },
        result: () => (n === 0 || !Number.isFinite(sum) ? null : sum / n),
      };
    }
    case 'MIN':
    case 'MAX': {
      const better = name === 'MIN' ? (a: number | string, b: number | string) => a < b : (a: number | string, b: number | string) => a > b;
      let num: number | undefined;
      let str: string | undefined;
      return {
        add: (v) => {
          if (typeof v === 'number') {
            if (num === undefined || better(v, num)) num = v;
          } else if (typeof v === 'string') {
            if (str === undefined || better(v, str)) str = v;
          }
        },
        result: () => num ?? str ?? null,
      };
    }
  }
}

interface Group {
  readonly keys: unknown[];
  readonly accumulators: Accumulator[];
}

type ColumnPlan =
  | { readonly name: string; readonly kind: 'key'; readonly index: number }
  | { readonly name: string; readonly kind: 'aggregate'; readonly fn: AggregateFunctionName; readonly argument: Evaluator; readonly slot: number };

/**
 * Builds the GROUP BY / aggregate evaluator: filters with `matches`, groups by the GROUP BY values (one group when
 * there is no GROUP BY, so `SELECT COUNT() …` always yields one row), and emits one row per group in order of first
 * appearance. Group keys compare by JSON value, with a missing value forming its own group.
 */
export function compileAggregation(q: QueryAst, matches: Predicate): (twins: Iterable<unknown>) => AggregateRow[] {
  const columns: readonly Projection[] = q.select.kind === 'columns' ? q.select.columns : [];
  const keys = q.groupBy.map(compileValue);
  const keyTexts = q.groupBy.map((g) => formatExpression(g));
  const aggregateNames: AggregateFunctionName[] = [];
  const plans: ColumnPlan[] = columns.map((c): ColumnPlan => {
    const e = c.expression;
    if (e.kind === 'aggregate') {
      aggregateNames.push(e.name);
      const argument = e.argument === undefined ? () => undefined : compileValue(e.argument);
      return { name: c.name, kind: 'aggregate', fn: e.name, argument, slot: aggregateNames.length - 1 };
    }
    // checkQuery guarantees every non-aggregate column is one of the GROUP BY expressions.
    return { name: c.name, kind: 'key', index: keyTexts.indexOf(formatExpression(e)) };
  });
  const aggregatePlans = plans.filter((p) => p.kind === 'aggregate');
  const newGroup = (keyValues: unknown[]): Group => ({ keys: keyValues, accumulators: aggregateNames.map(accumulator) });

  return (twins) => {
    const groups = new Map<string, Group>();
    if (keys.length === 0) groups.set('', newGroup([]));
    for (const twin of twins) {
      if (!matches(twin)) continue;
      const keyValues = keys.map((k) => k(twin));
      const id = keyValues.map(groupKey).join('\u0001');
      let group = groups.get(id);
      if (group === undefined) {
        group = newGroup(keyValues);
        groups.set(id, group);
      }
      for (const p of aggregatePlans) group.accumulators[p.slot].add(p.argument(twin));
    }
    const rows: AggregateRow[] = [];
    for (const group of groups.values()) {
      const row: AggregateRow = {};
      for (const p of plans) {
        const v = p.kind === 'key' ? group.keys[p.index] : group.accumulators[p.slot].result();
        if (v !== undefined) row[p.name] = v;
      }
      rows.push(row);
    }
    return rows;
  };
}

function groupKey(v: unknown): string {
  if (v === undefined) return '~';
  try {
    return JSON.stringify(v) ?? '~';
  } catch {
    return '!'; // not JSON (a cycle or a BigInt): such documents cannot come from the twin store
  }
}
