import { performance } from 'node:perf_hooks';

/** Milliseconds on a monotonic clock: every deadline in the CoAP layer uses it. */
export function monotonicNow(): number {
  return performance.now();
}

/**
 * Something with a deadline on a `TimerWheel`. The wheel owns `wheelSlot` (-1 when not scheduled) and
 * `wheelIndex`; the object itself is the timer, so scheduling allocates no closure.
 */
export interface Timed {
  wheelSlot: number;
  wheelIndex: number;
  onTimer(now: number): void;
}

/**
 * A hashed timer wheel: deadlines are rounded up to `tickMs` slots and one `setInterval` (unref'd) sweeps the due
 * slots. The interval runs only while something is scheduled, so an idle wheel costs nothing, and every endpoint
 * in the process shares one timer instead of one `setTimeout` per message. Schedule and cancel are O(1)
 * (swap-remove), so completed exchanges are released at once rather than when their deadline would have passed.
 */
export class TimerWheel {
  private readonly slots = new Map<number, Timed[]>();
  private live = 0;
  private interval: NodeJS.Timeout | undefined;
  private nextSlot = 0;

  constructor(readonly tickMs = 5) {}

  /** Number of scheduled entries. */
  get size(): number {
    return this.live;
  }

  /** True while the sweep interval is armed (false whenever nothing is scheduled). */
  get running(): boolean {
    return this.interval !== undefined;
  }

  /** Schedules (or reschedules) `t` to fire at `deadline` (monotonic ms), at the earliest on the next sweep. */
  schedule(t: Timed, deadline: number): void {
    if (t.wheelSlot >= 0) this.remove(t);
    if (this.interval === undefined) this.start();
    const slot = Math.max(Math.ceil(deadline / this.tickMs), this.nextSlot);
    let bucket = this.slots.get(slot);
    if (bucket === undefined) {
      bucket = [];
      this.slots.set(slot, bucket);
    }
    t.wheelSlot = slot;
    t.wheelIndex = bucket.length;
    bucket.push(t);
    this.live++;
  }

  cancel(t: Timed): void {
    if (t.wheelSlot < 0) return;
    this.remove(t);
    if (this.live === 0) this.stop();
  }

  private remove(t: Timed): void {
    const bucket = this.slots.get(t.wheelSlot);
    // A bucket being swept is already detached from the map: marking the entry is enough.
    if (bucket !== undefined && bucket[t.wheelIndex] === t) {
      const last = bucket.pop()!;
      if (last !== t) {
        bucket[t.wheelIndex] = last;
        last.wheelIndex = t.wheelIndex;
      }
      if (bucket.length === 0) this.slots.delete(t.wheelSlot);
    }
    t.wheelSlot = -1;
    this.live--;
  }

  private start(): void {
    this.nextSlot = Math.floor(monotonicNow() / this.tickMs);
    this.interval = setInterval(this.sweep, this.tickMs);
    this.interval.unref();
  }

  private stop(): void {
    if (this.interval !== undefined) clearInterval(this.interval);
    this.interval = undefined;
    this.slots.clear();
  }

  private readonly sweep = (): void => {
    const now = monotonicNow();
    const last = Math.floor(now / this.tickMs);
    const from = this.nextSlot;
    this.nextSlot = last + 1; // anything (re)scheduled by a callback lands in a later sweep
    if (last - from > this.slots.size * 4) {
      // After a long stall, visit the stored slots instead of every empty tick in between.
      const due = [...this.slots.keys()].filter((s) => s <= last).sort((a, b) => a - b);
      for (const slot of due) this.fire(slot, now);
    } else {
      for (let slot = from; slot <= last && this.live > 0; slot++) this.fire(slot, now);
    }
    if (this.live === 0) this.stop();
  };

  private fire(slot: number, now: number): void {
    const bucket = this.slots.get(slot);
    if (bucket === undefined) return;
    this.slots.delete(slot);
    for (const t of bucket) {
      if (t.wheelSlot !== slot) continue; // cancelled or rescheduled by an earlier callback
      t.wheelSlot = -1;
      this.live--;
      try {
        t.onTimer(now);
      } catch {
        // A callback must never break the sweep for the others; owners report their own errors.
      }
    }
  }
}

/** The wheel shared by every endpoint in the process (5 ms resolution). */
export const sharedTimerWheel = new TimerWheel();
