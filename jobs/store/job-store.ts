import type { JobsRedis } from '../job-service-options.ts';
import { JobError } from '../job-error.ts';
import type { JobPayload, JobTarget, JobType } from '../job-spec.ts';
import type { DeviceJobError, DeviceJobResult, DeviceJobStatus, FirmwareStage, JobCounts, JobStatus } from '../job-view.ts';
import type { JobKeys } from '../queue-names.ts';
import { defineJobScripts, type JobScripts, type TransitionReply } from './job-scripts.ts';

/** A job as stored (times in ms since the epoch). */
export interface JobRecord {
  id: string;
  type: JobType;
  status: JobStatus;
  createdAt: number;
  /** Due start: startTime, or createdAt. */
  startAt: number;
  /** startAt + maxExecutionTimeSec. */
  deadline: number;
  maxExecutionTimeSec: number;
  /** Attempts allowed per device. */
  attempts: number;
  /** True for a fleet job (parent + one child per device). */
  fleet: boolean;
  payload: JobPayload;
  target: JobTarget;
  counts: JobCounts;
  startedAt?: number;
  endedAt?: number;
  stage?: FirmwareStage;
  percent?: number;
}

export type NewJobRecord = Omit<JobRecord, 'counts' | 'startedAt' | 'endedAt' | 'stage' | 'percent'>;

/** Per-device details kept beside the device's status. */
export interface DeviceDetails {
  attempts: number;
  endedAt?: number;
  value?: unknown;
  /** Why the device failed (final) or why its last attempt failed (pending a retry). */
  error?: DeviceJobError;
  stage?: FirmwareStage;
}

/** What a device transition, cancel or expiry left behind. */
export interface TransitionResult {
  /** False when the device was already final (or, for cancel, the job already finished). */
  applied: boolean;
  deviceStatus?: DeviceJobStatus;
  /** True when the job's status changed with this step. */
  statusChanged: boolean;
  type: JobType;
  status: JobStatus;
  counts: JobCounts;
}

export interface TransitionOptions {
  /** Recorded as the device's start unless it already has one. */
  startedAt?: number;
  /** Firmware stage, also kept on the job record of a single-device job. */
  stage?: FirmwareStage;
  percent?: number;
}

export interface JobStoreOptions {
  redis: JobsRedis;
  keys: JobKeys;
  /** How long a finished job stays readable, in seconds (0 = forever). */
  retentionSec: number;
}

/**
 * The jobs layer's Redis records: one hash per job with exact counts, the device list in target order, a hash of
 * device statuses and one of device details; an index by creation time and a set of deadlines. Every change of a
 * device's status goes through one Lua step that also adjusts the counts and settles the job (see ./lua).
 */
export class JobStore {
  private readonly redis: JobsRedis & JobScripts;
  private readonly keys: JobKeys;
  private readonly retentionSec: number;

  constructor(options: JobStoreOptions) {
    this.redis = defineJobScripts(options.redis);
    this.keys = options.keys;
    this.retentionSec = options.retentionSec;
  }

  /** Creates the record; false (and nothing changed) when a job with this id exists. */
  async create(job: NewJobRecord, devices: readonly string[]): Promise<boolean> {
    const fields: Record<string, string | number> = {
      id: job.id,
      type: job.type,
      status: job.status,
      createdAt: job.createdAt,
      startAt: job.startAt,
      deadline: job.deadline,
      maxExecutionTimeSec: job.maxExecutionTimeSec,
      attempts: job.attempts,
      fleet: job.fleet ? 1 : 0,
      payload: JSON.stringify(job.payload),
      target: JSON.stringify(job.target),
      devices: devices.length,
      pending: devices.length,
      running: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    };
    const pairs = Object.entries(fields).flat();
    const created = await this.redis.lwtwinJobCreate(
      this.keys.job(job.id),
      this.keys.devices(job.id),
      this.keys.index(),
      this.keys.deadlines(),
      job.id,
      job.createdAt,
      job.deadline,
      pairs.length / 2,
      ...pairs,
      ...devices,
    );
    return created === 1;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.job(id), 'type')) === 1;
  }

  async read(id: string): Promise<JobRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.job(id));
    return h.type === undefined ? undefined : parseRecord(h);
  }

  /** Status and type of many jobs at once (undefined for jobs that expired). */
  async readMany(ids: readonly string[]): Promise<(JobRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, h]) => {
      if (err) throw err;
      const hash = h as Record<string, string>;
      return hash.type === undefined ? undefined : parseRecord(hash);
    });
  }

  /** Moves one device to `to` (see device-transition-5.lua); undefined when the job does not exist. */
  async transition(id: string, deviceId: string, to: DeviceJobStatus, details?: DeviceDetails, options: TransitionOptions = {}): Promise<TransitionResult | undefined> {
    const reply = await this.redis.lwtwinJobDeviceTransition(
      ...this.keys.perJob(id),
      this.keys.deadlines(),
      id,
      deviceId,
      to,
      details === undefined ? '' : detailsJson(details),
      details?.endedAt ?? Date.now(), // the job ends when its last device does
      this.retentionSec,
      options.stage ?? '',
      options.percent ?? 0,
      options.startedAt ?? '',
    );
    return parseTransition(reply);
  }

  /** Cancels the job (see cancel-job-5.lua); undefined when the job does not exist. */
  async cancel(id: string): Promise<TransitionResult | undefined> {
    return parseTransition(await this.redis.lwtwinJobCancel(...this.keys.perJob(id), this.keys.deadlines(), id, Date.now(), this.retentionSec));
  }

  /** Fails every unfinished device with `error` (see expire-job-5.lua); undefined when the job does not exist. */
  async expire(id: string, error: DeviceJobError): Promise<TransitionResult | undefined> {
    return parseTransition(await this.redis.lwtwinJobExpire(...this.keys.perJob(id), this.keys.deadlines(), id, Date.now(), this.retentionSec, JSON.stringify(error)));
  }

  /** Jobs whose deadline is at or before `now`, leased to the caller for `leaseMs`. */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<string[]> {
    return this.redis.lwtwinJobClaimDeadlines(this.keys.deadlines(), now, leaseMs, limit);
  }

  /** scheduled -> queued; returns the status after the call. */
  async markQueued(id: string): Promise<JobStatus | undefined> {
    return ((await this.redis.lwtwinJobMarkQueued(this.keys.job(id))) ?? undefined) as JobStatus | undefined;
  }

  async deviceCount(id: string): Promise<number> {
    return this.redis.llen(this.keys.devices(id));
  }

  /** Device ids at positions [offset, offset + limit). */
  async devices(id: string, offset: number, limit: number): Promise<string[]> {
    return this.redis.lrange(this.keys.devices(id), offset, offset + limit - 1);
  }

  async deviceStatus(id: string, deviceId: string): Promise<DeviceJobStatus> {
    return ((await this.redis.hget(this.keys.states(id), deviceId)) ?? 'pending') as DeviceJobStatus;
  }

  /** Results of the devices at positions [offset, offset + limit), in target order. */
  async results(id: string, offset: number, limit: number): Promise<DeviceJobResult[]> {
    const devices = await this.devices(id, offset, limit);
    if (devices.length === 0) return [];
    const [states, details] = await Promise.all([this.redis.hmget(this.keys.states(id), ...devices), this.redis.hmget(this.keys.results(id), ...devices)]);
    return devices.map((deviceId, i) => toResult(deviceId, (states[i] ?? 'pending') as DeviceJobStatus, details[i]));
  }

  /**
   * Job ids newest first, strictly after `after` (a position returned by an earlier call), at most `count`.
   * Entries of jobs that expired are dropped from the index on the way.
   */
  async indexPage(after: IndexPosition | undefined, count: number): Promise<IndexPosition[]> {
    const out: IndexPosition[] = [];
    let offset = 0;
    const batch = Math.max(count, 50);
    while (out.length < count) {
      const max = after === undefined ? '+inf' : String(after.score);
      const flat = await this.redis.zrevrangebyscore(this.keys.index(), max, '-inf', 'WITHSCORES', 'LIMIT', offset, batch);
      for (let i = 0; i < flat.length && out.length < count; i += 2) {
        const id = flat[i];
        const score = Number(flat[i + 1]);
        if (after !== undefined && score === after.score && id >= after.id) continue;
        out.push({ id, score });
      }
      if (flat.length < batch * 2) break;
      offset += batch;
    }
    return out;
  }

  /** Removes expired jobs from the index. */
  async dropFromIndex(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.zrem(this.keys.index(), ...ids);
  }
}

export interface IndexPosition {
  id: string;
  score: number;
}

function detailsJson(d: DeviceDetails): string {
  // attempts first, never startedAt: the script splices startedAt in front (see device-transition-5.lua)
  return JSON.stringify({ attempts: d.attempts, endedAt: d.endedAt, value: d.value, error: d.error, stage: d.stage });
}

function toResult(deviceId: string, status: DeviceJobStatus, json: string | null): DeviceJobResult {
  const result: DeviceJobResult = { deviceId, status, attempts: 0 };
  if (json === null) return result;
  const d = JSON.parse(json) as DeviceDetails & { startedAt?: number };
  result.attempts = d.attempts ?? 0;
  if (d.value !== undefined) result.value = d.value;
  if (d.error !== undefined && status !== 'succeeded') result.error = d.error;
  if (d.startedAt !== undefined) result.startedAt = new Date(d.startedAt).toISOString();
  if (d.endedAt !== undefined) result.endedAt = new Date(d.endedAt).toISOString();
  if (d.stage !== undefined) result.stage = d.stage;
  return result;
}

function parseRecord(h: Record<string, string>): JobRecord {
  const record: JobRecord = {
    id: h.id,
    type: h.type as JobType,
    status: h.status as JobStatus,
    createdAt: Number(h.createdAt),
    startAt: Number(h.startAt),
    deadline: Number(h.deadline),
    maxExecutionTimeSec: Number(h.maxExecutionTimeSec),
    attempts: Number(h.attempts),
    fleet: h.fleet === '1',
    payload: JSON.parse(h.payload) as JobPayload,
    target: JSON.parse(h.target) as JobTarget,
    counts: {
      devices: Number(h.devices),
      pending: Number(h.pending),
      running: Number(h.running),
      succeeded: Number(h.succeeded),
      failed: Number(h.failed),
      cancelled: Number(h.cancelled),
    },
  };
  if (h.startedAt !== undefined) record.startedAt = Number(h.startedAt);
  if (h.endedAt !== undefined) record.endedAt = Number(h.endedAt);
  if (h.stage !== undefined) record.stage = h.stage as FirmwareStage;
  if (h.percent !== undefined) record.percent = Number(h.percent);
  return record;
}

function parseTransition(reply: TransitionReply): TransitionResult | undefined {
  if (reply.length === 1) return undefined;
  const [applied, deviceStatus, statusChanged, type, status, devices, pending, running, succeeded, failed, cancelled] = reply as Extract<TransitionReply, { length: 11 }>;
  if (typeof type !== 'string') throw new JobError('INTERNAL', 'job record without a type');
  const result: TransitionResult = {
    applied: applied !== 0,
    statusChanged: statusChanged === 1,
    type: type as JobType,
    status: status as JobStatus,
    counts: {
      devices: Number(devices),
      pending: Number(pending),
      running: Number(running),
      succeeded: Number(succeeded),
      failed: Number(failed),
      cancelled: Number(cancelled),
    },
  };
  if (deviceStatus !== '') result.deviceStatus = deviceStatus as DeviceJobStatus;
  return result;
}
