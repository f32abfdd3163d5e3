/**
 * Queue names and every Redis key of the jobs layer, built here and nowhere else.
 *
 * BullMQ keys are `<prefix>:<queue>:...`; the layer's own keys live under the same prefix (`<prefix>:job:<id>...`,
 * `<prefix>:jobs:...`), which no queue name below can produce. The prefix is hash-tagged (`{lwtwin:jobs}`), as
 * BullMQ requires on a Redis Cluster, so every script's keys share one slot (the jobs layer lives on one master).
 */

/** The shared queue of parents (fan-out), of children whose device has no owner yet, and of twin updates. */
export const CONTROL_QUEUE = 'jobs-control';

/** BullMQ forbids `:` in queue names, so the server id is percent-encoded (`:` → `%3A`). */
export function deviceQueueName(serverId: string): string {
  if (typeof serverId !== 'string' || serverId === '') throw new TypeError('serverId must be a non-empty string');
  return `device-jobs-${encodeURIComponent(serverId)}`;
}

/** BullMQ job names. */
export const BULL_JOB = {
  /** Parent of a fleet job: fans out one child per device at its start time. */
  dispatch: 'dispatch',
  /** One device's work; runs in the owner's device queue (or the control queue until the device has an owner). */
  device: 'device',
  /** One device's twin update (no device I/O): runs in the control queue. */
  twin: 'twin',
} as const;

/** BullMQ job ids: the client's job id never contains `~`, so these cannot collide. */
export const BULL_ID = {
  dispatch: (jobId: string): string => `${jobId}~dispatch`,
  child: (jobId: string, index: number): string => `${jobId}~${index}`,
  forwarded: (childId: string, forwards: number): string => `${childId.replace(/~f\d+$/, '')}~f${forwards}`,
};

export class JobKeys {
  /** @param prefix the BullMQ prefix (`RedisKeys.jobsPrefix()`, e.g. `{lwtwin:jobs}`) */
  constructor(readonly prefix: string) {}

  /** Hash: the job record (type, status, times, counts, payload). */
  job(id: string): string {
    return `${this.prefix}:job:${id}`;
  }
  /** List: the job's device ids in target order. */
  devices(id: string): string {
    return `${this.prefix}:job:${id}:devices`;
  }
  /** Hash: device id -> DeviceJobStatus (absent = pending). */
  states(id: string): string {
    return `${this.prefix}:job:${id}:states`;
  }
  /** Hash: device id -> JSON details (attempts, times, value, error, stage). */
  results(id: string): string {
    return `${this.prefix}:job:${id}:results`;
  }
  /** Sorted set: job ids by creation time (ms), for listing. */
  index(): string {
    return `${this.prefix}:jobs:index`;
  }
  /** Sorted set: unfinished job ids by deadline (ms). */
  deadlines(): string {
    return `${this.prefix}:jobs:deadlines`;
  }
  /** Pub/sub channel of JobEvents. */
  events(): string {
    return `${this.prefix}:jobs:events`;
  }
  /** The per-job keys, in the order the scripts take them: job, devices, states, results. */
  perJob(id: string): [string, string, string, string] {
    return [this.job(id), this.devices(id), this.states(id), this.results(id)];
  }
}
