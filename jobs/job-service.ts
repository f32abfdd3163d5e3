import { randomUUID } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { PropertyNames } from '../objects/property-names.ts';
import { JobError } from './job-error.ts';
import { duplicateJobsRedis, resolveJobServiceOptions, type JobServiceOptions, type JobsRedis, type ResolvedJobServiceOptions } from './job-service-options.ts';
import { isJobType, type JobSpec } from './job-spec.ts';
import { JOB_STATUSES, type JobEvent, type JobListQuery, type JobPage, type JobSummary, type JobView } from './job-view.ts';
import { BULL_ID, BULL_JOB, CONTROL_QUEUE, deviceQueueName, JobKeys } from './queue-names.ts';
import { ChildRunner } from './runtime/child-runner.ts';
import { DeadlineSweeper } from './runtime/deadline-sweeper.ts';
import { DeviceLocks } from './runtime/device-locks.ts';
import { Dispatcher } from './runtime/dispatcher.ts';
import { JobEventBus, type JobEventListener } from './runtime/job-events.ts';
import { JobQueues, type ChildJobData, type DispatchJobData } from './runtime/job-queues.ts';
import { PackageLoader } from './runtime/package-loader.ts';
import { PackageSources } from './runtime/package-source.ts';
import { JobStore, type IndexPosition, type JobRecord, type NewJobRecord } from './store/job-store.ts';
import { checkJobSpec } from './validation/job-spec-check.ts';
import { resolveJobTarget } from './validation/job-target.ts';

export interface SubmitResult {
  jobId: string;
  /** False when a job with this jobId already existed: nothing was created and the existing job is unchanged. */
  created: boolean;
}

export interface WorkerStartOptions {
  /** Jobs run at once per queue (devices of this server, and control work). @defaultValue 16 */
  concurrency?: number;
}

export interface GetJobOptions {
  /** Per-device results page size, 1–1000. @defaultValue 100 */
  resultsLimit?: number;
  resultsCursor?: string;
}

const MAX_PAGE = 1000;
const LIST_SCAN_BUDGET = 5000;

/**
 * Device jobs on BullMQ (Azure IoT Hub jobs doc; docs/twin-model.md): the facade the HTTP API and the CLI use.
 *
 * - `submit` checks everything first and creates nothing on bad input (JobError with a clear message).
 * - A single-device job is one BullMQ job in the device queue of the server that owns the device
 *   (`device-jobs-<serverId>`); a fleet job is a parent in the shared control queue that fans out one child per
 *   device at the start time. A child always runs in the process holding its device's socket and is forwarded if
 *   the device moved.
 * - Exact counts live in a Redis hash per job, changed atomically with each device's status; the job completes with
 *   its last device (`completed` even when some failed, `failed` only when all failed) or fails what is left at its
 *   deadline with TIMEOUT.
 * - Several processes sharing one Redis each run the jobs of their own devices; `onEvent` sees every process's
 *   events.
 */
export class JobService {
  private readonly options: Readonly<ResolvedJobServiceOptions>;
  /** BullMQ's connection (workers duplicate it for their blocking reads). */
  private readonly redis: JobsRedis;
  private readonly ownsRedis: boolean;
  /** Auto-pipelined connection of the job records, events and enqueueing. */
  private readonly commands: JobsRedis;
  private readonly keys: JobKeys;
  private readonly store: JobStore;
  private readonly events: JobEventBus;
  private readonly queues: JobQueues;
  private readonly names: PropertyNames;
  private readonly packageSources: PackageSources;
  private readonly runner: ChildRunner;
  private readonly dispatcher: Dispatcher;
  private readonly sweeper: DeadlineSweeper;
  private workers: Worker[] = [];
  /** Workers on the device queues of dead servers, by server id (see adoptQueues). */
  private readonly adopted = new Map<string, Worker>();
  private closed = false;

  constructor(options: JobServiceOptions) {
    this.options = resolveJobServiceOptions(options);
    const { redis, prefix, gateway, twin, registry, onError } = this.options;
    deviceQueueName(gateway.serverId); // checks the server id
    this.ownsRedis = typeof redis === 'string';
    this.redis = typeof redis === 'string' ? new Redis(redis, { maxRetriesPerRequest: null }) : redis;
    if (this.ownsRedis) this.redis.on('error', onError);
    this.commands = duplicateJobsRedis(this.redis, { enableAutoPipelining: true });
    this.commands.on('error', onError);
    this.keys = new JobKeys(prefix);
    this.store = new JobStore({ redis: this.commands, keys: this.keys, retentionSec: this.options.retentionSec });
    this.events = new JobEventBus(this.commands, this.keys.events(), onError);
    this.queues = new JobQueues(this.commands, prefix, this.options.backoffMs);
    this.names = new PropertyNames(registry);
    this.packageSources = new PackageSources({
      ...(this.options.firmwareDir === undefined ? {} : { dir: this.options.firmwareDir }),
      urlAllow: this.options.firmwareUrlAllow,
      maxBytes: this.options.maxPackageBytes,
      fetchTimeoutMs: this.options.packageFetchTimeoutMs,
    });
    this.runner = new ChildRunner({
      store: this.store,
      events: this.events,
      queues: this.queues,
      locks: new DeviceLocks(),
      gateway,
      twin,
      names: this.names,
      packages: new PackageLoader(this.packageSources, this.options.maxPackageBytes),
      backoffMs: this.options.backoffMs,
      pollIntervalMs: this.options.firmwarePollIntervalMs,
      maxForwards: this.options.maxForwards,
    });
    this.dispatcher = new Dispatcher(this.store, this.events, this.queues, gateway);
    this.sweeper = new DeadlineSweeper(this.store, this.events, this.queues, {
      intervalMs: this.options.sweepIntervalMs,
      graceMs: this.options.deadlineGraceMs,
      leaseMs: Math.max(30_000, this.options.sweepIntervalMs * 10),
      onError,
      ...(this.options.sweepWhen ? { shouldSweep: this.options.sweepWhen } : {}),
    });
  }

  /** This process's server id (its device queue is `device-jobs-<serverId>`). */
  get serverId(): string {
    return this.options.gateway.serverId;
  }

  /**
   * Checks and creates a job. Refused up front (JobError, nothing created): unknown type or field, unknown device,
   * unknown / service / tag property, read-only or non-executable target, a value that does not fit the resource
   * type, malformed query, empty fleet, start time in the past. A `jobId` that exists returns that job unchanged.
   */
  async submit(spec: JobSpec | unknown): Promise<SubmitResult> {
    this.checkOpen();
    const now = Date.now();
    const checked = await checkJobSpec(spec, { names: this.names, models: this.options.registry, packageSources: this.packageSources }, now);
    // the id check, the target resolution and the owner lookup run side by side; an existing id wins over target errors
    const resolving = resolveJobTarget(checked.target, this.options.twin, this.options.maxFleetDevices);
    const single = typeof checked.target.deviceId === 'string' && checked.type !== 'twinUpdate';
    const owner = single ? this.options.gateway.ownerOf(checked.target.deviceId as string).catch(() => undefined) : Promise.resolve(undefined);
    if (checked.jobId !== undefined) {
      resolving.catch(() => undefined);
      if (await this.store.exists(checked.jobId)) return { jobId: checked.jobId, created: false };
    }
    const { target, devices, fleet } = await resolving;

    const id = checked.jobId ?? randomUUID();
    const startAt = checked.startTime ?? now;
    const delay = startAt - now;
    const maxExecutionTimeSec = checked.maxExecutionTimeSec ?? (fleet ? this.options.fleetMaxExecutionTimeSec : this.options.singleMaxExecutionTimeSec);
    const record: NewJobRecord = {
      id,
      type: checked.type,
      status: delay > 0 ? 'scheduled' : 'queued',
      createdAt: now,
      startAt,
      deadline: startAt + maxExecutionTimeSec * 1000,
      maxExecutionTimeSec,
      attempts: checked.attempts ?? this.options.defaultAttempts,
      fleet,
      payload: checked.payload,
      target,
    };
    const deviceOwner = await owner;
    if (checked.jobId === undefined) {
      // a fresh id cannot exist: send the record and the BullMQ job without waiting in between (one connection
      // keeps their order, so a worker always finds the record)
      await Promise.all([this.store.create(record, devices), this.enqueue(record, devices, delay, deviceOwner)]);
    } else {
      // a client id may have been taken since the check: enqueue only what this call created
      if (!(await this.store.create(record, devices))) return { jobId: id, created: false };
      await this.enqueue(record, devices, delay, deviceOwner);
    }
    this.events.publish({ kind: 'created', jobId: id, jobType: record.type, status: record.status, counts: countsOf(devices.length), time: new Date(now).toISOString() });
    return { jobId: id, created: true };
  }

  /** The job with one page of per-device results (in target order). Throws NOT_FOUND. */
  async get(jobId: string, options: GetJobOptions = {}): Promise<JobView> {
    const record = await this.store.read(checkJobId(jobId));
    if (!record) throw new JobError('NOT_FOUND', `job "${jobId}" does not exist (or its retention ended)`, { details: { jobId } });
    const limit = pageSize(options.resultsLimit, 100, 'resultsLimit');
    const offset = decodeOffset(options.resultsCursor);
    const results = await this.store.results(jobId, offset, limit);
    const view: JobView = { ...summary(record), results };
    if (offset + results.length < record.counts.devices) view.resultsCursor = String(offset + results.length);
    return view;
  }

  /** Jobs newest first, optionally of one status and/or type (Azure IoT Hub jobs doc, job query). */
  async list(query: JobListQuery = {}): Promise<JobPage> {
    if (query.status !== undefined && !JOB_STATUSES.includes(query.status)) throw new JobError('INVALID_JOB', `unknown status "${String(query.status)}" (known: ${JOB_STATUSES.join(', ')})`);
    if (query.type !== undefined && !isJobType(query.type)) throw new JobError('INVALID_JOB', `unknown job type "${String(query.type)}"`);
    const limit = pageSize(query.limit, 50, 'limit');
    let position = decodeListCursor(query.cursor);
    const jobs: JobSummary[] = [];
    let scanned = 0;
    let exhausted = false;
    while (jobs.length < limit && scanned < LIST_SCAN_BUDGET) {
      const batch = await this.store.indexPage(position, Math.min(MAX_PAGE, (limit - jobs.length) * 2));
      if (batch.length === 0) {
        exhausted = true;
        break;
      }
      const records = await this.store.readMany(batch.map((p) => p.id));
      const gone: string[] = [];
      for (let i = 0; i < batch.length && jobs.length < limit; i++) {
        position = batch[i];
        scanned++;
        const record = records[i];
        if (!record) gone.push(batch[i].id);
        else if ((query.status === undefined || record.status === query.status) && (query.type === undefined || record.type === query.type)) jobs.push(summary(record));
      }
      await this.store.dropFromIndex(gone);
    }
    const page: JobPage = { jobs };
    if (!exhausted && position !== undefined && (jobs.length === limit || scanned >= LIST_SCAN_BUDGET)) {
      const more = await this.store.indexPage(position, 1);
      if (more.length > 0) page.cursor = encodeListCursor(position);
    }
    return page;
  }

  /**
   * Cancels a job (Azure IoT Hub jobs doc): status `cancelled`, pending devices are dropped (their queued work is skipped),
   * running devices finish but do not change the status. Cancelling a cancelled job is a no-op; a completed or
   * failed job gives JOB_FINISHED; an unknown one NOT_FOUND.
   */
  async cancel(jobId: string): Promise<JobView> {
    this.checkOpen();
    const result = await this.store.cancel(checkJobId(jobId));
    if (!result) throw new JobError('NOT_FOUND', `job "${jobId}" does not exist (or its retention ended)`, { details: { jobId } });
    if (result.status === 'completed' || result.status === 'failed') throw new JobError('JOB_FINISHED', `job "${jobId}" already ${result.status}`, { details: { jobId, status: result.status } });
    if (result.statusChanged) {
      this.events.publishTransition(jobId, result);
      await this.queues.removeQuietly(CONTROL_QUEUE, BULL_ID.dispatch(jobId));
    }
    return this.get(jobId);
  }

  /** Calls `listener` for every job state change of every process sharing the Redis; returns the unsubscribe function. */
  onEvent(listener: (event: JobEvent) => void): () => void {
    this.checkOpen();
    return this.events.subscribe(listener as JobEventListener);
  }

  /**
   * Calls `listener` for the job state changes this process causes (submissions, its devices' transitions, the
   * deadline sweep when it holds the fleet lease): the events of the fleet, each seen by exactly one process.
   */
  onLocalEvent(listener: (event: JobEvent) => void): () => void {
    this.checkOpen();
    return this.events.subscribeLocal(listener as JobEventListener);
  }

  /** Resolves once `onEvent` listeners receive events (the subscription is asynchronous). */
  async eventsReady(): Promise<void> {
    await this.events.ready();
  }

  /**
   * Runs here the device queues of the servers in `deadServerIds` (servers that stopped without handing their devices
   * over), so their children move to the servers now holding the devices (ChildRunner.processOrphan); stops running
   * the adopted queues of servers no longer in the list (they came back). Only one process of the fleet should adopt
   * (the server's FleetCoordinator calls this on the lease holder). Resolves to the dead servers whose queue is
   * empty now, which the caller may forget.
   */
  async adoptQueues(deadServerIds: readonly string[]): Promise<string[]> {
    this.checkOpen();
    const dead = new Set(deadServerIds.filter((id) => id !== this.serverId));
    for (const [id, worker] of this.adopted) {
      if (dead.has(id)) continue;
      this.adopted.delete(id);
      await worker.close().catch(this.options.onError);
    }
    const { prefix, lockDurationMs, stalledIntervalMs, maxStalledCount, onError } = this.options;
    const drained: string[] = [];
    for (const id of dead) {
      const name = deviceQueueName(id);
      if (!this.adopted.has(id)) {
        const worker = new Worker<ChildJobData>(name, (job, token) => this.runner.processOrphan(job, id, token), {
          connection: this.redis,
          prefix,
          concurrency: 16,
          lockDuration: lockDurationMs,
          stalledInterval: stalledIntervalMs,
          maxStalledCount,
        });
        worker.on('error', onError);
        worker.on('failed', (job, err) => {
          this.runner.onFailed(job as Job<ChildJobData> | undefined, err).catch(onError);
        });
        this.adopted.set(id, worker);
      }
      const counts = await this.queues.queue(name).getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      if (Object.values(counts).every((n) => n === 0)) drained.push(id);
    }
    return drained;
  }

  /**
   * Starts this process's workers: its device queue (jobs of the devices it holds), the shared control queue and
   * the deadline sweeper. A process that only submits and reads jobs does not call it.
   */
  async startWorkers(options: WorkerStartOptions = {}): Promise<void> {
    this.checkOpen();
    if (this.workers.length > 0) return;
    const concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new JobError('INVALID_JOB', 'concurrency must be a whole number ≥ 1');
    const { prefix, lockDurationMs, stalledIntervalMs, maxStalledCount, onError } = this.options;
    const common = { connection: this.redis, prefix, concurrency, lockDuration: lockDurationMs, stalledInterval: stalledIntervalMs, maxStalledCount };
    const device = new Worker<ChildJobData>(deviceQueueName(this.serverId), (job) => this.runner.processDevice(job), common);
    const control = new Worker<ChildJobData | DispatchJobData>(CONTROL_QUEUE, (job) => this.processControl(job), common);
    for (const worker of [device, control]) {
      worker.on('error', onError);
      worker.on('failed', (job, err) => {
        this.runner.onFailed(job as Job<ChildJobData> | undefined, err).catch(onError);
      });
    }
    this.workers = [device, control];
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    this.sweeper.start();
  }

  /**
   * Stops workers, the sweeper and event delivery, and closes the connections it owns. Waits for running jobs to
   * finish unless `force`, which drops them as a crash would (their BullMQ locks expire and another worker with
   * the same serverId retries them).
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const force = options.force === true;
    const workers = [...this.workers, ...this.adopted.values()];
    this.workers = [];
    this.adopted.clear();
    await this.sweeper.stop();
    await Promise.all(workers.map((w) => w.close(force).catch(this.options.onError)));
    await this.queues.close();
    await this.events.close(force);
    if (force) this.commands.disconnect();
    else await this.commands.quit().catch(() => this.commands.disconnect());
    if (this.ownsRedis) {
      if (force) this.redis.disconnect();
      else await this.redis.quit().catch(() => this.redis.disconnect());
    }
  }

  private processControl(job: Job<ChildJobData | DispatchJobData>): Promise<unknown> {
    switch (job.name) {
      case BULL_JOB.dispatch:
        return this.dispatcher.dispatch(job as Job<DispatchJobData>);
      case BULL_JOB.twin:
        return this.runner.processTwin(job as Job<ChildJobData>);
      case BULL_JOB.device:
        return this.runner.processUnrouted(job as Job<ChildJobData>);
      default:
        return Promise.reject(new JobError('INTERNAL', `unknown control job "${job.name}"`));
    }
  }

  /** Fleet: the parent (dispatch) in the control queue; single device: the child in its owner's queue. */
  private async enqueue(record: NewJobRecord, devices: readonly string[], delay: number, owner: string | undefined): Promise<void> {
    if (record.fleet) {
      await this.queues.addDispatch(record.id, delay);
      return;
    }
    const data: ChildJobData = { jobId: record.id, deviceId: devices[0], payload: record.payload, deadline: record.deadline, attempts: record.attempts, attemptBase: 0, forwards: 0 };
    const bullId = BULL_ID.child(record.id, 0);
    if (record.payload.type === 'twinUpdate') await this.queues.addChild(CONTROL_QUEUE, BULL_JOB.twin, bullId, data, delay);
    else await this.queues.addChild(this.queues.queueForOwner(owner), BULL_JOB.device, bullId, data, delay);
  }

  private checkOpen(): void {
    if (this.closed) throw new JobError('INTERNAL', 'the job service is closed');
  }
}

function countsOf(devices: number): JobView['counts'] {
  return { devices, pending: devices, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
}

function summary(r: JobRecord): JobSummary {
  const finished = r.counts.succeeded + r.counts.failed + r.counts.cancelled;
  const final = r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled';
  const percent = final ? 100 : (r.percent ?? (r.counts.devices === 0 ? 0 : Math.floor((finished * 100) / r.counts.devices)));
  const s: JobSummary = {
    jobId: r.id,
    type: r.type,
    status: r.status,
    target: r.target,
    createdAt: iso(r.createdAt),
    startTime: iso(r.startAt),
    maxExecutionTimeSec: r.maxExecutionTimeSec,
    progress: r.stage === undefined ? { percent } : { percent, stage: r.stage },
    counts: r.counts,
  };
  if (r.startedAt !== undefined) s.startedAt = iso(r.startedAt);
  if (r.endedAt !== undefined) s.endedAt = iso(r.endedAt);
  return s;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkJobId(jobId: unknown): string {
  if (typeof jobId !== 'string' || jobId === '' || jobId.length > 256) throw new JobError('INVALID_JOB', 'a job id must be a non-empty string');
  return jobId;
}

function pageSize(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE) throw new JobError('INVALID_JOB', `"${name}" must be a whole number in 1..${MAX_PAGE}`);
  return value;
}

function decodeOffset(cursor: unknown): number {
  if (cursor === undefined) return 0;
  if (typeof cursor !== 'string' || !/^\d{1,9}$/.test(cursor)) throw new JobError('INVALID_JOB', 'invalid results cursor');
  return Number(cursor);
}

function encodeListCursor(p: IndexPosition): string {
  return Buffer.from(JSON.stringify([p.score, p.id])).toString('base64url');
}

function decodeListCursor(cursor: unknown): IndexPosition | undefined {
  if (cursor === undefined) return undefined;
  try {
    if (typeof cursor !== 'string') throw new Error('not a string');
    const [score, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof score !== 'number' || typeof id !== 'string') throw new Error('bad shape');
    return { score, id };
  } catch (err) {
    throw new JobError('INVALID_JOB', 'invalid list cursor', { cause: err });
  }
}
