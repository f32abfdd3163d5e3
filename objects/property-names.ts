import type { ModelLookup, ObjectModel, ResourceModel } from '../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { isProtocolError } from '../protocol/errors.ts';
import { ObjectModelError } from './errors.ts';

/** What property naming needs from the registry (`ObjectRegistry` implements it). */
export interface NamedModelLookup extends ModelLookup {
  objectByName(name: string): ObjectModel | undefined;
}

/** A property resolved against the object model. */
export interface ResolvedProperty {
  readonly path: LwM2mPath;
  /** Canonical dotted twin name (`device.batteryLevel`), whichever form was given. */
  readonly propertyName: string;
  /** The object's default model, when the object is known. */
  readonly object?: ObjectModel;
  /** The resource's model, when the path reaches a known resource. */
  readonly resource?: ResourceModel;
}

const MAX_ID = 65535;
const NUMERIC = /^\d+$/;

/**
 * THE mapping between LwM2M paths and twin property names (docs/twin-model.md#property-names). Nothing else in lwtwin builds property names.
 *
 * - Known objects and resources use their model names: `/3/0/9` <-> `device.batteryLevel`.
 * - Single-instance objects omit the instance level and map to instance 0: `device.timezone` -> `/3/0/15`.
 * - Multi-instance objects keep the instance id as a key: `/3303/0/5700` <-> `temperature.0.sensorValue`.
 * - Resource instances are keys under the resource: `/3/0/6/1` <-> `device.availablePowerSources.1`.
 * - An unknown resource of a known object keeps its numeric id: `/3/0/99` <-> `device.99`.
 * - An unknown object keeps numeric ids throughout: `/31024/10/1` <-> `31024.10.1`. The all-numeric form is accepted
 *   for known objects too (`3.0.9` -> `/3/0/9`), and is what a path that breaks its model maps to (instance 1 of a
 *   single-instance object: `/3/1/9` <-> `3.1.9`).
 */
export class PropertyNames {
  private readonly resourceNames = new WeakMap<ObjectModel, Map<string, ResourceModel>>();

  constructor(private readonly models: NamedModelLookup) {}

  /** Property segments for `path`; the root path gives `[]`. */
  pathToProperty(path: LwM2mPath): string[] {
    const ids = path.ids();
    if (ids.length === 0) return [];
    const [objectId, instanceId, resourceId, resourceInstanceId] = ids;
    const object = this.models.object(objectId);
    if (!object || (!object.multiple && instanceId !== undefined && instanceId !== 0)) return ids.map(String);
    const segments = [object.name];
    if (object.multiple && instanceId !== undefined) segments.push(String(instanceId));
    if (resourceId !== undefined) segments.push(object.resources.get(resourceId)?.name ?? String(resourceId));
    if (resourceInstanceId !== undefined) segments.push(String(resourceInstanceId));
    return segments;
  }

  /**
   * The LwM2M path of a dotted property name (`device.batteryLevel`, `temperature.0.sensorValue`, `31024.10.1`) or of
   * an LwM2M path text (`/3/0/9`). Throws `UNKNOWN_PROPERTY` naming the segment that does not resolve, or
   * `INVALID_PROPERTY` for malformed input.
   */
  propertyToPath(nameOrPath: string): LwM2mPath {
    if (typeof nameOrPath !== 'string') throw new ObjectModelError('INVALID_PROPERTY', 'a property name must be a string');
    const input = nameOrPath.trim();
    if (input === '' || input === '/') throw new ObjectModelError('INVALID_PROPERTY', `"${nameOrPath}" names no property`);
    if (input.includes('/')) return parsePath(input);

    const segments = input.split('.');
    const empty = segments.indexOf('');
    if (empty >= 0) throw new ObjectModelError('INVALID_PROPERTY', `property "${input}" has an empty segment at position ${empty + 1}`);
    if (NUMERIC.test(segments[0])) return numericPath(input, segments);

    const object = this.models.objectByName(segments[0]);
    if (!object) throw unknown(input, segments[0], 'is not the name of a known object');
    const rest = segments.slice(1);
    const ids = [object.id];
    if (object.multiple) {
      const instance = rest.shift();
      if (instance !== undefined) ids.push(idOf(input, instance, `is not an instance id of multi-instance object "${object.name}"`));
    } else {
      ids.push(0);
    }
    const resource = rest.shift();
    if (resource !== undefined) ids.push(this.resourceIdOf(input, object, resource));
    const resourceInstance = rest.shift();
    if (resourceInstance !== undefined) ids.push(idOf(input, resourceInstance, 'is not a resource instance id'));
    if (rest.length > 0) throw new ObjectModelError('INVALID_PROPERTY', `property "${input}" goes deeper than a resource instance ("${rest.join('.')}")`);
    return new LwM2mPath(...ids);
  }

  /** `propertyToPath` plus the canonical name and the models the path reaches. */
  resolveProperty(nameOrPath: string): ResolvedProperty {
    const path = this.propertyToPath(nameOrPath);
    const propertyName = this.pathToProperty(path).join('.');
    const object = path.objectId === undefined ? undefined : this.models.object(path.objectId);
    const resource = object && path.resourceId !== undefined ? object.resources.get(path.resourceId) : undefined;
    return { path, propertyName, ...(object ? { object } : {}), ...(resource ? { resource } : {}) };
  }

  private resourceIdOf(input: string, object: ObjectModel, segment: string): number {
    if (NUMERIC.test(segment)) return idOf(input, segment, 'is not a resource id');
    let byName = this.resourceNames.get(object);
    if (!byName) {
      byName = new Map([...object.resources.values()].map((r) => [r.name, r]));
      this.resourceNames.set(object, byName);
    }
    const resource = byName.get(segment);
    if (!resource) throw unknown(input, segment, `is not a resource of object "${object.name}" (${object.id})`);
    return resource.id;
  }
}

function parsePath(input: string): LwM2mPath {
  try {
    const path = LwM2mPath.parse(input);
    if (path.isRoot()) throw new ObjectModelError('INVALID_PROPERTY', `"${input}" names no property`);
    return path;
  } catch (err) {
    if (isProtocolError(err)) throw new ObjectModelError('INVALID_PROPERTY', err.message, { cause: err });
    throw err;
  }
}

function numericPath(input: string, segments: string[]): LwM2mPath {
  if (segments.length > 4) throw new ObjectModelError('INVALID_PROPERTY', `property "${input}" has more than 4 levels`);
  return new LwM2mPath(...segments.map((s) => idOf(input, s, 'is not a numeric id (a property starting with an object id uses ids only)')));
}

function idOf(input: string, segment: string, problem: string): number {
  if (!NUMERIC.test(segment)) throw unknown(input, segment, problem);
  const id = Number(segment);
  if (segment.length > 5 || id > MAX_ID) throw new ObjectModelError('INVALID_PROPERTY', `property "${input}": id "${segment}" is not in 0..${MAX_ID}`);
  return id;
}

function unknown(input: string, segment: string, problem: string): ObjectModelError {
  return new ObjectModelError('UNKNOWN_PROPERTY', `property "${input}": "${segment}" ${problem}`);
}
