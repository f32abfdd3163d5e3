/**
 * Per-device FIFO locks of one worker process: jobs of one device run one at a time, in the order they acquired
 * the lock. A worker acquires synchronously when BullMQ hands it a job, so the order is the dequeue order, which
 * for one queue is the submission order (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation": one outstanding request per device).
 */
export class DeviceLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves with the release function once every earlier holder of `key` released. */
  acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let unlock!: () => void;
    const held = new Promise<void>((resolve) => (unlock = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    let released = false;
    return previous.then(() => () => {
      if (released) return;
      released = true;
      unlock();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /** Devices with a holder or waiters (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
