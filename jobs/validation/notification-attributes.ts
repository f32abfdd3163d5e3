import type { ResolvedProperty } from '../../objects/property-names.ts';
import type { NotificationAttributes } from '../device-gateway.ts';
import { JobError } from '../job-error.ts';

type Name = keyof NotificationAttributes;
const NAMES: readonly Name[] = ['pmin', 'pmax', 'gt', 'lt', 'st'];
const PERIODS = new Set<Name>(['pmin', 'pmax']);
const NUMERIC_TYPES = new Set(['integer', 'unsignedInteger', 'float']);

/**
 * Checks a write-attributes job's attributes (OMA TS Core 1.1 §5.1.2) and returns a clean copy:
 * known names only, at least one; `null` unsets; pmin / pmax whole seconds ≥ 0 with pmin ≤ pmax; gt / lt / st
 * finite numbers on a (numeric, when the model is known) resource only, st ≥ 0, lt < gt and lt + 2·st < gt.
 * Throws `BAD_VALUE` (or `INVALID_JOB` for a missing object).
 */
export function checkNotificationAttributes(input: unknown, target: ResolvedProperty): NotificationAttributes {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new JobError('INVALID_JOB', '"attributes" must be an object such as { "pmin": 10, "pmax": 60 }');
  }
  const attrs: NotificationAttributes = {};
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!NAMES.includes(key as Name)) throw new JobError('BAD_VALUE', `unknown or read-only attribute "${key}" (writable: ${NAMES.join(', ')})`, { details: { attribute: key } });
  }
  for (const name of NAMES) {
    if (!Object.hasOwn(given, name) || given[name] === undefined) continue;
    const value = given[name];
    if (!PERIODS.has(name) && !(target.path.isResource() || target.path.isResourceInstance())) {
      throw new JobError('BAD_VALUE', `attribute ${name} applies to a resource only, not ${target.path.toString()}`, { details: { attribute: name } });
    }
    if (!PERIODS.has(name) && target.resource && !NUMERIC_TYPES.has(target.resource.type)) {
      throw new JobError('BAD_VALUE', `attribute ${name} needs a numeric resource; ${target.propertyName} is of type ${target.resource.type}`, { details: { attribute: name } });
    }
    if (value === null) {
      attrs[name] = null;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new JobError('BAD_VALUE', `attribute ${name} must be a number or null, got ${JSON.stringify(value)}`, { details: { attribute: name } });
    if (PERIODS.has(name) && !(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      throw new JobError('BAD_VALUE', `attribute ${name} must be a whole number of seconds ≥ 0, got ${value}`, { details: { attribute: name } });
    }
    if (name === 'st' && value < 0) throw new JobError('BAD_VALUE', `attribute st must be ≥ 0, got ${value}`, { details: { attribute: name } });
    attrs[name] = value;
  }
  if (Object.keys(attrs).length === 0) throw new JobError('INVALID_JOB', `"attributes" must set or unset at least one of ${NAMES.join(', ')}`);
  const { pmin, pmax, gt, lt, st } = attrs;
  if (typeof pmin === 'number' && typeof pmax === 'number' && pmin > pmax) throw new JobError('BAD_VALUE', `pmin (${pmin}) must not exceed pmax (${pmax})`);
  if (typeof lt === 'number' && typeof gt === 'number') {
    if (lt >= gt) throw new JobError('BAD_VALUE', `lt (${lt}) must be less than gt (${gt})`);
    if (typeof st === 'number' && lt + 2 * st >= gt) throw new JobError('BAD_VALUE', `lt + 2·st (${lt + 2 * st}) must be less than gt (${gt})`);
  }
  return attrs;
}
