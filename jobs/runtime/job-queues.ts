import { Queue, type JobsOptions } from 'bullmq';
import type { JobsRedis } from '../job-service-options.ts';
import type { JobPayload } from '../job-spec.ts';
import { BULL_ID, BULL_JOB, CONTROL_QUEUE, deviceQueueName } from '../queue-names.ts';

/** BullMQ data of one device's child job. */
export interface ChildJobData {
  jobId: string;
  deviceId: string;
  payload: JobPayload;
  /** ms since the epoch. */
  deadline: number;
  /** Attempts allowed in total for this device. */
  attempts: number;
  /** Attempts used before this BullMQ job (a forwarded child carries its count along). */
  attemptBase: number;
  /** How often the child moved to another server's queue. */
  forwards: number;
}

/** BullMQ data of a fleet job's parent (fan-out at the start time). */
export interface DispatchJobData {
  jobId: string;
}

/** Kept for inspection; the job's own record holds the outcome. */
const REMOVE_ON_FAIL = { age: 24 * 3600, count: 1000 };

/**
 * The BullMQ queues this process adds to: the shared control queue and every server's device queue, created on
 * first use over one shared connection.
 */
export class JobQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: JobsRedis,
    private readonly prefix: string,
    private readonly backoffMs: number,
  ) {}

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** The queue a child of this device goes to: its owner's device queue, or the control queue when it has none. */
  queueForOwner(owner: string | undefined): string {
    return owner === undefined ? CONTROL_QUEUE : deviceQueueName(owner);
  }

  /** Options of a child job: attempts left with exponential backoff (retries), optional delay (startTime). */
  childOptions(bullId: string, data: ChildJobData, delay = 0): JobsOptions {
    return {
      jobId: bullId,
      attempts: Math.max(1, data.attempts - data.attemptBase),
      backoff: { type: 'exponential', delay: this.backoffMs },
      delay: Math.max(0, delay),
      removeOnComplete: true,
      removeOnFail: REMOVE_ON_FAIL,
    };
  }

  async addChild(queueName: string, name: string, bullId: string, data: ChildJobData, delay = 0): Promise<void> {
    await this.queue(queueName).add(name, data, this.childOptions(bullId, data, delay));
  }

  async addChildren(queueName: string, children: { name: string; bullId: string; data: ChildJobData }[]): Promise<void> {
    if (children.length === 0) return;
    await this.queue(queueName).addBulk(children.map((c) => ({ name: c.name, data: c.data, opts: this.childOptions(c.bullId, c.data) })));
  }

  async addDispatch(jobId: string, delay: number): Promise<void> {
    const data: DispatchJobData = { jobId };
    await this.queue(CONTROL_QUEUE).add(BULL_JOB.dispatch, data, {
      jobId: BULL_ID.dispatch(jobId),
      delay: Math.max(0, delay),
      attempts: 10,
      backoff: { type: 'exponential', delay: this.backoffMs },
      removeOnComplete: true,
      removeOnFail: REMOVE_ON_FAIL,
    });
  }

  /** Removes a waiting or delayed BullMQ job; a running (locked) one stays. Never throws. */
  async removeQuietly(queueName: string, bullId: string): Promise<void> {
    await this.queue(queueName)
      .remove(bullId)
      .catch(() => 0);
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
  }
}
