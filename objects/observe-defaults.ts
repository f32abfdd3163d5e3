import type { ModelLookup, ResourceModel } from '../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../protocol/lwm2m/path.ts';

/** Objects whose readable resources are observed by default (docs/twin-model.md#observation-defaults): Device, Connectivity Monitoring, Firmware Update, Location. */
export const DEFAULT_OBSERVED_OBJECT_IDS: readonly number[] = Object.freeze([3, 4, 5, 6]);

/** The resources to observe on one object instance. */
export interface ObserveTargetGroup {
  /** The object instance, e.g. `/3/0`. */
  readonly instance: LwM2mPath;
  /** Its readable resources, ascending by id, e.g. `/3/0/0`, `/3/0/1`, …, `/3/0/22`. */
  readonly resources: readonly LwM2mPath[];
}

/** True for resources a server may Read and Observe: DDF operations R or RW (OMA TS Core, "Object Template"). */
export function isReadable(resource: ResourceModel): boolean {
  return resource.operations === 'R' || resource.operations === 'RW';
}

export interface ObserveTargetOptions {
  /** @defaultValue {@link DEFAULT_OBSERVED_OBJECT_IDS} */
  readonly objectIds?: readonly number[];
  /**
   * The object instances the device registered (`/3/0`, `/3303/1`, …). When given, one group is returned per
   * registered instance of the listed objects; entries without an instance id (`/6`) are ignored.
   * @defaultValue instance 0 of each listed object
   */
  readonly instances?: Iterable<LwM2mPath>;
}

/**
 * The default observation targets: the readable resources of the listed objects, grouped per object instance,
 * in the order of `objectIds` then instance id. Objects with no known model or no readable resource give no group.
 */
export function defaultObserveTargets(models: ModelLookup, options: ObserveTargetOptions = {}): ObserveTargetGroup[] {
  const objectIds = options.objectIds ?? DEFAULT_OBSERVED_OBJECT_IDS;
  const instancesOf = new Map<number, number[]>();
  if (options.instances) {
    for (const path of options.instances) {
      if (path.objectId === undefined || path.objectInstanceId === undefined) continue;
      const list = instancesOf.get(path.objectId) ?? [];
      if (!list.includes(path.objectInstanceId)) list.push(path.objectInstanceId);
      instancesOf.set(path.objectId, list);
    }
  }
  const groups: ObserveTargetGroup[] = [];
  for (const objectId of objectIds) {
    const object = models.object(objectId);
    if (!object) continue;
    const readable = [...object.resources.values()].filter(isReadable).sort((a, b) => a.id - b.id);
    if (readable.length === 0) continue;
    const instanceIds = options.instances ? [...(instancesOf.get(objectId) ?? [])].sort((a, b) => a - b) : [0];
    for (const instanceId of instanceIds) {
      const instance = new LwM2mPath(objectId, instanceId);
      groups.push({ instance, resources: readable.map((r) => instance.child(r.id)) });
    }
  }
  return groups;
}
