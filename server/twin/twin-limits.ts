/**
 * Twin format limits, current IoT Hub era (Azure IoT Hub device twins doc, "Tags and properties format" and "Device twin size"), and the checks shared by back-end
 * patches and device-reported values. Arrays are refused although the current era allows them: docs/twin-model.md#values-and-limits keeps
 * arrays out of the twin altogether.
 */
import { ServerError } from '../errors.ts';
import { isObject } from './twin.ts';

/** Keys: at most 1 KB of UTF-8 (Azure IoT Hub device twins doc, "Tags and properties format"). */
export const MAX_KEY_BYTES = 1024;
/** String values: at most 4 KB of UTF-8 (Azure IoT Hub device twins doc, "Tags and properties format"). */
export const MAX_STRING_BYTES = 4096;
/** Objects may nest 10 levels below the section root (Azure IoT Hub device twins doc, "Tags and properties format"); see `checkPatchObject` for how levels count. */
export const MAX_DEPTH = 10;
/** Largest integer magnitude, 2^53 − 1 (the spec says 2^52 for IoT Hub; JSON numbers in JS are exact up to 2^53 − 1). */
export const MAX_INTEGER = Number.MAX_SAFE_INTEGER;
/** Section size limits in bytes, excluding `$` elements (Azure IoT Hub device twins doc, "Device twin size"). */
export const MAX_TAGS_BYTES = 8 * 1024;
export const MAX_DESIRED_BYTES = 32 * 1024;
export const MAX_REPORTED_BYTES = 32 * 1024;

// C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F) controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `key` is not a valid twin key, or undefined when it is (Azure IoT Hub device twins doc, "Tags and properties format": no C0/C1 controls, `.`, `$`, space). */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'keys must not be empty';
  if (key.includes(' ')) return 'keys must not contain spaces';
  if (key.includes('.')) return "keys must not contain '.'";
  if (key.includes('$')) return "keys must not contain '$'";
  if (CONTROL.test(key)) return 'keys must not contain control characters';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `keys must be at most ${MAX_KEY_BYTES} bytes`;
  return undefined;
}

/** Why `value` is not a valid twin leaf value, or undefined when it is. `null` is not a leaf (it means delete). */
export function primitiveProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES ? `strings must be at most ${MAX_STRING_BYTES} bytes` : undefined;
    case 'boolean':
      return undefined;
    case 'number':
      if (!Number.isFinite(value)) return 'numbers must be finite';
      if (Number.isInteger(value) && Math.abs(value) > MAX_INTEGER) return 'integers must be within ±(2^53−1)';
      return undefined;
    default:
      if (Array.isArray(value)) return 'arrays are not allowed';
      return 'values must be strings, numbers, booleans, objects or null';
  }
}

/** Throws `BAD_REQUEST` with the message `<path>: <reason>`, the form every twin refusal takes. */
export function refuse(path: readonly string[], reason: string): never {
  const where = path.join('.');
  throw ServerError.badRequest(`${where}: ${reason}`, { path: where });
}

/**
 * Checks one level-by-level patch object (tags or desired), throwing at the first problem with its key path.
 * `path` is the section's own path (`['tags']`, `['properties', 'desired']`). Levels: a key directly in the section
 * is level 1; an object may be the value of a key at level ≤ 10, so `one.two.….ten.property = "value"` is the deepest
 * allowed shape (the example in IoT Hub's device-twin guide) and an object under an eleventh key is refused.
 */
export function checkPatchObject(path: readonly string[], value: unknown, level = 0): void {
  if (!isObject(value)) refuse(path, Array.isArray(value) ? 'arrays are not allowed' : 'expected an object');
  if (level > MAX_DEPTH) refuse(path, `objects must not nest deeper than ${MAX_DEPTH} levels`);
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    const bad = keyProblem(key);
    if (bad) refuse(childPath, bad);
    if (child === null) continue;
    if (isObject(child) || Array.isArray(child)) {
      if (Array.isArray(child)) refuse(childPath, 'arrays are not allowed');
      checkPatchObject(childPath, child, level + 1);
      continue;
    }
    const problem = primitiveProblem(child);
    if (problem) refuse(childPath, problem);
  }
}

/**
 * Size of a section's values as IoT Hub counts it: each key's UTF-8 length plus each value — strings by UTF-8
 * length, numbers 8 bytes, booleans 4 bytes — summed through nested objects. `$` elements are not passed in.
 */
export function objectSize(value: Record<string, unknown>): number {
  let size = 0;
  for (const [key, child] of Object.entries(value)) {
    size += Buffer.byteLength(key, 'utf8');
    if (isObject(child)) size += objectSize(child);
    else size += primitiveSize(child);
  }
  return size;
}

/** Size of one primitive value (see `objectSize`). */
export function primitiveSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return 8;
  if (typeof value === 'boolean') return 4;
  return 0;
}

/**
 * Size of one stored reported leaf. Reported values live flat (one hash field per dotted property, see
 * reported-fields.ts), so the whole dotted name counts for every leaf — a conservative over-estimate of IoT Hub's
 * count — and a string counts by its JSON-escaped length, which the Lua script can measure without decoding.
 * Both stores use this definition so they refuse the same writes.
 */
export function reportedLeafSize(field: string, valueJson: string): number {
  const keyBytes = Buffer.byteLength(field, 'utf8');
  if (valueJson === 'null') return 0;
  if (valueJson.startsWith('"')) return keyBytes + Buffer.byteLength(valueJson, 'utf8') - 2;
  if (valueJson === 'true' || valueJson === 'false') return keyBytes + 4;
  return keyBytes + 8;
}
