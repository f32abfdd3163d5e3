import type { ResourceModel, ResourceType } from '../../protocol/lwm2m/model.ts';
import type { LwM2mMultipleResource, LwM2mValue } from '../../protocol/lwm2m/node.ts';
import { JobError } from '../job-error.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const INTEGER_TEXT = /^-?\d{1,20}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const OBJLNK = /^(\d{1,5}):(\d{1,5})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Converts a JSON value given for a deep write into the LwM2M value of a resource of type `type` (OMA TS Core
 * Appendix C data types; OMA TS Core 1.1 §7.4 data formats), or throws `BAD_VALUE` naming the property:
 *   integer / unsignedInteger: a JSON integer (or a decimal string for values beyond 2^53), in the model's range;
 *   float: a finite number; boolean: true / false; string, corelnk: a string;
 *   time: an ISO 8601 date-time or whole seconds since the epoch; objlnk: `"O:I"` with ids in 0..65535;
 *   opaque: standard base64.
 */
export function toResourceValue(type: ResourceType, json: unknown, property: string, range?: ResourceModel['range']): LwM2mValue {
  const bad = (expected: string): JobError =>
    new JobError('BAD_VALUE', `${property} is of type ${type}: expected ${expected}, got ${describe(json)}`, { details: { property, type } });
  switch (type) {
    case 'integer':
    case 'unsignedInteger': {
      const n = integerOf(json);
      if (n === undefined) throw bad('an integer');
      const min = type === 'unsignedInteger' ? 0n : INT64_MIN;
      const max = type === 'unsignedInteger' ? UINT64_MAX : INT64_MAX;
      if (n < min || n > max) throw bad(`an integer in ${min}..${max}`);
      if (range && (n < BigInt(Math.ceil(range.min)) || n > BigInt(Math.floor(range.max)))) {
        throw new JobError('BAD_VALUE', `${property} must be in ${range.min}..${range.max}, got ${n}`, { details: { property, type, range } });
      }
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float': {
      if (typeof json !== 'number' || !Number.isFinite(json)) throw bad('a finite number');
      if (range && (json < range.min || json > range.max)) {
        throw new JobError('BAD_VALUE', `${property} must be in ${range.min}..${range.max}, got ${json}`, { details: { property, type, range } });
      }
      return json;
    }
    case 'boolean':
      if (typeof json !== 'boolean') throw bad('true or false');
      return json;
    case 'string':
    case 'corelnk':
      if (typeof json !== 'string') throw bad('a string');
      return json;
    case 'time': {
      if (typeof json === 'number' && Number.isInteger(json)) return new Date(json * 1000);
      if (typeof json === 'string' && ISO_8601.test(json) && !Number.isNaN(Date.parse(json))) return new Date(json);
      throw bad('an ISO 8601 date-time or whole seconds since the epoch');
    }
    case 'objlnk': {
      const m = typeof json === 'string' ? OBJLNK.exec(json) : null;
      if (!m || Number(m[1]) > 65535 || Number(m[2]) > 65535) throw bad('an object link "O:I" with ids in 0..65535');
      return json as string;
    }
    case 'opaque':
      if (typeof json !== 'string' || !BASE64.test(json)) throw bad('base64 text');
      return Buffer.from(json, 'base64');
    case 'none':
      throw new JobError('NOT_WRITABLE', `${property} is executable; it holds no value to write`, { details: { property } });
  }
}

/**
 * The value to write to a resource: one value, or for a multi-instance resource written as a whole an object
 * `{ "<instance id>": value }` that becomes a multiple-resource node (docs/twin-model.md#values-and-limits: no arrays). Throws `BAD_VALUE`.
 */
export function toWriteValue(resource: Pick<ResourceModel, 'id' | 'type' | 'multiple' | 'range'>, wholeResource: boolean, json: unknown, property: string): LwM2mValue | LwM2mMultipleResource {
  if (!(resource.multiple && wholeResource)) return toResourceValue(resource.type, json, property, resource.range);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new JobError('BAD_VALUE', `${property} is a multi-instance resource: expected an object { "<instance id>": value }, got ${describe(json)}`, { details: { property } });
  }
  const instances = new Map<number, LwM2mValue>();
  for (const [key, value] of Object.entries(json)) {
    if (!/^\d{1,5}$/.test(key) || Number(key) > 65535) throw new JobError('BAD_VALUE', `${property}: "${key}" is not a resource instance id (0..65535)`, { details: { property } });
    instances.set(Number(key), toResourceValue(resource.type, value, `${property}.${key}`, resource.range));
  }
  if (instances.size === 0) throw new JobError('BAD_VALUE', `${property}: give at least one resource instance`, { details: { property } });
  return { kind: 'multipleResource', id: resource.id, instances };
}

function integerOf(json: unknown): bigint | undefined {
  if (typeof json === 'number') return Number.isSafeInteger(json) ? BigInt(json) : undefined;
  if (typeof json === 'string' && INTEGER_TEXT.test(json)) return BigInt(json);
  return undefined;
}

function describe(json: unknown): string {
  if (json === undefined) return 'nothing';
  const text = JSON.stringify(json);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
