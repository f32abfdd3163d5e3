import type { JobStore } from '../store/job-store.ts';
import { BULL_ID, CONTROL_QUEUE } from '../queue-names.ts';
import type { JobEventBus } from './job-events.ts';
import type { JobQueues } from './job-queues.ts';

export interface DeadlineSweeperOptions {
  intervalMs: number;
  /** Devices' own attempts end at the deadline; the sweeper waits this much longer so that their outcome wins. */
  graceMs: number;
  /** How long a claimed job is reserved for this sweeper. */
  leaseMs: number;
  onError: (err: Error) => void;
  /** Whether this process runs the periodic sweep now (several nodes: the fleet lease holder). @defaultValue always */
  shouldSweep?: () => boolean;
}

const CLAIM_LIMIT = 100;

/**
 * Fails what is left of jobs past their deadline (Azure IoT Hub jobs doc, `maxExecutionTimeInSeconds`) with `TIMEOUT`, including
 * devices whose server died and never came back. Every process with workers runs one; claims are leased, so a job
 * is expired by one sweeper at a time and by another one if that sweeper dies.
 */
export class DeadlineSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly store: JobStore,
    private readonly events: JobEventBus,
    private readonly queues: JobQueues,
    private readonly options: DeadlineSweeperOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running || this.options.shouldSweep?.() === false) return;
      this.running = this.sweep()
        .then(() => undefined, this.options.onError)
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Expires every job due now; returns how many were claimed. */
  async sweep(now = Date.now()): Promise<number> {
    const ids = await this.store.claimDue(now - this.options.graceMs, this.options.leaseMs, CLAIM_LIMIT);
    for (const id of ids) {
      const result = await this.store.expire(id, { code: 'TIMEOUT', message: 'the job reached its maximum execution time before this device finished' });
      if (result) this.events.publishTransition(id, result);
      await this.queues.removeQuietly(CONTROL_QUEUE, BULL_ID.dispatch(id));
    }
    return ids.length;
  }
}
