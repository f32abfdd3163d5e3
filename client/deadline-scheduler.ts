/**
 * One timer for many clients. Every client keeps a single "next deadline"; the scheduler keeps them in an indexed
 * binary min-heap and arms one `setTimeout` for the earliest. This keeps 100,000 idle simulated devices at O(1)
 * timers per process instead of one or more per device.
 */

/** Something with one pending deadline. The scheduler owns the two bookkeeping fields. */
export interface Schedulable {
  /** Epoch ms of the deadline while scheduled (owned by the scheduler). */
  schedAt: number;
  /** Position in the heap, -1 when not scheduled (owned by the scheduler). */
  schedIndex: number;
  /** Called once when the deadline passes; may call `schedule` again. */
  onDeadline(now: number): void;
}

export class DeadlineScheduler {
  private readonly heap: Schedulable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;
  private running = false;

  /** Number of pending deadlines. */
  get size(): number {
    return this.heap.length;
  }

  /** Sets (or moves) the item's deadline to `at` (epoch ms). */
  schedule(item: Schedulable, at: number): void {
    if (item.schedIndex >= 0 && item.schedIndex < this.heap.length && this.heap[item.schedIndex] === item) {
      const old = item.schedAt;
      item.schedAt = at;
      if (at < old) this.up(item.schedIndex);
      else if (at > old) this.down(item.schedIndex);
    } else {
      item.schedAt = at;
      item.schedIndex = this.heap.length;
      this.heap.push(item);
      this.up(item.schedIndex);
    }
    this.arm();
  }

  /** Removes the item's deadline, if any. */
  cancel(item: Schedulable): void {
    const i = item.schedIndex;
    if (i < 0 || i >= this.heap.length || this.heap[i] !== item) {
      item.schedIndex = -1;
      return;
    }
    const last = this.heap.pop()!;
    if (last !== item) {
      this.heap[i] = last;
      last.schedIndex = i;
      this.down(i);
      this.up(last.schedIndex);
    }
    item.schedIndex = -1;
    // The armed timer may now fire early; it then simply re-arms.
  }

  isScheduled(item: Schedulable): boolean {
    return item.schedIndex >= 0 && this.heap[item.schedIndex] === item;
  }

  private arm(): void {
    if (this.running) return; // run() re-arms when it finishes
    const first = this.heap[0];
    if (first === undefined) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.armedAt = Infinity;
      return;
    }
    if (this.timer !== undefined && this.armedAt <= first.schedAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedAt = first.schedAt;
    const delay = Math.max(0, first.schedAt - Date.now());
    this.timer = setTimeout(() => this.run(), Math.min(delay, 0x7fffffff));
    this.timer.unref?.();
  }

  private run(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = Date.now();
    const due: Schedulable[] = [];
    while (this.heap.length > 0 && this.heap[0].schedAt <= now) {
      const item = this.heap[0];
      this.cancel(item);
      due.push(item);
    }
    this.running = true;
    try {
      for (const item of due) {
        try {
          item.onDeadline(now);
        } catch {
          // A client's failure must not stop the others; clients report their own errors.
        }
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const item = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].schedAt <= item.schedAt) break;
      h[i] = h[p];
      h[i].schedIndex = i;
      i = p;
    }
    h[i] = item;
    item.schedIndex = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const item = h[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r].schedAt < h[l].schedAt ? r : l;
      if (h[c].schedAt >= item.schedAt) break;
      h[i] = h[c];
      h[i].schedIndex = i;
      i = c;
    }
    h[i] = item;
    item.schedIndex = i;
  }
}

/** The process-wide scheduler every client uses unless given another. */
export const sharedScheduler = new DeadlineScheduler();
