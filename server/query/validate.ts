import type { Expression, QueryAst } from './ast.ts';
import { formatExpression } from './format.ts';
import { QueryError } from './query-error.ts';

/** The deepest expression tree accepted (long `a + b + c …` chains count one level per operator). */
export const MAX_EXPRESSION_DEPTH = 128;

/** The direct sub-expressions of a node. */
export function children(e: Expression): readonly Expression[] {
  switch (e.kind) {
    case 'literal':
    case 'path':
      return [];
    case 'negate':
    case 'not':
    case 'in':
      return [e.operand];
    case 'arithmetic':
    case 'comparison':
      return [e.left, e.right];
    case 'and':
    case 'or':
      return e.operands;
    case 'call':
      return e.args;
    case 'aggregate':
      return e.argument === undefined ? [] : [e.argument];
  }
}

/**
 * Semantic checks after parsing (Azure IoT Hub query language doc): depth bound, aggregates only as whole SELECT columns, GROUP BY only with
 * aggregate-style columns, unique column names. Throws `QueryError`.
 */
export function checkQuery(q: QueryAst, text: string): void {
  const fail = (code: 'QUERY_SYNTAX' | 'QUERY_UNSUPPORTED', detail: string, position: number): never => {
    throw new QueryError(code, detail, { text, position });
  };
  const columns = q.select.kind === 'columns' ? q.select.columns : [];
  for (const c of columns) {
    checkExpression(c.expression, text, c.expression.kind === 'aggregate');
  }
  if (q.where !== undefined) checkExpression(q.where, text, false);
  for (const g of q.groupBy) checkExpression(g, text, false);

  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) fail('QUERY_SYNTAX', `duplicate column name '${c.name}' (use AS to rename)`, c.start);
    names.add(c.name);
  }

  const aggregated = q.groupBy.length > 0 || columns.some((c) => c.expression.kind === 'aggregate');
  if (!aggregated) return;
  if (q.select.kind === 'star') fail('QUERY_UNSUPPORTED', 'SELECT * cannot be combined with GROUP BY', q.groupBy[0].start);
  const grouped = new Set(q.groupBy.map((g) => formatExpression(g)));
  for (const c of columns) {
    if (c.expression.kind !== 'aggregate' && !grouped.has(formatExpression(c.expression))) {
      fail('QUERY_UNSUPPORTED', `column '${c.name}' must be an aggregate (COUNT, AVG, SUM, MIN, MAX) or appear in GROUP BY`, c.start);
    }
  }
}

/** Checks a bare condition (job `queryCondition`): depth bound, no aggregates. */
export function checkCondition(e: Expression, text: string): void {
  checkExpression(e, text, false);
}

/**
 * Walks `root` without recursion (so a pathological tree cannot overflow the stack): rejects trees deeper than
 * MAX_EXPRESSION_DEPTH and aggregates anywhere except at the root of a column (`aggregateAtRoot`).
 */
function checkExpression(root: Expression, text: string, aggregateAtRoot: boolean): void {
  const stack: Array<[Expression, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [e, depth] = stack.pop() as [Expression, number];
    if (depth > MAX_EXPRESSION_DEPTH) {
      throw new QueryError('QUERY_UNSUPPORTED', `expression nested more than ${MAX_EXPRESSION_DEPTH} levels deep`, { text, position: e.start });
    }
    if (e.kind === 'aggregate' && !(aggregateAtRoot && e === root)) {
      throw new QueryError('QUERY_UNSUPPORTED', `${e.name}() is only allowed as a whole SELECT column`, { text, position: e.start });
    }
    for (const c of children(e)) stack.push([c, depth + 1]);
  }
}
