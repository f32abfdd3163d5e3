import { ObjectInstance, type ResourceValue } from '../../../client/object-instance.ts';
import type { Prng } from '../prng.ts';

/** Network bearers a simulated device may use (/4/0/0): LTE-FDD, NB-IoT, WLAN, Ethernet. */
export const BEARERS = [6, 7, 21, 41] as const;

const CELLULAR_IDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;
const LAN_IDS = [0, 1, 2, 3, 4, 5, 6] as const;

/**
 * Simulated Connectivity Monitoring object `/4/0` (OMA TS Core §E.5). The bearer is chosen from the seed; signal
 * strength and link utilization wander each step. Cellular bearers also expose APN, cell id, SMNC, SMCC and LAC.
 */
export class ConnectivityObject extends ObjectInstance {
  readonly bearer: number;
  private signal: number;
  private utilization: number;
  private readonly ip: string;
  private readonly cellId: number;
  private readonly lac: number;

  constructor(prng: Prng) {
    super(4, 0);
    this.bearer = prng.pick(BEARERS);
    this.signal = this.cellular ? prng.int(-110, -70) : this.bearer === 21 ? prng.int(-75, -45) : -30;
    this.utilization = prng.int(1, 30);
    this.ip = `10.${prng.int(0, 255)}.${prng.int(0, 255)}.${prng.int(2, 254)}`;
    this.cellId = prng.int(1, 268435455);
    this.lac = prng.int(1, 65533);
  }

  private get cellular(): boolean {
    return this.bearer <= 20;
  }

  resourceIds(): readonly number[] {
    return this.cellular ? CELLULAR_IDS : LAN_IDS;
  }

  read(resourceId: number): ResourceValue | undefined {
    switch (resourceId) {
      case 0: return this.bearer;
      case 1: return new Map([[0, this.bearer]]);
      case 2: return this.signal;
      case 3: return Math.max(0, Math.min(255, Math.round((this.signal + 120) * 2.5)));
      case 4: return new Map([[0, this.ip]]);
      case 5: return new Map([[0, this.ip.replace(/\.\d+$/, '.1')]]);
      case 6: return this.utilization;
    }
    if (!this.cellular) return undefined;
    switch (resourceId) {
      case 7: return new Map([[0, 'iot.lwtwin']]);
      case 8: return this.cellId;
      case 9: return 1;
      case 10: return 1;
      case 11: return Math.round((this.signal + 120) / 4);
      case 12: return this.lac;
      default: return undefined;
    }
  }

  /** One physics step: signal strength ±3 dB within the bearer's range, utilization ±5 %. */
  step(prng: Prng): void {
    const r1 = prng.next();
    const r2 = prng.next();
    if (this.bearer !== 41) {
      const [lo, hi] = this.cellular ? [-120, -60] : [-90, -30];
      const next = Math.min(hi, Math.max(lo, this.signal + Math.round((r1 - 0.5) * 6)));
      if (next !== this.signal) {
        this.signal = next;
        this.changed(2);
        this.changed(3);
        if (this.cellular) this.changed(11);
      }
    }
    const util = Math.min(100, Math.max(0, this.utilization + Math.round((r2 - 0.5) * 10)));
    if (util !== this.utilization) {
      this.utilization = util;
      this.changed(6);
    }
  }

  /** Current signal strength (dBm), for tests. */
  get signalStrength(): number {
    return this.signal;
  }
}
