import { ClientError } from '../../../client/errors.ts';
import type { ExecuteArguments } from '../../../client/execute-arguments.ts';
import { ObjectInstance, type ResourceValue } from '../../../client/object-instance.ts';
import type { Prng } from '../prng.ts';

const IDS = [5601, 5602, 5603, 5604, 5605, 5700, 5701, 5750] as const;

/**
 * Simulated IPSO Temperature object instance `/3303/i`: the sensor value wanders (±0.5 °C per step, one decimal,
 * pulled back towards a seeded base) within the range −40..85 °C; min/max measured follow it; Execute 5605 resets them.
 */
export class TemperatureObject extends ObjectInstance {
  private readonly base: number;
  private value: number;
  private min: number;
  private max: number;
  private applicationType = 'ambient';

  constructor(instanceId: number, prng: Prng) {
    super(3303, instanceId);
    this.base = this.value = round1(prng.range(15, 25));
    this.min = this.value;
    this.max = this.value;
  }

  resourceIds(): readonly number[] {
    return IDS;
  }

  read(resourceId: number): ResourceValue | undefined {
    switch (resourceId) {
      case 5700: return this.value;
      case 5601: return this.min;
      case 5602: return this.max;
      case 5603: return -40;
      case 5604: return 85;
      case 5701: return 'Cel';
      case 5750: return this.applicationType;
      default: return undefined;
    }
  }

  override write(resourceId: number, value: ResourceValue): void {
    if (resourceId !== 5750) return super.write(resourceId, value);
    if (typeof value !== 'string') throw new ClientError('BAD_REQUEST', 'application type must be a string');
    this.applicationType = value;
    this.changed(5750);
  }

  override execute(resourceId: number, args: ExecuteArguments): void | Promise<void> {
    if (resourceId !== 5605) return super.execute(resourceId, args);
    this.min = this.value;
    this.max = this.value;
    this.changed(5601);
    this.changed(5602);
  }

  /** Restores the writable resources (factory reset). */
  reset(): void {
    if (this.applicationType !== 'ambient') {
      this.applicationType = 'ambient';
      this.changed(5750);
    }
  }

  /** One physics step. */
  step(prng: Prng): void {
    const next = round1(Math.max(-40, Math.min(85, this.value + (prng.next() - 0.5) - (this.value - this.base) * 0.05)));
    if (next === this.value) return;
    this.value = next;
    this.changed(5700);
    if (next < this.min) {
      this.min = next;
      this.changed(5601);
    }
    if (next > this.max) {
      this.max = next;
      this.changed(5602);
    }
  }

  /** Current sensor value, for tests. */
  get sensorValue(): number {
    return this.value;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
