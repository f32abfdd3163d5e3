/**
 * The composition root: builds one lwtwin server process from a validated configuration — Redis, object model,
 * CoAP endpoint, LwM2M server, registration and twin stores, twin sync, event hub, jobs, HTTP API — and stops it in
 * reverse order.
 */
import type { FastifyInstance } from 'fastify';
import { CoapEndpoint } from '../protocol/coap/endpoint.ts';
import { ObjectRegistry } from '../objects/object-registry.ts';
import { PropertyNames } from '../objects/property-names.ts';
import type { LwTwinConfig } from './config.ts';
import { EventHub } from './events/event-hub.ts';
import { TokenAuth, type Role } from './http/auth.ts';
import type { JobsApi } from './http/api-context.ts';
import { buildHttpApi } from './http/http-api.ts';
import { createLogger, ThrottledLog, type Logger } from './logger.ts';
import { LwM2mServer } from './lwm2m/lwm2m-server.ts';
import { Metrics } from './metrics.ts';
import { nodeBounds, watchBounds } from './node-bounds.ts';
import { RedisRegistrationStore } from './registration/redis-registration-store.ts';
import { RedisKeys } from './store/keys.ts';
import { RedisHealth } from './store/redis-health.ts';
import { RedisSecurityStore } from './security/redis-security-store.ts';
import { startBootstrap, type BootstrapHandle } from './bootstrap/bootstrap-wiring.ts';
import type { SecurityStore } from './security/security-store.ts';
import { migrateLayout } from './store/migrate-layout.ts';
import { backfillNumberIndex } from './twin/number-index.ts';
import { FleetCoordinator } from './fleet/fleet-coordinator.ts';
import { createRedisClient } from './store/redis-client.ts';
import { TwinSync } from './sync/twin-sync.ts';
import { connectionIdPrefix, dtlsServerCredentials } from './security/dtls-credentials.ts';
import { RedisDtlsSessionStore } from './security/redis-dtls-session-store.ts';
import { DtlsSocket } from '../protocol/dtls/dtls-socket.ts';
import type { DtlsSocketOptions } from '../protocol/dtls/dtls-options.ts';
import { CachedTwinStore } from './twin/twin-cache.ts';
import { RedisTwinStore } from './twin/redis-twin-store.ts';
import { startJobs, type JobsHandle } from './jobs-wiring.ts';

/** Longest one shutdown step (closing the HTTP API, the job workers, flushing twins ...) may take, ms. */
const STOP_STEP_MS = 2500;

export interface LwTwinServerHandle {
  readonly config: Readonly<LwTwinConfig>;
  readonly coapPort: number;
  /** The coaps (CoAP over DTLS) port. */
  readonly coapsPort: number;
  readonly httpPort: number;
  readonly httpUrl: string;
  readonly lwm2m: LwM2mServer;
  readonly twins: CachedTwinStore;
  readonly sync: TwinSync;
  /** The fleet-wide event hub behind `/api/events`. */
  readonly events: EventHub;
  readonly jobs?: JobsApi;
  /** DTLS credentials of the DM server and of the bootstrap server (separate namespaces). */
  readonly security: Readonly<Record<'dm' | 'bootstrap', SecurityStore>>;
  /** The bootstrap server's store, and its UDP port when `bootstrapPort` is set. */
  readonly bootstrap: BootstrapHandle;
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** Start BullMQ workers and the jobs API. @defaultValue true */
  jobs?: boolean;
  /** Test hooks for the CoAP endpoint (shorter ACK timeouts). */
  coapParams?: { ackTimeoutMs?: number; requestTimeoutMs?: number };
  /** Test hooks for the DTLS socket (short retransmission timers, small caps). */
  dtls?: Partial<Omit<DtlsSocketOptions, 'server' | 'client' | 'port' | 'address'>>;
  /** Queue-mode presence sweep period, ms (tests). */
  queueModeSweepMs?: number;
  /** Registration expiry sweep period, ms (tests). */
  expirySweepMs?: number;
  /** Period of the Redis health check, ms (tests). @defaultValue 1000 */
  redisHealthIntervalMs?: number;
  /** Defaults to the config's `adminToken`; the server refuses to start without any token. */
  tokens?: Record<string, Role>;
  /** Called with the HTTP app before it listens (tests add hooks, e.g. the API contract check). */
  onHttpApp?: (app: FastifyInstance) => void;
}

export async function startLwTwinServer(config: Readonly<LwTwinConfig>, opts: StartOptions = {}): Promise<LwTwinServerHandle> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const tokens: Record<string, Role> = { ...config.tokens, ...(config.adminToken ? { [config.adminToken]: 'admin' as const } : {}), ...(opts.tokens ?? {}) };
  if (Object.keys(tokens).length === 0) throw new Error('no API token configured: set LWTWIN_ADMIN_TOKEN (or --admin-token) or tokens in the config file');

  const cleanups: Array<() => Promise<void> | void> = [];
  let stopping: Promise<void> | undefined;
  // Each step is bounded so the process stops in every state (Redis gone, devices silent, clients attached): a step
  // that overruns is abandoned and logged.
  const stop = () =>
    (stopping ??= (async () => {
      for (const c of cleanups.reverse()) {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            Promise.resolve().then(c),
            new Promise<void>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`a shutdown step took over ${STOP_STEP_MS} ms; abandoned`)), STOP_STEP_MS))),
          ]);
        } catch (err) {
          logger.warn({ err }, 'error while stopping');
        } finally {
          clearTimeout(timer);
        }
      }
    })());
  try {
    // Auto-pipelining: commands issued in one tick leave in one write; registration bursts otherwise cost a syscall each.
    // A single Redis or a Redis Cluster: every store runs the same code on either (server/store/redis-client.ts).
    // While Redis is unreachable commands fail at once (no offline queue) or after commandTimeout, never hang: callers
    // answer 503 / 5.03, notify batches wait in TwinSync's bounded buffer, health answers from RedisHealth's state.
    const redis = createRedisClient(
      { url: config.redisUrl, cluster: config.redisCluster },
      { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 5000, connectTimeout: 2000, lazyConnect: true, enableAutoPipelining: true },
    );
    const redisErrors = new ThrottledLog(logger, 'redis connection problem');
    redis.on('error', (err: Error) => redisErrors.error(err));
    cleanups.push(() => void redis.disconnect());
    await redis.connect();
    const keys = new RedisKeys(config.redisPrefix);
    await migrateLayout(redis, keys, logger);
    // Several nodes on one Redis (or cluster): heartbeats, and one lease holder that runs the fleet-wide sweeps and
    // adopts the job queue of a dead node (its handler is set once jobs are up).
    let onNodes: (nodes: { dead: string[]; alive: string[] }) => Promise<void> = async () => undefined;
    const fleet = new FleetCoordinator({ redis, keys, serverId: config.serverId, nodeTimeoutMs: config.nodeTimeoutMs, logger, onNodes: (n) => onNodes(n) });
    await fleet.start();
    cleanups.push(() => fleet.stop());
    const metrics = new Metrics();
    let onDataLoss: () => void = () => undefined;
    const health = new RedisHealth({
      redis,
      markerKey: keys.marker(config.serverId),
      serverId: config.serverId,
      ...(opts.redisHealthIntervalMs ? { intervalMs: opts.redisHealthIntervalMs } : {}),
      onDataLoss: () => {
        metrics.redisDataLosses.inc();
        logger.error('redis lost its data (marker key missing): writing back the registrations this process holds');
        onDataLoss();
      },
      onRecovered: () => logger.warn('redis reachable again'),
    });
    await health.start();
    cleanups.push(() => health.stop());
    metrics.redisUp.set(1);
    const redisUp = setInterval(() => metrics.redisUp.set(health.reachable ? 1 : 0), 1000);
    redisUp.unref();
    cleanups.push(() => clearInterval(redisUp));

    const registry = await ObjectRegistry.loadDefault(config.objectsDirs, { onWarning: (msg) => logger.warn(msg) });
    const names = new PropertyNames(registry);

    // Every bound on per-device state follows from --max-devices, and reports its use in /metrics.
    const bounds = nodeBounds(config);
    const endpoint = await CoapEndpoint.bind({
      port: config.coapPort,
      address: config.coapHost,
      ...(opts.coapParams ? { params: opts.coapParams } : {}),
      maxInFlight: bounds.maxInFlight,
      maxObservations: bounds.maxObservations,
      socketBufferBytes: 8 * 1024 * 1024,
    } as Parameters<typeof CoapEndpoint.bind>[0]);
    cleanups.push(() => endpoint.close());
    endpoint.on('warning', (err: Error) => logger.debug({ err: err.message }, 'coap warning'));

    const registrations = new RedisRegistrationStore({ redis, keys });
    if (!config.serverSecret) logger.warn('no server secret configured (--server-secret): PSK keys are stored unencrypted in Redis');
    const security: Readonly<Record<'dm' | 'bootstrap', SecurityStore>> = Object.freeze({
      dm: new RedisSecurityStore({ redis, keys, namespace: 'dm', ...(config.serverSecret ? { serverSecret: config.serverSecret } : {}) }),
      bootstrap: new RedisSecurityStore({ redis, keys, namespace: 'bootstrap', ...(config.serverSecret ? { serverSecret: config.serverSecret } : {}) }),
    });
    const { credentials, ephemeralKey } = dtlsServerCredentials(config, security.dm);
    if (ephemeralKey) logger.warn('no --dtls-key: RPK/X.509 devices see an ephemeral server key that changes on every restart');
    // DTLS sessions outlive the process (a restart or another node takes them over) only sealed with the server secret.
    if (!config.serverSecret) logger.warn('no server secret configured (--server-secret): DTLS sessions are not persisted and devices need a new handshake after a restart');
    const sessionPersistence = config.serverSecret ? new RedisDtlsSessionStore({ redis, keys, serverSecret: config.serverSecret }) : undefined;
    // Connection IDs start with the node's prefix, so a CID-aware balancer can route them (README, "Several nodes").
    const cidPrefix = connectionIdPrefix(config.serverId);
    const dtls = await DtlsSocket.bind({ port: config.coapsPort, address: config.coapHost, server: credentials, connectionIdPrefix: cidPrefix, socketBufferBytes: 8 * 1024 * 1024, ...(sessionPersistence ? { sessionPersistence } : {}), ...(opts.dtls ?? {}) });
    const persistErrors = new ThrottledLog(logger, 'dtls session persistence failed (sessions carry on in memory)');
    dtls.on('persistenceError', (err: Error) => persistErrors.error(err));
    const secureEndpoint = CoapEndpoint.over(dtls, { ...(opts.coapParams ? { params: opts.coapParams } : {}), maxInFlight: bounds.maxInFlight, maxObservations: bounds.maxObservations } as Parameters<typeof CoapEndpoint.over>[1]);
    cleanups.push(() => secureEndpoint.close());
    secureEndpoint.on('warning', (err: Error) => logger.debug({ err: err.message }, 'coaps warning'));
    dtls.on('handshakeFailed', (peer: { address: string; port: number }, err: Error) => logger.info({ peer, reason: err.message }, 'dtls handshake failed'));
    metrics.watchDtls(() => dtls.stats());
    const coapsPort = dtls.address().port;

    const twinStore = new RedisTwinStore({ redis, keys, logger, rangeIndex: config.twinRangeIndex });
    const twins = await CachedTwinStore.create(twinStore, { maxEntries: config.cacheSize });
    cleanups.push(() => twins.close());
    metrics.watchCache(() => twins.stats());

    const lwm2m = new LwM2mServer({
      endpoint,
      secureEndpoint,
      security: security.dm,
      requireDtls: config.requireDtls,
      registrations,
      model: registry,
      serverId: config.serverId,
      requestTimeoutMs: opts.coapParams?.requestTimeoutMs ?? config.requestTimeoutMs,
      queueModeAwakeMs: config.queueModeAwakeMs,
      lifetimeGraceMs: config.lifetimeGraceSec * 1000,
      registerRatePerAddress: config.registerRatePerAddress,
      registerBurst: config.registerBurst,
      downlinkRatePerAddress: config.downlinkRatePerAddress,
      downlinkBurst: config.downlinkBurst,
      registrationCacheEntries: bounds.registrationCacheEntries,
      logger: logger.child({ component: 'lwm2m' }),
      metrics,
      ...(opts.queueModeSweepMs ? { queueModeSweepMs: opts.queueModeSweepMs } : {}),
      ...(opts.expirySweepMs ? { expirySweepMs: opts.expirySweepMs } : {}),
      expirySweepWhen: () => fleet.isLeader(),
    });

    const events = new EventHub({ redis, channel: keys.events() });
    await events.start();
    cleanups.push(() => events.stop());

    const sync = new TwinSync({
      lwm2m,
      twins,
      names,
      registry,
      observe: { objects: config.observeObjects, pmin: config.observePmin, pmax: config.observePmax, overrides: config.observeOverrides },
      logger: logger.child({ component: 'sync' }),
      metrics,
      events,
      setupConcurrency: config.observeSetupConcurrency,
      setupRatePerSecond: config.observeSetupRate,
      setupRetryMs: config.observeRetrySec * 1000,
    });
    await sync.start();
    cleanups.push(() => sync.stop());
    metrics.watchSetupBacklog(() => sync.keeper.backlog);
    watchBounds(metrics, () => {
      const [plain, secure] = [endpoint.stats(), secureEndpoint.stats()];
      return [
        { bound: 'coap_observations', used: plain.observations, max: bounds.maxObservations },
        { bound: 'coaps_observations', used: secure.observations, max: bounds.maxObservations },
        { bound: 'coap_in_flight', used: plain.inFlight, max: bounds.maxInFlight },
        { bound: 'coaps_in_flight', used: secure.inFlight, max: bounds.maxInFlight },
        { bound: 'devices', used: sync.keeper.devices, max: bounds.maxDevices },
        { bound: 'registration_cache', used: lwm2m.registrationsCached, max: bounds.registrationCacheEntries },
        { bound: 'twin_cache', used: twins.stats().size, max: bounds.twinCacheEntries },
      ];
    });
    lwm2m.start();
    cleanups.push(() => lwm2m.stop());
    metrics.watchDevicesOnline(() => lwm2m.onlineCount());
    onDataLoss = () => void lwm2m.restoreAll().then((n) => logger.warn({ restored: n }, 'registrations written back after redis lost its data'));
    // Observations belong to the process: a restarted one holds none. Re-establish them, paced, without delaying start.
    void sync.recover().catch((err: unknown) => logger.error({ err }, 're-establishing observations after start failed'));

    const bootstrap = await startBootstrap({
      config, redis, keys, model: registry, dmSecurity: security.dm, bootstrapSecurity: security.bootstrap, dtlsServer: credentials, twins, events, metrics, logger: logger.child({ component: 'bootstrap' }),
      ...(opts.coapParams ? { coapParams: opts.coapParams } : {}),
      ...(opts.dtls ? { dtls: opts.dtls } : {}),
    });
    cleanups.push(() => bootstrap.stop());

    let jobs: JobsHandle | undefined;
    if (opts.jobs !== false) {
      const started = await startJobs({ config, redis, keys, lwm2m, twins, names, registry, sync, events, metrics, logger: logger.child({ component: 'jobs' }), sweepWhen: () => fleet.isLeader() });
      jobs = started;
      cleanups.push(() => {
        onNodes = async () => undefined;
        return started.close();
      });
      onNodes = async ({ dead }) => {
        for (const id of await started.service.adoptQueues(dead)) await fleet.forget(id);
      };
    }

    const app = await buildHttpApi({
      logger,
      metrics,
      auth: new TokenAuth(tokens),
      registrations,
      twins,
      names,
      objects: registry,
      events,
      sseMaxBufferedBytes: config.sseMaxBufferedBytes,
      isOnline: async (r) => lwm2m.presence.isAwake(r),
      redisHealth: () => health.state(),
      ...(jobs ? { jobs: jobs.api } : {}),
      security,
      onDmSecuritySet: async (ep) => void (await lwm2m.dropPlainRegistration(ep)),
      bootstrap: bootstrap.store,
    }, opts.onHttpApp);
    await app.listen({ port: config.httpPort, host: config.httpHost });
    cleanups.push(() => app.close());
    const httpPort = (app.server.address() as { port: number }).port;
    const host = config.httpHost === '0.0.0.0' ? '127.0.0.1' : config.httpHost;
    // Twins written before the numeric range index existed are indexed once, in the background; range queries scan
    // until it is done (server/twin/number-index.ts). Started last: a command defined on the shared auto-pipelined
    // client (defineCommand) while one of its commands waits in a pipeline breaks that pipeline in ioredis.
    const backfill = new AbortController();
    // The ready mark first narrows to the paths this process indexes (off: it goes), so that no process trusts an
    // index nobody keeps, and covering a path again rebuilds it.
    const backfilled = backfillNumberIndex(redis, keys, { logger, paths: config.twinRangeIndex, signal: backfill.signal }).catch((err: Error) => {
      if (!backfill.signal.aborted) logger.warn({ err: err.message }, 'numeric range index backfill failed; range queries scan until the next start');
    });
    cleanups.push(async () => {
      backfill.abort();
      await backfilled;
    });
    logger.info({ coapPort: endpoint.localAddress.port, coapsPort, httpPort, serverId: config.serverId, dtlsCidPrefix: cidPrefix.toString('hex'), rangeIndex: config.twinRangeIndex.join(',') || 'off' }, 'lwtwin server started');
    return {
      config,
      coapPort: endpoint.localAddress.port,
      coapsPort,
      httpPort,
      httpUrl: `http://${host}:${httpPort}`,
      lwm2m,
      twins,
      sync,
      events,
      ...(jobs ? { jobs: jobs.api } : {}),
      security,
      bootstrap,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
