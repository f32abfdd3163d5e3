/**
 * Connects jobs/ to this server process: the device gateway (device operations through the LwM2M server that owns
 * the device's socket) and the twin gateway (deep-read results, fleet queries, twin patches), then starts the
 * JobService and its workers. Job state changes this process causes are forwarded to `/api/events`.
 */
import type { DeviceGateway, TwinGateway } from '../jobs/device-gateway.ts';
import { JobService } from '../jobs/job-service.ts';
import type { ObjectRegistry } from '../objects/object-registry.ts';
import type { PropertyNames } from '../objects/property-names.ts';
import type { LwM2mLeaf } from '../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import type { LwTwinConfig } from './config.ts';
import { isServerError, ServerError } from './errors.ts';
import type { EventHub } from './events/event-hub.ts';
import type { JobsApi } from './http/api-context.ts';
import { ThrottledLog, type Logger } from './logger.ts';
import type { LwM2mServer } from './lwm2m/lwm2m-server.ts';
import type { Metrics } from './metrics.ts';
import { compileCondition } from './query/evaluate.ts';
import type { RedisKeys } from './store/keys.ts';
import { createRedisClient, type RedisClient } from './store/redis-client.ts';
import type { TwinSync } from './sync/twin-sync.ts';
import { toReportedUpdates } from './twin/reported-mapping.ts';
import { validateTwinPatch } from './twin/twin-patch.ts';
import type { TwinStore } from './twin/twin-store.ts';

export interface JobsWiringOptions {
  config: Readonly<LwTwinConfig>;
  redis: RedisClient;
  keys: RedisKeys;
  lwm2m: LwM2mServer;
  twins: TwinStore;
  names: PropertyNames;
  registry: ObjectRegistry;
  sync: TwinSync;
  events: EventHub;
  metrics: Metrics;
  logger: Logger;
  /** BullMQ lock duration and stalled check (tests shorten them). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Whether this process runs the fleet-wide deadline sweep now (the fleet lease holder). */
  sweepWhen?: () => boolean;
  concurrency?: number;
}

export interface JobsHandle {
  api: JobsApi;
  service: JobService;
  close(): Promise<void>;
}

/** The device gateway over this process's LwM2M server. */
export function deviceGateway(o: Pick<JobsWiringOptions, 'config' | 'lwm2m' | 'sync'>): DeviceGateway {
  const { lwm2m, sync } = o;
  const serverId = o.config.serverId;
  const opts = (x: { waitForWakeUpMs: number; timeoutMs?: number }) => ({ waitForWakeUpMs: x.waitForWakeUpMs, ...(x.timeoutMs !== undefined ? { timeoutMs: x.timeoutMs } : {}) });
  return {
    serverId,
    async ownerOf(ep) {
      const reg = await registrationOf(lwm2m, ep);
      return reg ? (reg.serverId ?? serverId) : undefined;
    },
    async isQueueMode(ep) {
      return (await registrationOf(lwm2m, ep))?.queueMode ?? false;
    },
    async read(ep, path, x) {
      return (await lwm2m.read(ep, path, opts(x))).leaves;
    },
    async write(ep, path, value, x) {
      await lwm2m.write(ep, path, value, opts(x));
    },
    async execute(ep, path, args, x) {
      await lwm2m.execute(ep, path, args ?? '', opts(x));
    },
    async writeAttributes(ep, path, attrs, x) {
      await lwm2m.writeAttributes(ep, path, attrs, opts(x));
    },
    async observe(ep, path, x) {
      const outcome = await lwm2m.observe(ep, path, opts(x));
      sync.enqueue(ep, outcome.leaves, 'notify', Date.now());
    },
    async cancelObservation(ep, path) {
      await lwm2m.cancelObservation(ep, path);
    },
    waitForValue(ep, path, predicate, timeoutMs, signal) {
      return waitForNotifiedValue(lwm2m, ep, path, predicate, timeoutMs, signal);
    },
  };
}

/** The device's registration through the LwM2M server's short-lived cache; undefined when not registered. */
async function registrationOf(lwm2m: LwM2mServer, ep: string) {
  try {
    return await lwm2m.getRegistration(ep);
  } catch (err) {
    if (isServerError(err, 'NOT_FOUND')) return undefined;
    throw err;
  }
}

/** Resolves with the first notified value at `path` of `ep` that satisfies `predicate`. */
function waitForNotifiedValue(lwm2m: LwM2mServer, ep: string, path: LwM2mPath, predicate: (v: unknown) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      lwm2m.off('notification', listener);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const listener = (n: { endpoint: string; leaves: LwM2mLeaf[] }) => {
      if (n.endpoint !== ep) return;
      for (const leaf of n.leaves) {
        if (leaf.path.equals(path) && predicate(leaf.value)) return done(() => resolve(leaf.value));
      }
    };
    const onAbort = () => done(() => reject(ServerError.timeout(`stopped waiting for ${path} of ${ep}`)));
    const timer = setTimeout(() => done(() => reject(ServerError.timeout(`device ${ep} did not report the expected ${path} within ${timeoutMs} ms`))), timeoutMs);
    lwm2m.on('notification', listener);
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
}

/** The twin gateway over the twin store. */
export function twinGateway(o: Pick<JobsWiringOptions, 'twins' | 'names' | 'sync'>): TwinGateway {
  const { twins, names } = o;
  return {
    async applyRead(ep, leaves, timestamp) {
      await twins.applyReported(toReportedUpdates(names, ep, leaves, 'read', timestamp));
    },
    async patch(ep, patch) {
      await twins.patch(ep, validateTwinPatch(patch));
    },
    async resolveQuery(where) {
      const query = compileCondition(where);
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const page = await twins.query(query, { pageSize: 1000, ...(token ? { continuationToken: token } : {}) });
        for (const item of page.items) if (typeof item.deviceId === 'string') ids.push(item.deviceId);
        token = page.continuationToken;
      } while (token);
      return ids;
    },
    async exists(ep) {
      return (await twins.get(ep)) !== undefined;
    },
  };
}

export async function startJobs(o: JobsWiringOptions): Promise<JobsHandle> {
  // BullMQ's own connection (workers block on it and need maxRetriesPerRequest: null), owned here
  const bullRedis = createRedisClient({ url: o.config.redisUrl, cluster: o.config.redisCluster }, { maxRetriesPerRequest: null });
  const bullErrors = new ThrottledLog(o.logger, 'jobs: redis connection problem');
  bullRedis.on('error', (err: Error) => bullErrors.error(err));
  const backgroundErrors = new ThrottledLog(o.logger, 'jobs: background error');
  const service = new JobService({
    redis: bullRedis,
    prefix: o.keys.jobsPrefix(),
    gateway: deviceGateway(o),
    twin: twinGateway(o),
    registry: o.registry,
    ...(o.config.firmwareDir === undefined ? {} : { firmwareDir: o.config.firmwareDir }),
    firmwareUrlAllow: o.config.firmwareUrlAllow,
    packageFetchTimeoutMs: o.config.firmwareFetchTimeoutMs,
    maxPackageBytes: o.config.firmwareMaxBytes,
    lockDurationMs: o.lockDurationMs ?? o.config.jobLockMs,
    stalledIntervalMs: o.stalledIntervalMs ?? Math.max(100, Math.floor((o.lockDurationMs ?? o.config.jobLockMs) / 2)),
    ...(o.sweepWhen ? { sweepWhen: o.sweepWhen } : {}),
    onError: (err) => backgroundErrors.error(err),
  });
  // Each job event is forwarded from the one process that caused it (every process sees the whole fleet's events
  // through the event hub), and counted there; the transition that settles a job comes as a status event with its
  // device, and counts too.
  const unsubscribe = service.onLocalEvent((e) => {
    o.events.publish('job', { ...e }, e.deviceId);
    if (e.deviceId !== undefined && e.deviceStatus !== undefined) o.metrics.jobs.inc({ type: String(e.jobType ?? 'unknown'), outcome: e.deviceStatus });
  });
  // Device jobs mostly wait on the network, so many run at once; one device's jobs still run one at a time.
  await service.startWorkers({ concurrency: o.concurrency ?? 256 });
  return {
    service,
    api: {
      submit: (spec) => service.submit(spec),
      get: async (id, opts) => {
        try {
          return await service.get(id, opts as any);
        } catch (err) {
          if ((err as { code?: string }).code === 'NOT_FOUND') return undefined;
          throw err;
        }
      },
      list: (filter) => service.list(filter as any),
      cancel: async (id) => {
        try {
          return await service.cancel(id);
        } catch (err) {
          if ((err as { code?: string }).code === 'NOT_FOUND') return undefined;
          throw err;
        }
      },
    },
    async close() {
      unsubscribe();
      await service.close();
      await bullRedis.quit().catch(() => bullRedis.disconnect());
    },
  };
}
