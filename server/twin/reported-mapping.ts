/**
 * THE place where decoded LwM2M values become reported twin values (docs/twin-model.md). Property names come from
 * objects/property-names.ts (`/3/0/9` -> `device.batteryLevel`); values are mapped to JSON primitives:
 * - string, boolean, finite number within ±(2^53−1) (or any non-integer): as is; objlnk is already `"O:I"`;
 * - Date (time): ISO 8601 UTC with ms; an invalid Date is refused;
 * - Uint8Array / Buffer (opaque): base64;
 * - bigint, and integer-valued numbers beyond ±(2^53−1): a number when exact, else the decimal string;
 * - NaN / ±Infinity (an IEEE float on the wire): the strings `"NaN"`, `"Infinity"`, `"-Infinity"` (JSON has no such
 *   numbers).
 */
import type { LwM2mLeaf, LwM2mValue } from '../../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { ServerError } from '../errors.ts';
import type { ReportedUpdate } from './reported-fields.ts';
import type { JsonPrimitive, ReportedSource } from './twin.ts';

/** The naming half of objects/property-names.ts `PropertyNames`. */
export interface PropertyNaming {
  pathToProperty(path: LwM2mPath): string[];
}

/** A decoded LwM2M value as a twin JSON value (see the file header). */
export function toTwinValue(value: LwM2mValue): JsonPrimitive {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return String(value);
      return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value).toString() : value;
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    default:
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw ServerError.badRequest('an LwM2M time value is not a valid date');
        return value.toISOString();
      }
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      throw ServerError.badRequest(`an LwM2M value of type ${typeof value} has no twin representation`);
  }
}

/**
 * Reported updates for decoded leaves of one device (a notification, a Read answer, a Send). Leaves whose path maps to
 * no property (the root) are skipped.
 */
export function toReportedUpdates(names: PropertyNaming, ep: string, leaves: readonly LwM2mLeaf[], source: ReportedSource, timestamp: number): ReportedUpdate[] {
  const updates: ReportedUpdate[] = [];
  for (const leaf of leaves) {
    const property = names.pathToProperty(leaf.path);
    if (property.length > 0) updates.push({ ep, property, value: toTwinValue(leaf.value), source, timestamp });
  }
  return updates;
}

/** The update that removes what the twin holds at `path` (e.g. a deleted object instance). */
export function toReportedDeletion(names: PropertyNaming, ep: string, path: LwM2mPath, source: ReportedSource, timestamp: number): ReportedUpdate | undefined {
  const property = names.pathToProperty(path);
  return property.length === 0 ? undefined : { ep, property, value: null, source, timestamp };
}
