import type { ComparisonNode, ComparisonOperator, Expression, InNode, Primitive } from './ast.ts';
import { SCALAR_FUNCTIONS } from './functions.ts';
import { arithmetic, compareOrdered, isPrimitive, member, primitiveEquals, primitiveNotEquals } from './values.ts';

/**
 * Compiles expressions to closures once per query, so evaluating a twin never re-walks the syntax tree
 * (Azure IoT Hub query language doc semantics, value rules in values.ts). Closures never throw for any input document.
 */
export type Evaluator = (twin: unknown) => unknown;
export type Predicate = (twin: unknown) => boolean;

/** A closure yielding the value of `e` (a boolean for conditions, undefined for a missing path). */
export function compileValue(e: Expression): Evaluator {
  switch (e.kind) {
    case 'literal': {
      const v = e.value;
      return () => v;
    }
    case 'path':
      return compilePath(e.segments);
    case 'negate': {
      const operand = compileValue(e.operand);
      return (t) => {
        const v = operand(t);
        return typeof v === 'number' ? -v : undefined;
      };
    }
    case 'arithmetic': {
      const left = compileValue(e.left);
      const right = compileValue(e.right);
      const op = e.operator;
      return (t) => arithmetic(op, left(t), right(t));
    }
    case 'call': {
      const fn = SCALAR_FUNCTIONS[e.name];
      if (fn.predicate) return compilePredicate(e);
      const args = e.args.map(compileValue);
      return (t) => fn.apply(args.map((a) => a(t)));
    }
    case 'aggregate':
      // Aggregates are evaluated per group by aggregate.ts; the parser rejects them anywhere else.
      return () => undefined;
    default:
      return compilePredicate(e);
  }
}

/** A closure that is true when `e` evaluates to `true` (anything else — a number, a missing path — is false). */
export function compilePredicate(e: Expression): Predicate {
  switch (e.kind) {
    case 'and': {
      const ops = e.operands.map(compilePredicate);
      if (ops.length === 2) {
        const [a, b] = ops;
        return (t) => a(t) && b(t);
      }
      return (t) => {
        for (const op of ops) if (!op(t)) return false;
        return true;
      };
    }
    case 'or': {
      const ops = e.operands.map(compilePredicate);
      if (ops.length === 2) {
        const [a, b] = ops;
        return (t) => a(t) || b(t);
      }
      return (t) => {
        for (const op of ops) if (op(t)) return true;
        return false;
      };
    }
    case 'not': {
      const operand = compilePredicate(e.operand);
      return (t) => !operand(t);
    }
    case 'comparison':
      return compileComparison(e);
    case 'in':
      return compileIn(e);
    case 'call': {
      const fn = SCALAR_FUNCTIONS[e.name];
      const args = e.args.map(compileValue);
      if (args.length === 1) {
        const [a] = args;
        return (t) => fn.apply([a(t)]) === true;
      }
      return (t) => fn.apply(args.map((a) => a(t))) === true;
    }
    case 'literal': {
      const v = e.value === true;
      return () => v;
    }
    default: {
      const value = compileValue(e);
      return (t) => value(t) === true;
    }
  }
}

function compilePath(segments: readonly string[]): Evaluator {
  const [a, b, c, d] = segments;
  switch (segments.length) {
    case 1:
      return (t) => member(t, a);
    case 2:
      return (t) => member(member(t, a), b);
    case 3:
      return (t) => member(member(member(t, a), b), c);
    case 4:
      return (t) => member(member(member(member(t, a), b), c), d);
    default:
      return (t) => {
        let v: unknown = t;
        for (const s of segments) {
          v = member(v, s);
          if (v === undefined) return undefined;
        }
        return v;
      };
  }
}

const MIRRORED: Record<ComparisonOperator, ComparisonOperator> = { '=': '=', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

function compileComparison(e: ComparisonNode): Predicate {
  let { left, right, operator } = e;
  if (left.kind === 'literal' && right.kind !== 'literal') {
    [left, right] = [right, left];
    operator = MIRRORED[operator];
  }
  // `x = undefined` tests that x is missing, `x != undefined` that it is present (values.ts).
  if (right.kind === 'literal' && right.value === undefined) {
    const value = compileValue(left);
    if (operator === '=') return (t) => value(t) === undefined;
    if (operator === '!=') return (t) => value(t) !== undefined;
    return () => false;
  }
  if (left.kind === 'literal' && left.value === undefined) {
    return operator === '=' || operator === '!=' ? compileComparison({ ...e, left: right, right: left }) : () => false;
  }
  const get = compileValue(left);
  if (right.kind === 'literal') return compareWithConstant(get, operator, right.value as Primitive);
  const other = compileValue(right);
  switch (operator) {
    case '=':
      return (t) => primitiveEquals(get(t), other(t));
    case '!=':
      return (t) => primitiveNotEquals(get(t), other(t));
    default: {
      const test = ORDER_TESTS[operator];
      return (t) => {
        const c = compareOrdered(get(t), other(t));
        return c !== undefined && test(c);
      };
    }
  }
}

const ORDER_TESTS: Record<'<' | '>' | '<=' | '>=', (c: number) => boolean> = {
  '<': (c) => c < 0,
  '>': (c) => c > 0,
  '<=': (c) => c <= 0,
  '>=': (c) => c >= 0,
};

/** Specialised closures for the common `path <op> constant` shape. */
function compareWithConstant(get: Evaluator, operator: ComparisonOperator, k: Primitive): Predicate {
  switch (operator) {
    case '=':
      return (t) => get(t) === k;
    case '!=':
      return (t) => {
        const v = get(t);
        return v !== k && isPrimitive(v);
      };
  }
  if (typeof k === 'number') {
    switch (operator) {
      case '<':
        return (t) => {
          const v = get(t);
          return typeof v === 'number' && v < k;
        };
      case '>':
        return (t) => {
          const v = get(t);
          return typeof v === 'number' && v > k;
        };
      case '<=':
        return (t) => {
          const v = get(t);
          return typeof v === 'number' && v <= k;
        };
      case '>=':
        return (t) => {
          const v = get(t);
          return typeof v === 'number' && v >= k;
        };
    }
  }
  if (typeof k === 'string') {
    const test = ORDER_TESTS[operator];
    return (t) => {
      const v = get(t);
      return typeof v === 'string' && test(v < k ? -1 : v > k ? 1 : 0);
    };
  }
  return () => false; // booleans and null are not ordered
}

function compileIn(e: InNode): Predicate {
  const get = compileValue(e.operand);
  const negated = e.negated;
  if (e.values.length <= 8) {
    const values = e.values;
    return (t) => {
      const v = get(t);
      if (!isPrimitive(v)) return false;
      return values.includes(v) !== negated;
    };
  }
  const set = new Set<Primitive>(e.values);
  return (t) => {
    const v = get(t);
    if (!isPrimitive(v)) return false;
    return set.has(v) !== negated;
  };
}
