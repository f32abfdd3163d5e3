import type { JobTarget, JobType } from './job-spec.ts';

/**
 * Job status (Azure IoT Hub jobs doc): `scheduled` until startTime, `queued` until a device starts, `running`, then `completed`
 * (every device finished, even if some failed), `failed` (every device failed) or `cancelled`.
 */
export type JobStatus = 'queued' | 'scheduled' | 'running' | 'completed' | 'failed' | 'cancelled';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'scheduled', 'running', 'completed', 'failed', 'cancelled'];

/** Status of one device of a job. `pending` covers waiting for the start, for a retry and for the device's turn. */
export type DeviceJobStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** `deviceJobStatistics` (Azure IoT Hub jobs doc), plus `cancelled` (devices a cancel removed before they started). */
export interface JobCounts {
  devices: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** Why one device failed: the gateway's or the jobs layer's code, the CoAP code when the device answered. */
export interface DeviceJobError {
  code: string;
  coapCode?: string;
  message: string;
}

/** Firmware update stages reported as progress (OMA registry object 5 Firmware Update, v1.2: State /5/0/3). */
export type FirmwareStage = 'downloading' | 'downloaded' | 'updating' | 'done';

/** The outcome of one device (Azure IoT Hub jobs doc, per-device outcome). Times are ISO 8601. */
export interface DeviceJobResult {
  deviceId: string;
  status: DeviceJobStatus;
  /** Deep read: the value(s) read; firmware update: `{ updateResult, meaning }`. */
  value?: unknown;
  error?: DeviceJobError;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** Firmware update: the last stage reached. */
  stage?: FirmwareStage;
}

export interface JobProgress {
  /** 0–100: finished devices for a fleet; the firmware stage for a single-device firmware update. */
  percent: number;
  stage?: FirmwareStage;
}

/** One job without its per-device results. Times are ISO 8601. */
export interface JobSummary {
  jobId: string;
  type: JobType;
  status: JobStatus;
  target: JobTarget;
  createdAt: string;
  /** When the job is due to start (startTime, or createdAt). */
  startTime: string;
  maxExecutionTimeSec: number;
  startedAt?: string;
  endedAt?: string;
  progress: JobProgress;
  counts: JobCounts;
}

/** `JobService.get`: the summary and one page of per-device results, in target order. */
export interface JobView extends JobSummary {
  results: DeviceJobResult[];
  /** Pass as `resultsCursor` for the next page; absent on the last page. */
  resultsCursor?: string;
}

export interface JobListQuery {
  status?: JobStatus;
  type?: JobType;
  /** Page size, 1–1000. @defaultValue 50 */
  limit?: number;
  cursor?: string;
}

/** Newest first. */
export interface JobPage {
  jobs: JobSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

/**
 * A job state change, delivered to `JobService.onEvent` listeners of every process sharing the Redis (for
 * `/api/events`). `created` when submitted, `status` when the job's status changes, `device` when one device starts,
 * is retried or finishes without changing the job's status, `progress` when a firmware update reaches a stage. A
 * `status` event caused by a device (the first start, the last finish) carries that device too.
 */
export interface JobEvent {
  kind: 'created' | 'status' | 'device' | 'progress';
  jobId: string;
  jobType: JobType;
  status: JobStatus;
  counts: JobCounts;
  deviceId?: string;
  deviceStatus?: DeviceJobStatus;
  stage?: FirmwareStage;
  /** ISO 8601. */
  time: string;
}
