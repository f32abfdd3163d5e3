import type { Primitive } from './ast.ts';

/**
 * Value semantics of the query language (Azure IoT Hub query language doc, "Expressions and conditions": comparisons only between primitive values):
 * - a missing path is `undefined`; objects and arrays are not primitives;
 * - `=` is true only for two primitives of the same kind with the same value (`5 = '5'` is false, `null = null` true);
 * - `!=` / `<>` is true only for two primitives that are not equal — so a missing path or an object is never `!=`
 *   anything (use `NOT (x = v)` to include twins where `x` is missing);
 * - `< > <= >=` are true only for two numbers or two strings (strings compare by UTF-16 code units);
 * - comparing with the literal `undefined`: `x = undefined` is true when `x` is missing, `x != undefined` when it is
 *   present; the ordering operators with `undefined` are always false.
 * Logic is two-valued: every condition is true or false, `NOT` is plain negation.
 */
export function isPrimitive(v: unknown): v is Primitive {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

export function primitiveEquals(a: unknown, b: unknown): boolean {
  return a === b && isPrimitive(a);
}

export function primitiveNotEquals(a: unknown, b: unknown): boolean {
  return a !== b && isPrimitive(a) && isPrimitive(b);
}

/** -1 / 0 / 1 for two numbers or two strings, undefined otherwise. */
export function compareOrdered(a: unknown, b: unknown): number | undefined {
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return undefined;
}

/** Arithmetic on two numbers; undefined for anything else or a non-finite result (JSON has no NaN/Infinity). */
export function arithmetic(op: '+' | '-' | '*' | '/' | '%', a: unknown, b: unknown): number | undefined {
  if (typeof a !== 'number' || typeof b !== 'number') return undefined;
  let r: number;
  switch (op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    case '/':
      r = a / b;
      break;
    case '%':
      r = a % b;
      break;
  }
  return Number.isFinite(r) ? r : undefined;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** One step down a JSON document: own properties of objects and arrays only (never the prototype chain). */
export function member(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && hasOwn.call(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}
