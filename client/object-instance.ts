import type { LwM2mValue } from '../protocol/lwm2m/node.ts';
import { ClientError } from './errors.ts';
import type { ExecuteArguments } from './execute-arguments.ts';

/**
 * A resource's value as an object instance exposes it: a single value, or resource-instance id → value for a
 * multiple resource (OMA TS Core §7.4). Types follow the object model (see `protocol/lwm2m/node.ts`).
 */
export type ResourceValue = LwM2mValue | ReadonlyMap<number, LwM2mValue>;

/** What an object instance may ask of the client that hosts it. `LwM2mClient` implements it. */
export interface InstanceHost {
  /** A resource value changed: observations covering it are evaluated (OMA TS Core §6.4 / RFC 7641). */
  resourceChanged(instance: ObjectInstance, resourceId: number): void;
  /** Send a Registration Update soon (e.g. Execute /1/x/8, OMA TS Core §6.2.2 / E.2). */
  requestRegistrationUpdate(): void;
  /** Go silent for `silentMs`, then Register again (a simulated reboot). */
  restart(silentMs: number): void;
}

/**
 * One object instance on the device, e.g. `/3/0`. Subclasses keep their own state in plain fields and expose it
 * through `read`, `write` and `execute`; the client checks the operation against the object model before calling
 * them (read on an E-only resource is 4.05 and never reaches `read`). Refuse a value or an operation by throwing
 * `ClientError` (`BAD_REQUEST` → 4.00, `NOT_ALLOWED` → 4.05, `NOT_FOUND` → 4.04).
 */
export abstract class ObjectInstance {
  /** Set by the client when the instance is added; undefined while detached. */
  host: InstanceHost | undefined = undefined;

  constructor(
    readonly objectId: number,
    public instanceId: number,
  ) {}

  /** Ids of the resources present in this instance, ascending. */
  abstract resourceIds(): readonly number[];

  /** The current value of a present resource; `undefined` when the resource is absent (→ 4.04). */
  abstract read(resourceId: number): ResourceValue | undefined;

  /**
   * Writes a whole resource value (a multiple resource receives its complete new instance map: the client merges
   * partial updates and single resource-instance writes before calling). Default: not allowed.
   */
  write(resourceId: number, _value: ResourceValue): void {
    throw new ClientError('NOT_ALLOWED', `/${this.objectId}/${this.instanceId}/${resourceId} is not writable`);
  }

  /** Executes a resource (OMA TS Core 1.1 §6.3, Execute). Default: not allowed. */
  execute(resourceId: number, _args: ExecuteArguments): void | Promise<void> {
    throw new ClientError('NOT_ALLOWED', `/${this.objectId}/${this.instanceId}/${resourceId} is not executable`);
  }

  /** Called when the server deletes the instance. */
  dispose(): void {}

  /** Signals that a resource's value changed, so observations fire. */
  changed(resourceId: number): void {
    this.host?.resourceChanged(this, resourceId);
  }
}

/** Creates an instance for a server-side Create on an object (OMA TS Core 1.1 §6.3, Create). */
export type InstanceFactory = (instanceId: number) => ObjectInstance;
