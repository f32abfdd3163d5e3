import type { LwM2mValue } from '../protocol/lwm2m/node.ts';

/**
 * The JSON form of an LwM2M value in job results, as in the twin (docs/twin-model.md): numbers and booleans as such, time as
 * ISO 8601, opaque as base64, objlnk and strings as strings, integers beyond 2^53 as decimal strings.
 */
export function lwm2mValueToJson(value: LwM2mValue): string | number | boolean {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}
