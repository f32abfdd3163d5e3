import { duplicateJobsRedis, type JobsRedis } from '../job-service-options.ts';
import type { JobEvent } from '../job-view.ts';
import type { TransitionResult } from '../store/job-store.ts';

export type JobEventListener = (event: JobEvent) => void;

/**
 * Job state changes over Redis pub/sub, so that every process sharing the Redis sees every job's events (the
 * device work of a job runs in the process that owns the device). Publishing is fire-and-forget; the subscriber
 * connection is opened on the first `subscribe`.
 */
export class JobEventBus {
  private readonly listeners = new Set<JobEventListener>();
  private readonly localListeners = new Set<JobEventListener>();
  private subscriber?: JobsRedis;
  private subscribing?: Promise<unknown>;

  constructor(
    private readonly redis: JobsRedis,
    private readonly channel: string,
    private readonly onError: (err: Error) => void,
  ) {}

  publish(event: JobEvent): void {
    for (const listener of [...this.localListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onError(err as Error);
      }
    }
    this.redis.publish(this.channel, JSON.stringify(event)).catch((err: Error) => this.onError(err));
  }

  /**
   * The event a device transition, cancel or expiry implies: `status` when the job's status changed, else `device`
   * when a device moved. Either carries the device when one caused it.
   */
  publishTransition(jobId: string, result: TransitionResult, deviceId?: string): void {
    const event: JobEvent = { kind: result.statusChanged ? 'status' : 'device', jobId, jobType: result.type, status: result.status, counts: result.counts, time: new Date().toISOString() };
    if (deviceId !== undefined && result.applied && result.deviceStatus !== undefined) {
      event.deviceId = deviceId;
      event.deviceStatus = result.deviceStatus;
    } else if (!result.statusChanged) {
      return;
    }
    this.publish(event);
  }

  /** Calls `listener` for every job event of every process; returns the function that stops it. */
  subscribe(listener: JobEventListener): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) {
      const subscriber = duplicateJobsRedis(this.redis);
      this.subscriber = subscriber;
      subscriber.on('message', (_channel: string, message: string) => this.dispatch(message));
      subscriber.on('error', (err: Error) => this.onError(err));
      this.subscribing = subscriber.subscribe(this.channel).catch((err: Error) => this.onError(err));
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Calls `listener` for the events this process publishes (synchronously, before they go to Redis): each event is
   * seen once in the whole fleet, by the process that caused it. Returns the function that stops it.
   */
  subscribeLocal(listener: JobEventListener): () => void {
    this.localListeners.add(listener);
    return () => {
      this.localListeners.delete(listener);
    };
  }

  /** Resolves once the subscription is active (events published before it are not delivered). */
  async ready(): Promise<void> {
    await this.subscribing;
  }

  async close(force = false): Promise<void> {
    this.listeners.clear();
    this.localListeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) return;
    if (force) subscriber.disconnect();
    else await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private dispatch(message: string): void {
    let event: JobEvent;
    try {
      event = JSON.parse(message) as JobEvent;
    } catch (err) {
      this.onError(err as Error);
      return;
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onError(err as Error);
      }
    }
  }
}
