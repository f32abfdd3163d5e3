import { ClientError } from '../../../client/errors.ts';
import type { ExecuteArguments } from '../../../client/execute-arguments.ts';
import { ObjectInstance, type ResourceValue } from '../../../client/object-instance.ts';
import type { Prng } from '../prng.ts';

const IDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21] as const;
const MODELS = ['lwtwin-sense-1', 'lwtwin-sense-2', 'lwtwin-track-1', 'lwtwin-meter-3'] as const;
const MEMORY_TOTAL_KB = [256, 512, 1024] as const;

/** Battery Status values (/3/0/20). */
const BATTERY = { NORMAL: 0, CHARGING: 1, CHARGED: 2, LOW: 4 } as const;

/** What the device object asks of the simulated device for its executable resources. */
export interface DeviceControl {
  /** Execute /3/0/4: go silent briefly, then Register again. */
  reboot(): void;
  /** Execute /3/0/5: restore every writable resource of every object to its default. */
  factoryReset(): void;
}

/**
 * Simulated Device object instance `/3/0` (OMA TS Core §E.4). Identity comes from the seed; battery drains about 1 %
 * per step and recharges from 5 %, free memory wanders; UTC offset, timezone and current time are writable.
 */
export class DeviceObject extends ObjectInstance {
  readonly model: string;
  readonly serial: string;
  firmwareVersion = '1.0.0';
  private readonly memoryTotal: number;
  private battery: number;
  private batteryStatus: number = BATTERY.NORMAL;
  private memoryFree: number;
  private errorCode = 0;
  /** Offset added to the host clock by a write of Current Time (/3/0/13), ms. */
  private clockOffsetMs = 0;
  private utcOffset = '+00:00';
  private timezone = 'Etc/UTC';

  constructor(
    prng: Prng,
    private readonly control: DeviceControl,
    private readonly supportedBinding: string,
  ) {
    super(3, 0);
    this.model = prng.pick(MODELS);
    this.serial = `LWT${prng.int(0, 0xffffff).toString(16).toUpperCase().padStart(6, '0')}${prng.int(0, 0xffff).toString(16).toUpperCase().padStart(4, '0')}`;
    this.memoryTotal = prng.pick(MEMORY_TOTAL_KB);
    this.battery = prng.int(40, 100);
    this.memoryFree = Math.round(this.memoryTotal * prng.range(0.4, 0.8));
  }

  resourceIds(): readonly number[] {
    return IDS;
  }

  read(resourceId: number): ResourceValue | undefined {
    switch (resourceId) {
      case 0: return 'lwtwin';
      case 1: return this.model;
      case 2: return this.serial;
      case 3: return this.firmwareVersion;
      case 6: return new Map([[0, 1], [1, 5]]); // internal battery, USB
      case 7: return new Map([[0, 3000 + this.battery * 12], [1, 5000]]);
      case 8: return new Map([[0, this.batteryStatus === BATTERY.CHARGING ? -450 : 120], [1, this.batteryStatus === BATTERY.CHARGING ? 500 : 0]]);
      case 9: return this.battery;
      case 10: return this.memoryFree;
      case 11: return new Map([[0, this.errorCode]]);
      case 13: return new Date(Math.floor((Date.now() + this.clockOffsetMs) / 1000) * 1000);
      case 14: return this.utcOffset;
      case 15: return this.timezone;
      case 16: return this.supportedBinding;
      case 17: return 'sensor';
      case 18: return 'hw-1.0';
      case 19: return 'lwtwin-sim 1.0';
      case 20: return this.batteryStatus;
      case 21: return this.memoryTotal;
      default: return undefined;
    }
  }

  override write(resourceId: number, value: ResourceValue): void {
    switch (resourceId) {
      case 13:
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new ClientError('BAD_REQUEST', 'current time must be a time');
        this.clockOffsetMs = value.getTime() - Date.now();
        break;
      case 14:
        if (typeof value !== 'string' || !/^(Z|[+-]\d{2}(:?\d{2})?)$/.test(value)) throw new ClientError('BAD_REQUEST', `UTC offset "${String(value)}" is not ISO 8601 (e.g. +02:00)`);
        this.utcOffset = value;
        break;
      case 15:
        if (typeof value !== 'string' || value.length === 0 || value.length > 64) throw new ClientError('BAD_REQUEST', 'timezone must be an IANA name');
        this.timezone = value;
        break;
      default:
        return super.write(resourceId, value);
    }
    this.changed(resourceId);
  }

  override execute(resourceId: number, args: ExecuteArguments): void | Promise<void> {
    switch (resourceId) {
      case 4: return this.control.reboot();
      case 5: return this.control.factoryReset();
      case 12:
        if (this.errorCode !== 0) {
          this.errorCode = 0;
          this.changed(11);
        }
        return;
      default:
        return super.execute(resourceId, args);
    }
  }

  /** Restores the writable resources (factory reset). */
  reset(): void {
    this.clockOffsetMs = 0;
    if (this.utcOffset !== '+00:00') {
      this.utcOffset = '+00:00';
      this.changed(14);
    }
    if (this.timezone !== 'Etc/UTC') {
      this.timezone = 'Etc/UTC';
      this.changed(15);
    }
  }

  /** One physics step: battery drain/recharge and memory wander, consuming the PRNG in a fixed order. */
  step(prng: Prng): void {
    const r1 = prng.next();
    const r2 = prng.next();
    const oldBattery = this.battery;
    const oldStatus = this.batteryStatus;
    const oldError = this.errorCode;
    if (this.batteryStatus === BATTERY.CHARGING) {
      this.battery = Math.min(100, this.battery + 5);
      if (this.battery === 100) this.batteryStatus = BATTERY.CHARGED;
    } else {
      // ~1 % per step: usually 1, sometimes 0 or 2.
      this.battery = Math.max(0, this.battery - (r1 < 0.15 ? 0 : r1 > 0.85 ? 2 : 1));
      if (this.battery <= 5) this.batteryStatus = BATTERY.CHARGING;
      else this.batteryStatus = this.battery <= 15 ? BATTERY.LOW : BATTERY.NORMAL;
    }
    this.errorCode = this.batteryStatus === BATTERY.LOW ? 1 : 0; // 1 = low battery power
    const lo = Math.round(this.memoryTotal * 0.2);
    const hi = Math.round(this.memoryTotal * 0.9);
    const oldMemory = this.memoryFree;
    this.memoryFree = Math.min(hi, Math.max(lo, this.memoryFree + Math.round((r2 - 0.5) * this.memoryTotal * 0.04)));
    if (this.battery !== oldBattery) {
      this.changed(9);
      this.changed(7);
    }
    if (this.batteryStatus !== oldStatus) {
      this.changed(20);
      this.changed(8);
    }
    if (this.errorCode !== oldError) this.changed(11);
    if (this.memoryFree !== oldMemory) this.changed(10);
  }

  /** Sets the firmware version after a successful update (/3/0/3). */
  setFirmwareVersion(version: string): void {
    if (version === this.firmwareVersion) return;
    this.firmwareVersion = version;
    this.changed(3);
  }

  /** Battery level for tests and stats. */
  get batteryLevel(): number {
    return this.battery;
  }
}
