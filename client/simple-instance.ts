import type { LwM2mValue } from '../protocol/lwm2m/node.ts';
import { ClientError } from './errors.ts';
import type { ExecuteArguments } from './execute-arguments.ts';
import { ObjectInstance, type ResourceValue } from './object-instance.ts';

/** How one resource of a `SimpleInstance` behaves. */
export interface ResourceSpec {
  /** Initial value (a Map for a multiple resource). */
  value?: ResourceValue;
  /** Computes the value on each read instead of the stored one. */
  read?: () => ResourceValue | undefined;
  /** Custom write; throw `ClientError('BAD_REQUEST')` to refuse a value. Default: store it. */
  write?: (value: ResourceValue) => void;
  /** Executable resource. */
  execute?: (args: ExecuteArguments) => void | Promise<void>;
  /** Default true; the object model is checked first in any case. */
  writable?: boolean;
}

function isSpec(x: unknown): x is ResourceSpec {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

/**
 * A declarative object instance for tests and small custom objects:
 * `new SimpleInstance(3303, 0, { 5700: 21.5, 5701: 'Cel', 5605: { execute: () => ... } })`.
 */
export class SimpleInstance extends ObjectInstance {
  private readonly specs = new Map<number, ResourceSpec>();
  private readonly values = new Map<number, ResourceValue>();
  private ids: number[];

  constructor(objectId: number, instanceId: number, resources: Record<number, ResourceValue | ResourceSpec>) {
    super(objectId, instanceId);
    for (const [key, def] of Object.entries(resources)) {
      const id = Number(key);
      const spec: ResourceSpec = isSpec(def) ? def : { value: def as ResourceValue };
      this.specs.set(id, spec);
      if (spec.value !== undefined) this.values.set(id, spec.value);
    }
    this.ids = [...this.specs.keys()].sort((a, b) => a - b);
  }

  resourceIds(): readonly number[] {
    return this.ids;
  }

  read(resourceId: number): ResourceValue | undefined {
    const spec = this.specs.get(resourceId);
    if (!spec) return undefined;
    if (spec.read) return spec.read();
    return this.values.get(resourceId);
  }

  /** The stored value (not computed by `read`). */
  get(resourceId: number): ResourceValue | undefined {
    return this.values.get(resourceId);
  }

  /** Sets a value from the device side and signals the change. */
  set(resourceId: number, value: ResourceValue | LwM2mValue): void {
    if (!this.specs.has(resourceId)) {
      this.specs.set(resourceId, {});
      this.ids = [...this.specs.keys()].sort((a, b) => a - b);
    }
    this.values.set(resourceId, value);
    this.changed(resourceId);
  }

  override write(resourceId: number, value: ResourceValue): void {
    const spec = this.specs.get(resourceId);
    if (!spec) throw new ClientError('NOT_FOUND', `/${this.objectId}/${this.instanceId}/${resourceId} does not exist`);
    if (spec.writable === false || spec.execute) return super.write(resourceId, value);
    if (spec.write) spec.write(value);
    else this.values.set(resourceId, value);
    this.changed(resourceId);
  }

  override execute(resourceId: number, args: ExecuteArguments): void | Promise<void> {
    const spec = this.specs.get(resourceId);
    if (!spec) throw new ClientError('NOT_FOUND', `/${this.objectId}/${this.instanceId}/${resourceId} does not exist`);
    if (!spec.execute) return super.execute(resourceId, args);
    return spec.execute(args);
  }
}
