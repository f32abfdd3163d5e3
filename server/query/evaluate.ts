import { createHash } from 'node:crypto';
import type { Projection, QueryAst } from './ast.ts';
import { compileAggregation, type AggregateRow } from './aggregate.ts';
import { compilePredicate, compileValue, type Predicate } from './compile-expression.ts';
import { formatQuery } from './format.ts';
import { extractIndexHints, extractRangeHints, type IndexHint, type RangeHint } from './index-hints.ts';
import { parseCondition, parseQuery } from './parser.ts';
import { QueryError } from './query-error.ts';

/**
 * A parsed and compiled twin query (Azure IoT Hub query language doc). Compile once with `compileQuery`, then evaluate against any number of
 * twin documents (plain JSON objects shaped as in Azure IoT Hub device twins doc); evaluation never throws and never re-parses.
 *
 * Semantics (see values.ts): comparisons hold only between primitives of the same kind, a missing path is
 * `undefined` and fails every comparison (`!=` included; `x = undefined` tests for absence), logic is two-valued.
 * The scalar functions beyond IS_DEFINED are an extension (functions.ts).
 */
export interface CompiledQuery {
  /** The query text as given. */
  readonly text: string;
  readonly ast: QueryAst;
  /** Canonical text (format.ts): equal for queries that differ only in case, spacing or redundant parentheses. */
  readonly canonical: string;
  /** Stable hash of `canonical` (base64url, 22 chars), used to bind continuation tokens to their query. */
  readonly hash: string;
  /** True for GROUP BY queries and queries whose columns are aggregates: use `aggregate`, not `project`. */
  readonly isAggregate: boolean;
  /** The TOP n limit on the number of result rows, if any. */
  readonly top?: number;
  /** Equality conditions a store may use to narrow candidates before calling `matches` (index-hints.ts). */
  readonly indexHints: readonly IndexHint[];
  /** Numeric range conditions a store may use the same way (index-hints.ts). */
  readonly rangeHints: readonly RangeHint[];
  /** True when the twin satisfies the WHERE clause (always true without one). */
  matches(twin: object): boolean;
  /**
   * The result row for one twin: the twin itself for `SELECT *` (not copied: callers must not mutate it), else an
   * object with one key per column whose value is defined (values are shared with the twin, not copied).
   * Throws `QueryError` (QUERY_UNSUPPORTED) for aggregate queries.
   */
  project(twin: object): Record<string, unknown>;
  /**
   * Runs an aggregate query: applies WHERE itself (so any superset of the matching twins may be passed), groups,
   * and returns one row per group (`{status: 'x', numberOfDevices: 3}`), cut to TOP n. For a non-aggregate query,
   * returns the projections of the matching twins (also cut to TOP n).
   */
  aggregate(twins: Iterable<object>): Record<string, unknown>[];
}

/** Parses and compiles a full query. Throws only `QueryError`. */
export function compileQuery(text: string): CompiledQuery {
  return build(text, parseQuery(text));
}

/**
 * Compiles a bare condition — a job's `queryCondition` (Azure IoT Hub jobs doc), i.e. the text after WHERE — as
 * `SELECT * FROM devices WHERE <condition>`. Error positions are relative to `condition`. Throws only `QueryError`.
 */
export function compileCondition(condition: string): CompiledQuery {
  const where = parseCondition(condition);
  return build(condition, { select: { kind: 'star' }, from: 'devices', where, groupBy: [] });
}

function build(text: string, ast: QueryAst): CompiledQuery {
  const matches: Predicate = ast.where === undefined ? () => true : compilePredicate(ast.where);
  const columns = ast.select.kind === 'columns' ? ast.select.columns : [];
  const isAggregate = ast.groupBy.length > 0 || columns.some((c) => c.expression.kind === 'aggregate');
  const top = ast.select.top;
  const canonical = formatQuery(ast);
  const project = isAggregate ? rejectProjection : compileProjection(ast.select.kind === 'star' ? undefined : columns);
  const aggregateRows = isAggregate ? compileAggregation(ast, matches) : undefined;

  const aggregate = (twins: Iterable<object>): Record<string, unknown>[] => {
    const limit = top ?? Infinity;
    if (aggregateRows !== undefined) {
      const rows: AggregateRow[] = aggregateRows(twins);
      return rows.length > limit ? rows.slice(0, limit) : rows;
    }
    const out: Record<string, unknown>[] = [];
    if (limit === 0) return out;
    for (const twin of twins) {
      if (!matches(twin)) continue;
      out.push(project(twin));
      if (out.length >= limit) break;
    }
    return out;
  };

  const compiled: CompiledQuery = {
    text,
    ast,
    canonical,
    hash: hashText(canonical),
    isAggregate,
    indexHints: Object.freeze(extractIndexHints(ast.where)),
    rangeHints: Object.freeze(extractRangeHints(ast.where)),
    matches: (twin) => matches(twin),
    project,
    aggregate,
    ...(top === undefined ? {} : { top }),
  };
  return Object.freeze(compiled);
}

function compileProjection(columns: readonly Projection[] | undefined): (twin: object) => Record<string, unknown> {
  if (columns === undefined) return (twin) => twin as Record<string, unknown>;
  const names = columns.map((c) => c.name);
  const values = columns.map((c) => compileValue(c.expression));
  return (twin) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) {
      const v = values[i](twin);
      if (v !== undefined) row[names[i]] = v;
    }
    return row;
  };
}

function rejectProjection(): never {
  throw new QueryError('QUERY_UNSUPPORTED', 'an aggregate query has no per-twin projection: use aggregate()');
}

/** base64url SHA-256 of `s`, first 22 characters (132 bits). */
function hashText(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64url').slice(0, 22);
}
