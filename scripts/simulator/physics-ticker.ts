/** Something that advances on the physics tick. */
export interface Steppable {
  step(): void;
}

/**
 * One interval per tick length per process drives the physics of every simulated device (no per-device timers).
 * The interval runs only while some device is attached and is unref'd, so it never keeps a process alive.
 */
export class PhysicsTicker {
  private readonly members = new Set<Steppable>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Steps run so far. */
  ticks = 0;

  constructor(readonly tickMs: number) {}

  add(s: Steppable): void {
    this.members.add(s);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  remove(s: Steppable): void {
    this.members.delete(s);
    if (this.members.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  get size(): number {
    return this.members.size;
  }

  /** Steps every member once (also callable directly, e.g. by tests). */
  tick(): void {
    this.ticks++;
    for (const s of this.members) {
      try {
        s.step();
      } catch {
        // One device's failure must not stop the others.
      }
    }
  }
}

const tickers = new Map<number, PhysicsTicker>();

/** The process-wide ticker for a tick length. */
export function sharedTicker(tickMs: number): PhysicsTicker {
  let t = tickers.get(tickMs);
  if (!t) tickers.set(tickMs, (t = new PhysicsTicker(tickMs)));
  return t;
}
