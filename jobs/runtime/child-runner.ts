import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { PropertyNames } from '../../objects/property-names.ts';
import type { DeviceGateway, TwinGateway } from '../device-gateway.ts';
import { JobError } from '../job-error.ts';
import type { DeviceJobError, DeviceJobStatus, FirmwareStage } from '../job-view.ts';
import type { DeviceJobContext } from '../processors/device-job-context.ts';
import { runProcessor } from '../processors/processor-table.ts';
import { BULL_ID, BULL_JOB } from '../queue-names.ts';
import type { DeviceDetails, JobStore, TransitionResult } from '../store/job-store.ts';
import { describeFailure } from './device-failure.ts';
import type { DeviceLocks } from './device-locks.ts';
import type { JobEventBus } from './job-events.ts';
import type { ChildJobData, JobQueues } from './job-queues.ts';
import type { PackageLoader } from './package-loader.ts';

export interface ChildRunnerDeps {
  store: JobStore;
  events: JobEventBus;
  queues: JobQueues;
  locks: DeviceLocks;
  gateway: DeviceGateway;
  twin: TwinGateway;
  names: PropertyNames;
  packages: PackageLoader;
  /** Base of the exponential backoff between attempts (ms). */
  backoffMs: number;
  pollIntervalMs: number;
  /** How often one child may move to another server's queue before it fails with ROUTING_FAILED. */
  maxForwards: number;
}

/** What a child's BullMQ job completes with (the job record holds the device's outcome). */
export type ChildOutcome = { status: DeviceJobStatus } | { forwardedTo: string } | { skipped: DeviceJobStatus };

/**
 * Runs one device of a job (one BullMQ child job) and records its outcome through JobStore transitions:
 * - device work runs in the owner's device queue, one job per device at a time (DeviceLocks); if the device's owner
 *   changed (it re-registered on another server) the child is forwarded to the new owner's queue, and a device with
 *   no registration is retried with backoff (`NOT_REGISTERED`);
 * - each attempt first moves the device to running; a device already final (cancelled, timed out, or finished by
 *   an attempt whose process died before BullMQ learnt of it) is skipped, so a repeated attempt never runs twice
 *   after an outcome was recorded;
 * - an attempt is bounded by the job's deadline; retryable failures (timeouts, sleeping devices, 5.xx) go back to
 *   pending and BullMQ retries them with exponential backoff while attempts and time remain; final failures (4.xx
 *   answers, the deadline) are recorded and end the BullMQ job with UnrecoverableError.
 */
export class ChildRunner {
  constructor(private readonly deps: ChildRunnerDeps) {}

  /** Processor of the device queue `device-jobs-<serverId>`. */
  processDevice(bull: Job<ChildJobData>): Promise<ChildOutcome> {
    // acquire synchronously, so the lock order is BullMQ's dequeue order
    const lock = this.deps.locks.acquire(bull.data.deviceId);
    return lock.then(async (release) => {
      try {
        return await this.runOnDevice(bull);
      } finally {
        release();
      }
    });
  }

  /** Processor of a child in the control queue: its device had no owner when it was queued. */
  async processUnrouted(bull: Job<ChildJobData>): Promise<ChildOutcome> {
    const d = bull.data;
    const attempt = attemptOf(bull);
    try {
      this.checkDeadline(d);
      const status = await this.deps.store.deviceStatus(d.jobId, d.deviceId);
      if (isFinal(status)) return { skipped: status };
      const owner = await this.deps.gateway.ownerOf(d.deviceId);
      if (owner === undefined) throw notRegistered(d.deviceId);
      return await this.forward(bull, owner);
    } catch (err) {
      return this.failAttempt(bull, attempt, err, undefined);
    }
  }

  /**
   * Processor of the device queue of a dead server, run by the process that adopted it (server/fleet): a child whose
   * device now belongs to a live server is forwarded there (its attempts and deadline go with it); a child whose
   * device still belongs to the dead server (no Update or Register reached another one yet) or to nobody waits,
   * delayed by the backoff base without using an attempt, until its device moves or its deadline fails it. A child
   * that was running when the server died comes back here after its BullMQ lock expired (a stall).
   */
  async processOrphan(bull: Job<ChildJobData>, deadServerId: string, token?: string): Promise<ChildOutcome> {
    const d = bull.data;
    const attempt = attemptOf(bull);
    let owner: string | undefined;
    try {
      this.checkDeadline(d);
      const status = await this.deps.store.deviceStatus(d.jobId, d.deviceId);
      if (isFinal(status)) return { skipped: status };
      owner = await this.deps.gateway.ownerOf(d.deviceId);
      if (owner !== undefined && owner !== deadServerId) return await this.forward(bull, owner);
    } catch (err) {
      return this.failAttempt(bull, attempt, err, undefined);
    }
    await bull.moveToDelayed(Date.now() + this.deps.backoffMs, token);
    throw new DelayedError(`device ${d.deviceId} is still held by ${owner ?? 'no server'}`);
  }

  /** Processor of a twin update child (control queue): no device I/O, any process may run it. */
  async processTwin(bull: Job<ChildJobData>): Promise<ChildOutcome> {
    const d = bull.data;
    const attempt = attemptOf(bull);
    try {
      this.checkDeadline(d);
      if (!(await this.start(d, attempt))) return { skipped: await this.deps.store.deviceStatus(d.jobId, d.deviceId) };
      await this.withDeadline(d, attempt, () => undefined);
      await this.record(d, 'succeeded', { attempts: attempt, endedAt: Date.now() });
      return { status: 'succeeded' };
    } catch (err) {
      return this.failAttempt(bull, attempt, err, undefined);
    }
  }

  /**
   * Worker `failed` listener: a child BullMQ failed without running it (it stalled more often than
   * `maxStalledCount`, i.e. the processes running it kept dying) is recorded as failed.
   */
  async onFailed(bull: Job<ChildJobData> | undefined, err: Error): Promise<void> {
    if (!bull || (bull.name !== BULL_JOB.device && bull.name !== BULL_JOB.twin) || !bull.deferredFailure) return;
    const d = bull.data;
    const error: DeviceJobError = { code: 'WORKER_LOST', message: `the process running this device's job stopped too often: ${err.message}` };
    await this.record(d, 'failed', { attempts: attemptOf(bull), endedAt: Date.now(), error });
  }

  private async runOnDevice(bull: Job<ChildJobData>): Promise<ChildOutcome> {
    const d = bull.data;
    const attempt = attemptOf(bull);
    let stage: FirmwareStage | undefined;
    try {
      this.checkDeadline(d);
      const owner = await this.deps.gateway.ownerOf(d.deviceId);
      if (owner === undefined) throw notRegistered(d.deviceId);
      if (owner !== this.deps.gateway.serverId) return await this.forward(bull, owner);
      if (!(await this.start(d, attempt))) return { skipped: await this.deps.store.deviceStatus(d.jobId, d.deviceId) };
      const value = await this.withDeadline(d, attempt, (s) => (stage = s));
      await this.record(d, 'succeeded', { attempts: attempt, endedAt: Date.now(), value, stage });
      return { status: 'succeeded' };
    } catch (err) {
      return this.failAttempt(bull, attempt, err, stage);
    }
  }

  /** Moves the device to running; false when it must not run (already final, or the job was cancelled or is gone). */
  private async start(d: ChildJobData, attempt: number): Promise<boolean> {
    const result = await this.deps.store.transition(d.jobId, d.deviceId, 'running', { attempts: attempt }, { startedAt: Date.now() });
    if (!result) return false;
    this.deps.events.publishTransition(d.jobId, result, d.deviceId);
    return result.applied && result.deviceStatus === 'running';
  }

  private async record(d: ChildJobData, to: DeviceJobStatus, details: DeviceDetails): Promise<TransitionResult | undefined> {
    const result = await this.deps.store.transition(d.jobId, d.deviceId, to, details);
    if (result) this.deps.events.publishTransition(d.jobId, result, d.deviceId);
    return result;
  }

  /** Runs the job type's processor; rejects with TIMEOUT at the deadline even if the processor hangs. */
  private async withDeadline(d: ChildJobData, attempt: number, onStage: (stage: FirmwareStage) => void): Promise<unknown> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = deadlineError(d);
        controller.abort(err);
        reject(err);
      }, Math.max(0, d.deadline - Date.now()));
    });
    deadline.catch(() => undefined);
    try {
      return await Promise.race([runProcessor(this.context(d, attempt, controller.signal, onStage), d.payload), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private context(d: ChildJobData, attempt: number, signal: AbortSignal, onStage: (stage: FirmwareStage) => void): DeviceJobContext {
    const { gateway, twin, names, packages, store, events, pollIntervalMs } = this.deps;
    const remainingMs = (): number => Math.max(0, d.deadline - Date.now());
    let queueMode: Promise<boolean> | undefined;
    return {
      jobId: d.jobId,
      deviceId: d.deviceId,
      gateway,
      twin,
      names,
      packages,
      deadline: d.deadline,
      signal,
      pollIntervalMs,
      remainingMs,
      async operationOptions() {
        queueMode ??= gateway.isQueueMode(d.deviceId);
        const left = remainingMs();
        return { waitForWakeUpMs: (await queueMode) ? left : 0, timeoutMs: left };
      },
      async reportStage(stage, percent) {
        onStage(stage);
        const result = await store.transition(d.jobId, d.deviceId, 'running', { attempts: attempt, stage }, { stage, percent });
        if (result?.applied) {
          events.publish({ kind: 'progress', jobId: d.jobId, jobType: result.type, status: result.status, counts: result.counts, deviceId: d.deviceId, stage, time: new Date().toISOString() });
        }
      },
    };
  }

  /** Hands the child to the owner's device queue, keeping its attempts and deadline. */
  private async forward(bull: Job<ChildJobData>, owner: string): Promise<ChildOutcome> {
    const d = bull.data;
    if (d.forwards >= this.deps.maxForwards) {
      throw new JobError('ROUTING_FAILED', `device ${d.deviceId} moved between servers more than ${this.deps.maxForwards} times while its job was queued`);
    }
    const data: ChildJobData = { ...d, attemptBase: attemptOf(bull) - 1, forwards: d.forwards + 1 };
    await this.deps.queues.addChild(this.deps.queues.queueForOwner(owner), BULL_JOB.device, BULL_ID.forwarded(bull.id ?? `${d.jobId}~x`, data.forwards), data);
    return { forwardedTo: owner };
  }

  /** Records a failed attempt, then throws so that BullMQ retries it or fails it for good. */
  private async failAttempt(bull: Job<ChildJobData>, attempt: number, err: unknown, stage: FirmwareStage | undefined): Promise<ChildOutcome> {
    const d = bull.data;
    const { error, retryable } = describeFailure(err);
    const now = Date.now();
    const attemptsLeft = bull.attemptsMade + 1 < (bull.opts.attempts ?? 1);
    const nextDelay = this.deps.backoffMs * 2 ** bull.attemptsMade; // BullMQ exponential backoff
    if (retryable && attemptsLeft && now + nextDelay < d.deadline) {
      const result = await this.record(d, 'pending', { attempts: attempt, error, stage });
      // a cancelled job retries nothing: the device became cancelled instead
      if (result?.deviceStatus === 'cancelled') return { skipped: 'cancelled' };
      throw new Error(`${error.code}: ${error.message}`);
    }
    const final: DeviceJobError =
      retryable && attemptsLeft ? { ...error, code: 'TIMEOUT', message: `the job's deadline leaves no time for another attempt after: ${error.message}` } : error;
    await this.record(d, 'failed', { attempts: attempt, endedAt: now, error: final, stage });
    throw new UnrecoverableError(`${final.code}: ${final.message}`);
  }

  private checkDeadline(d: ChildJobData): void {
    if (Date.now() >= d.deadline) throw deadlineError(d);
  }
}

function attemptOf(bull: Job<ChildJobData>): number {
  return bull.data.attemptBase + bull.attemptsMade + 1;
}

function isFinal(status: DeviceJobStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

function deadlineError(d: ChildJobData): JobError {
  return new JobError('TIMEOUT', `job ${d.jobId} reached its maximum execution time (deadline ${new Date(d.deadline).toISOString()}) before device ${d.deviceId} finished`);
}

function notRegistered(deviceId: string): JobError {
  return new JobError('NOT_REGISTERED', `device ${deviceId} is not registered with any server`);
}
