import { ClientError } from '../../../client/errors.ts';
import type { ExecuteArguments } from '../../../client/execute-arguments.ts';
import { ObjectInstance, type ResourceValue } from '../../../client/object-instance.ts';

const IDS = [0, 1, 2, 3, 6, 7, 8] as const;

/** Defaults of the simulated LwM2M Server object (restored by a factory reset). */
export interface ServerObjectDefaults {
  shortServerId: number;
  /** Seconds (/1/x/1). */
  lifetime: number;
  /** Default pmin / pmax (/1/x/2, /1/x/3), seconds; undefined = resource absent. */
  defaultPmin?: number;
  defaultPmax?: number;
  binding: string;
}

/**
 * Simulated LwM2M Server object instance (object 1, OMA TS Core §E.2). The client watches resources 1 (lifetime),
 * 2/3 (default periods) and 7 (binding); Execute on 8 triggers a Registration Update.
 */
export class ServerObject extends ObjectInstance {
  private lifetime: number;
  private pmin: number | undefined;
  private pmax: number | undefined;
  private storing = true;
  private binding: string;

  constructor(
    instanceId: number,
    private readonly defaults: ServerObjectDefaults,
  ) {
    super(1, instanceId);
    this.lifetime = defaults.lifetime;
    this.pmin = defaults.defaultPmin;
    this.pmax = defaults.defaultPmax;
    this.binding = defaults.binding;
  }

  resourceIds(): readonly number[] {
    return IDS;
  }

  read(resourceId: number): ResourceValue | undefined {
    switch (resourceId) {
      case 0: return this.defaults.shortServerId;
      case 1: return this.lifetime;
      case 2: return this.pmin ?? 0;
      case 3: return this.pmax ?? 0;
      case 6: return this.storing;
      case 7: return this.binding;
      default: return undefined;
    }
  }

  override write(resourceId: number, value: ResourceValue): void {
    switch (resourceId) {
      case 1: this.lifetime = positiveInt(value, 'lifetime', 1); break;
      case 2: this.pmin = positiveInt(value, 'default minimum period', 0); break;
      case 3: this.pmax = positiveInt(value, 'default maximum period', 0); break;
      case 6:
        if (typeof value !== 'boolean') throw new ClientError('BAD_REQUEST', 'notification storing must be a boolean');
        this.storing = value;
        break;
      case 7:
        if (typeof value !== 'string' || !/^[UTSN]+Q?$|^UQS?$|^SQ$/.test(value)) throw new ClientError('BAD_REQUEST', `binding "${String(value)}" is invalid`);
        this.binding = value;
        break;
      default: return super.write(resourceId, value);
    }
    this.changed(resourceId);
  }

  override execute(resourceId: number, args: ExecuteArguments): void | Promise<void> {
    if (resourceId !== 8) return super.execute(resourceId, args);
    this.host?.requestRegistrationUpdate();
  }

  /** Restores the defaults (factory reset). */
  reset(): void {
    const before = [this.lifetime, this.pmin, this.pmax, this.binding];
    this.lifetime = this.defaults.lifetime;
    this.pmin = this.defaults.defaultPmin;
    this.pmax = this.defaults.defaultPmax;
    this.binding = this.defaults.binding;
    this.storing = true;
    const after = [this.lifetime, this.pmin, this.pmax, this.binding];
    [1, 2, 3, 7].forEach((rid, i) => before[i] !== after[i] && this.changed(rid));
  }
}

function positiveInt(value: ResourceValue, what: string, min: number): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ClientError('BAD_REQUEST', `${what} must be an integer ≥ ${min}`);
  return n;
}
