import { Cluster, type Redis } from 'ioredis';
import type { NamedModelLookup } from '../objects/property-names.ts';
import type { DeviceGateway, TwinGateway } from './device-gateway.ts';
import { allowedOrigin } from './runtime/package-source.ts';

/** A single Redis or a Redis Cluster. */
export type JobsRedis = Redis | Cluster;

export interface JobServiceOptions {
  /**
   * Redis URL (a single Redis), or an ioredis client — `Redis` or `Cluster` — created with `maxRetriesPerRequest:
   * null` (BullMQ workers need it). A URL makes the service own (and close) its connection.
   */
  redis: string | JobsRedis;
  /**
   * BullMQ prefix; the layer's own keys live under it too (`RedisKeys.jobsPrefix()`). On a cluster it must be
   * hash-tagged (`{lwtwin:jobs}`) so that every script of BullMQ and of the job store finds its keys in one slot.
   * @defaultValue '{lwtwin:jobs}'
   */
  prefix?: string;
  gateway: DeviceGateway;
  twin: TwinGateway;
  /** The object registry (`await ObjectRegistry.loadDefault()`), for property names and resource models. */
  registry: NamedModelLookup;
  /**
   * BullMQ lock of a running job (ms). A process killed mid-job loses its lock after this long and the job is
   * retried by the next stalled check. @defaultValue 10000
   */
  lockDurationMs?: number;
  /**
   * Whether this process runs the periodic deadline sweep now: with several server processes, only the one holding
   * the fleet lease (the server's FleetCoordinator). @defaultValue always
   */
  sweepWhen?: () => boolean;
  /** Interval of BullMQ's stalled-job check (ms). @defaultValue 5000 */
  stalledIntervalMs?: number;
  /** How often a job may stall (its process died) before it fails with WORKER_LOST; 0 fails at the first stall. @defaultValue 2 */
  maxStalledCount?: number;
  /** Attempts per device when the spec gives none. @defaultValue 3 */
  defaultAttempts?: number;
  /** Base of the exponential backoff between attempts (ms): delay, 2·delay, 4·delay ... @defaultValue 1000 */
  backoffMs?: number;
  /** maxExecutionTimeSec of a single-device job when the spec gives none. @defaultValue 300 */
  singleMaxExecutionTimeSec?: number;
  /** maxExecutionTimeSec of a fleet job when the spec gives none. @defaultValue 3600 */
  fleetMaxExecutionTimeSec?: number;
  /** How often the deadline sweeper runs (ms). @defaultValue 1000 */
  sweepIntervalMs?: number;
  /** Extra time after a deadline before the sweeper fails what is left (ms). @defaultValue 2000 */
  deadlineGraceMs?: number;
  /** How long a finished job stays readable (s); 0 keeps it forever. @defaultValue 604800 (7 days) */
  retentionSec?: number;
  /** Firmware update: how often a waiting processor also reads State / Update Result (ms). @defaultValue 10000 */
  firmwarePollIntervalMs?: number;
  /** Largest firmware package pushed to a device (bytes). @defaultValue 33554432 (32 MiB) */
  maxPackageBytes?: number;
  /** The only directory `packageSource` files are read from; unset: local package sources are refused. @defaultValue undefined */
  firmwareDir?: string;
  /** Origins (`https://fw.example.com`) `packageSource` URLs may be fetched from; empty: URLs are refused. @defaultValue [] */
  firmwareUrlAllow?: readonly string[];
  /** Deadline of one package download (ms). @defaultValue 30000 */
  packageFetchTimeoutMs?: number;
  /** Largest fleet of one job. @defaultValue 100000 */
  maxFleetDevices?: number;
  /** How often one child may be forwarded to another server's queue. @defaultValue 5 */
  maxForwards?: number;
  /** Errors that concern no caller (Redis connection, event delivery, BullMQ internals). @defaultValue ignore */
  onError?: (err: Error) => void;
}

type Given = 'redis' | 'gateway' | 'twin' | 'registry' | 'firmwareDir' | 'sweepWhen';
export type ResolvedJobServiceOptions = Required<Omit<JobServiceOptions, Given>> & Pick<JobServiceOptions, Given>;

const DEFAULTS = {
  prefix: '{lwtwin:jobs}',
  lockDurationMs: 10_000,
  stalledIntervalMs: 5_000,
  maxStalledCount: 2,
  defaultAttempts: 3,
  backoffMs: 1_000,
  singleMaxExecutionTimeSec: 300,
  fleetMaxExecutionTimeSec: 3_600,
  sweepIntervalMs: 1_000,
  deadlineGraceMs: 2_000,
  retentionSec: 7 * 24 * 3600,
  firmwarePollIntervalMs: 10_000,
  maxPackageBytes: 32 * 1024 * 1024,
  packageFetchTimeoutMs: 30_000,
  maxFleetDevices: 100_000,
  maxForwards: 5,
} as const;

/** Fills in defaults and checks every option once, at construction; throws TypeError naming a bad option. */
export function resolveJobServiceOptions(options: JobServiceOptions): Readonly<ResolvedJobServiceOptions> {
  if (!options || typeof options !== 'object') throw new TypeError('JobService options are required');
  for (const name of ['gateway', 'twin', 'registry'] as const) {
    if (!options[name]) throw new TypeError(`JobService option "${name}" is required`);
  }
  if (!options.redis) throw new TypeError('JobService option "redis" (URL or ioredis client) is required');
  const resolved: ResolvedJobServiceOptions = { ...DEFAULTS, firmwareUrlAllow: [], onError: () => undefined, ...stripUndefined(options) };
  if (resolved.firmwareDir !== undefined && (typeof resolved.firmwareDir !== 'string' || resolved.firmwareDir === '')) throw new TypeError('JobService option "firmwareDir" must be a directory path');
  if (!Array.isArray(resolved.firmwareUrlAllow)) throw new TypeError('JobService option "firmwareUrlAllow" must be a list of origins');
  resolved.firmwareUrlAllow.forEach(allowedOrigin);
  if (typeof resolved.prefix !== 'string' || resolved.prefix === '') throw new TypeError('JobService option "prefix" must be a non-empty string');
  for (const name of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    if (name === 'prefix') continue;
    const value = resolved[name];
    const min = name === 'retentionSec' || name === 'maxForwards' || name === 'maxStalledCount' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new TypeError(`JobService option "${name}" must be an integer ≥ ${min}, got ${String(value)}`);
  }
  if (resolved.stalledIntervalMs > resolved.lockDurationMs) throw new TypeError('JobService option "stalledIntervalMs" must not exceed "lockDurationMs"');
  return Object.freeze(resolved);
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A new connection to the same Redis or cluster (`Redis#duplicate` and `Cluster#duplicate` differ in signature). */
export function duplicateJobsRedis(redis: JobsRedis, options: { enableAutoPipelining?: boolean } = {}): JobsRedis {
  return redis instanceof Cluster ? redis.duplicate(undefined, options) : redis.duplicate(options);
}
