import { isObjectModelError } from '../../objects/errors.ts';
import type { NamedModelLookup, PropertyNames, ResolvedProperty } from '../../objects/property-names.ts';
import { JobError } from '../job-error.ts';

/** What a job does with a property; decides which resources qualify. */
export type PropertyUse = 'read' | 'observe' | 'attributes' | 'write' | 'execute';

const TWIN_SECTION = /^properties\.(reported|desired)\./;
const NUMERIC = /^\d+$/;

/**
 * Resolves the property a device job targets (docs/twin-model.md) and refuses, before any job exists, what cannot be done
 * on a device:
 * - tags (`tags.x`) and service properties (a name whose first segment is no known object: it lives only in the
 *   twin) → `SERVICE_PROPERTY`; a `properties.reported.` / `properties.desired.` prefix is accepted and dropped;
 * - a name or path reaching no resource of a known object (`device.noSuch`, `/3/0/99`) → `UNKNOWN_PROPERTY`;
 *   malformed input → `INVALID_PROPERTY`;
 * - read / observe / attributes: the resource must be readable (`NOT_READABLE`); objects and instances qualify, as
 *   do paths of objects with no model (the device decides);
 * - write: one known resource or resource instance with W (`READ_ONLY` for R, `NOT_WRITABLE` for E or a wider path);
 * - execute: one known resource with E (`NOT_EXECUTABLE`).
 */
export function resolveDeviceProperty(names: PropertyNames, models: NamedModelLookup, input: unknown, use: PropertyUse): ResolvedProperty {
  if (typeof input !== 'string' || input.trim() === '') throw new JobError('INVALID_JOB', '"property" must be a twin property name (device.batteryLevel) or an LwM2M path (/3/0/9)');
  const given = input.trim();
  if (given === 'tags' || given.startsWith('tags.')) {
    throw new JobError('SERVICE_PROPERTY', `"${given}" is a tag: tags live only in the twin and cannot be read from or written to a device`, { details: { property: given } });
  }
  const name = given.replace(TWIN_SECTION, '');
  if (name.startsWith('properties.') || name === 'properties') {
    throw new JobError('INVALID_PROPERTY', `"${given}": use properties.reported.<name>, properties.desired.<name>, <name> or an LwM2M path`, { details: { property: given } });
  }
  let resolved: ResolvedProperty;
  try {
    resolved = names.resolveProperty(name);
  } catch (err) {
    if (isObjectModelError(err, 'UNKNOWN_PROPERTY')) {
      const first = name.split('.')[0];
      if (!name.includes('/') && !NUMERIC.test(first) && !models.objectByName(first)) {
        throw new JobError('SERVICE_PROPERTY', `"${given}" maps to no device resource: it is a service property that lives only in the twin`, { details: { property: given }, cause: err });
      }
      throw new JobError('UNKNOWN_PROPERTY', err.message, { details: { property: given }, cause: err });
    }
    if (isObjectModelError(err, 'INVALID_PROPERTY')) throw new JobError('INVALID_PROPERTY', err.message, { details: { property: given }, cause: err });
    throw err;
  }
  checkUse(resolved, given, use);
  return resolved;
}

function checkUse(p: ResolvedProperty, given: string, use: PropertyUse): void {
  const { path, object, resource } = p;
  const details = { property: given, path: path.toString() };
  const reachesResource = path.resourceId !== undefined;
  if (object && reachesResource && !resource) {
    throw new JobError('UNKNOWN_PROPERTY', `${describe(p, given)}: object ${object.id} (${object.name}) has no resource ${path.resourceId}`, { details });
  }
  if (resource && path.isResourceInstance() && !resource.multiple) {
    throw new JobError('INVALID_PROPERTY', `${describe(p, given)}: resource ${resource.name} is single-instance, it has no resource instances`, { details });
  }
  switch (use) {
    case 'read':
    case 'observe':
    case 'attributes':
      if (resource && !resource.operations.includes('R')) {
        throw new JobError('NOT_READABLE', `${describe(p, given)} is ${operationText(resource.operations)}: it cannot be read or observed`, { details });
      }
      return;
    case 'write':
      if (!reachesResource) throw new JobError('NOT_WRITABLE', `${describe(p, given)} is not one resource: a deep write targets one resource`, { details });
      if (!resource) throw new JobError('UNKNOWN_PROPERTY', `${describe(p, given)} has no model, so its value cannot be checked: refusing to write it`, { details });
      if (resource.operations === 'R') throw new JobError('READ_ONLY', `${describe(p, given)} is read-only`, { details });
      if (!resource.operations.includes('W')) throw new JobError('NOT_WRITABLE', `${describe(p, given)} is ${operationText(resource.operations)}: it cannot be written`, { details });
      return;
    case 'execute':
      if (!path.isResource()) throw new JobError('NOT_EXECUTABLE', `${describe(p, given)} is not one resource: execute targets an executable resource such as /3/0/4`, { details });
      if (!resource) throw new JobError('UNKNOWN_PROPERTY', `${describe(p, given)} has no model: refusing to execute an unknown resource`, { details });
      if (resource.operations !== 'E') throw new JobError('NOT_EXECUTABLE', `${describe(p, given)} is ${operationText(resource.operations)}, not executable`, { details });
      return;
  }
}

function describe(p: ResolvedProperty, given: string): string {
  return given === p.path.toString() ? `${given} (${p.propertyName})` : `${given} (${p.path.toString()})`;
}

function operationText(ops: string): string {
  switch (ops) {
    case 'R':
      return 'read-only';
    case 'W':
      return 'write-only';
    case 'RW':
      return 'read-write';
    case 'E':
      return 'executable';
    default:
      return 'not accessible (no operations)';
  }
}
