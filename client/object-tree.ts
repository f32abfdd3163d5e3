import type { InstanceFactory, InstanceHost, ObjectInstance } from './object-instance.ts';

/**
 * The objects and instances one client exposes, kept in one array sorted by (object, instance) — a device has a
 * handful, and an array is far smaller than nested maps when 100,000 devices share a process.
 */
export class ObjectTree {
  private readonly list: ObjectInstance[] = [];
  /** Objects supported without instances (listed as `</O>` at registration). */
  private emptyObjects: number[] | undefined;
  private factories: Map<number, InstanceFactory> | undefined;

  constructor(private readonly host: InstanceHost) {}

  /** Adds (or replaces) an instance and attaches it to the host. */
  add(instance: ObjectInstance): void {
    const at = this.indexOf(instance.objectId, instance.instanceId);
    instance.host = this.host;
    if (at >= 0) {
      this.list[at].host = undefined;
      this.list[at] = instance;
      return;
    }
    let i = this.list.length;
    while (i > 0 && compare(this.list[i - 1], instance.objectId, instance.instanceId) > 0) i--;
    this.list.splice(i, 0, instance);
  }

  /** Removes an instance; returns it, or undefined when absent. */
  remove(objectId: number, instanceId: number): ObjectInstance | undefined {
    const at = this.indexOf(objectId, instanceId);
    if (at < 0) return undefined;
    const [removed] = this.list.splice(at, 1);
    removed.host = undefined;
    return removed;
  }

  get(objectId: number, instanceId: number): ObjectInstance | undefined {
    const at = this.indexOf(objectId, instanceId);
    return at < 0 ? undefined : this.list[at];
  }

  /** Instances of one object, ascending by id. */
  instances(objectId: number): ObjectInstance[] {
    return this.list.filter((x) => x.objectId === objectId);
  }

  /** Every instance, sorted by (object, instance). */
  all(): readonly ObjectInstance[] {
    return this.list;
  }

  /** Declares an object as supported even with no instance, optionally creatable by the server. */
  supportObject(objectId: number, factory?: InstanceFactory): void {
    this.emptyObjects ??= [];
    if (!this.emptyObjects.includes(objectId)) this.emptyObjects.push(objectId);
    if (factory) (this.factories ??= new Map()).set(objectId, factory);
  }

  factory(objectId: number): InstanceFactory | undefined {
    return this.factories?.get(objectId);
  }

  /** True when the object is supported (has instances or was declared). */
  hasObject(objectId: number): boolean {
    return this.list.some((x) => x.objectId === objectId) || (this.emptyObjects?.includes(objectId) ?? false);
  }

  /** Every supported object id, ascending. */
  objectIds(): number[] {
    const ids = new Set<number>(this.emptyObjects);
    for (const x of this.list) ids.add(x.objectId);
    return [...ids].sort((a, b) => a - b);
  }

  /** Lowest free instance id of an object. */
  freeInstanceId(objectId: number): number {
    const used = new Set(this.instances(objectId).map((x) => x.instanceId));
    let id = 0;
    while (used.has(id)) id++;
    return id;
  }

  private indexOf(objectId: number, instanceId: number): number {
    for (let i = 0; i < this.list.length; i++) {
      const x = this.list[i];
      if (x.objectId === objectId && x.instanceId === instanceId) return i;
    }
    return -1;
  }
}

function compare(x: ObjectInstance, objectId: number, instanceId: number): number {
  return x.objectId - objectId || x.instanceId - instanceId;
}
