import type { AggregateFunctionName, ScalarFunctionName } from './ast.ts';
import { isPrimitive } from './values.ts';

/**
 * Scalar functions. The Azure IoT Hub query language doc ("Functions") documents only `IS_DEFINED` for twin queries; the others (`IS_NULL`,
 * `IS_STRING`, `IS_NUMBER`, `IS_BOOL`, `IS_OBJECT`, `IS_PRIMITIVE`, `STARTSWITH`, `ENDSWITH`, `CONTAINS`, `LOWER`,
 * `UPPER`) come from IoT Hub's message-routing language and are an extension of this server.
 * Every function is total: wrong argument types give `false` (predicates) or `undefined` (LOWER/UPPER), never an error.
 */
export interface ScalarFunction {
  readonly arity: number;
  /** True when the function always returns a boolean. */
  readonly predicate: boolean;
  readonly apply: (args: unknown[]) => unknown;
}

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const bothStrings = (f: (s: string, t: string) => boolean) => (a: unknown[]) =>
  typeof a[0] === 'string' && typeof a[1] === 'string' && f(a[0], a[1]);

export const SCALAR_FUNCTIONS: Readonly<Record<ScalarFunctionName, ScalarFunction>> = Object.freeze({
  IS_DEFINED: { arity: 1, predicate: true, apply: (a) => a[0] !== undefined },
  IS_NULL: { arity: 1, predicate: true, apply: (a) => a[0] === null },
  IS_STRING: { arity: 1, predicate: true, apply: (a) => typeof a[0] === 'string' },
  IS_NUMBER: { arity: 1, predicate: true, apply: (a) => typeof a[0] === 'number' },
  IS_BOOL: { arity: 1, predicate: true, apply: (a) => typeof a[0] === 'boolean' },
  IS_OBJECT: { arity: 1, predicate: true, apply: (a) => isPlainObject(a[0]) },
  IS_PRIMITIVE: { arity: 1, predicate: true, apply: (a) => isPrimitive(a[0]) },
  STARTSWITH: { arity: 2, predicate: true, apply: bothStrings((s, t) => s.startsWith(t)) },
  ENDSWITH: { arity: 2, predicate: true, apply: bothStrings((s, t) => s.endsWith(t)) },
  CONTAINS: { arity: 2, predicate: true, apply: bothStrings((s, t) => s.includes(t)) },
  LOWER: { arity: 1, predicate: false, apply: (a) => (typeof a[0] === 'string' ? a[0].toLowerCase() : undefined) },
  UPPER: { arity: 1, predicate: false, apply: (a) => (typeof a[0] === 'string' ? a[0].toUpperCase() : undefined) },
});

/** Aggregates (Azure IoT Hub query language doc) and their argument counts. */
export const AGGREGATE_FUNCTIONS: Readonly<Record<AggregateFunctionName, number>> = Object.freeze({
  COUNT: 0,
  AVG: 1,
  SUM: 1,
  MIN: 1,
  MAX: 1,
});

export function isScalarFunctionName(name: string): name is ScalarFunctionName {
  return Object.prototype.hasOwnProperty.call(SCALAR_FUNCTIONS, name);
}

export function isAggregateFunctionName(name: string): name is AggregateFunctionName {
  return Object.prototype.hasOwnProperty.call(AGGREGATE_FUNCTIONS, name);
}
