import { ObjectInstance, type ResourceValue } from '../../../client/object-instance.ts';
import type { Prng } from '../prng.ts';

const IDS = [0, 1, 2, 3, 5, 6] as const;

/**
 * Simulated Location object `/6/0` (OMA TS Core §E.7): a point chosen from the seed around which the device drifts
 * slowly (a few metres per step), with altitude, accuracy radius, timestamp of the last fix and speed.
 */
export class LocationObject extends ObjectInstance {
  private readonly baseLat: number;
  private readonly baseLon: number;
  private lat: number;
  private lon: number;
  private altitude: number;
  private speed = 0;
  private fixAt: number;

  constructor(prng: Prng) {
    super(6, 0);
    this.baseLat = this.lat = round6(prng.range(-55, 65));
    this.baseLon = this.lon = round6(prng.range(-170, 170));
    this.altitude = Math.round(prng.range(0, 800));
    this.fixAt = Math.floor(Date.now() / 1000) * 1000;
  }

  resourceIds(): readonly number[] {
    return IDS;
  }

  read(resourceId: number): ResourceValue | undefined {
    switch (resourceId) {
      case 0: return this.lat;
      case 1: return this.lon;
      case 2: return this.altitude;
      case 3: return 10;
      case 5: return new Date(this.fixAt);
      case 6: return this.speed;
      default: return undefined;
    }
  }

  /** One physics step: move up to ~5 m in each axis, pulled back towards the seeded point (stays within ~100 m). */
  step(prng: Prng): void {
    const dLat = (prng.next() - 0.5) * 0.0001 - (this.lat - this.baseLat) * 0.05;
    const dLon = (prng.next() - 0.5) * 0.0001 - (this.lon - this.baseLon) * 0.05;
    this.lat = round6(Math.max(-90, Math.min(90, this.lat + dLat)));
    this.lon = round6(Math.max(-180, Math.min(180, this.lon + dLon)));
    this.speed = Math.round(Math.hypot(dLat, dLon) * 111_000 * 10) / 10;
    this.fixAt = Math.floor(Date.now() / 1000) * 1000;
    this.changed(0);
    this.changed(1);
    this.changed(5);
    this.changed(6);
  }

  /** [latitude, longitude], for tests. */
  get position(): [number, number] {
    return [this.lat, this.lon];
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
