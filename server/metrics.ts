import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DtlsSocketStats } from '../protocol/dtls/dtls-socket.ts';

/** Prometheus metrics of one server process, served at `GET /metrics`. */
export class Metrics {
  readonly registry = new Registry();
  readonly devicesRegistered = new Gauge({ name: 'lwtwin_devices_registered', help: 'Registered devices (fleet-wide, from the registration store)', registers: [this.registry] });
  /** Per process (each node reports the devices it serves; sum over nodes for the fleet). */
  readonly devicesOnline: Gauge;
  private onlineDevices?: () => number;
  readonly registrations = new Counter({ name: 'lwtwin_registrations_total', help: 'Registration interface operations', labelNames: ['op'] as const, registers: [this.registry] });
  readonly notifications = new Counter({ name: 'lwtwin_notifications_total', help: 'Notifications received', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly twinWrites = new Counter({ name: 'lwtwin_twin_writes_total', help: 'Twin writes', labelNames: ['source'] as const, registers: [this.registry] });
  readonly notifyToTwin = new Histogram({ name: 'lwtwin_notify_to_twin_seconds', help: 'Delay from notification receipt to twin write', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: [this.registry] });
  readonly deviceRequests = new Histogram({ name: 'lwtwin_device_request_seconds', help: 'Latency of requests to devices', labelNames: ['op', 'outcome'] as const, buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10], registers: [this.registry] });
  readonly httpRequests = new Histogram({ name: 'lwtwin_http_request_seconds', help: 'HTTP API latency', labelNames: ['route', 'method', 'status'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers: [this.registry] });
  /** Shallow-read cache lookups, read from the cache's own counters at scrape time (see `watchCache`). */
  readonly cache: Counter<'result'>;
  private cacheStats?: () => { hits: number; misses: number };
  readonly observationSetups = new Counter({ name: 'lwtwin_observation_setups_total', help: 'Observation set-ups of a device finished: observing, refused (the device answered 4.xx), unreachable (timeout, RST), server_limit (a bound of this process was full); deferred: held back by the per-address request limit, resumed when it has room', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly observationSetupBacklog: Gauge;
  private setupBacklog?: () => number;
  readonly unknownDeviceMessages = new Counter({ name: 'lwtwin_unknown_device_messages_total', help: 'Update, notification or Send from a device with no registration in the store (re-registration asked for)', labelNames: ['message'] as const, registers: [this.registry] });
  readonly registrationsRestored = new Counter({ name: 'lwtwin_registrations_restored_total', help: 'Registrations missing from Redis written back from this process\'s memory', registers: [this.registry] });
  readonly boundRefusals = new Counter({ name: 'lwtwin_bound_refusals_total', help: 'Requests to devices not sent because a bound of this process was full (observations, in_flight; server/node-bounds.ts)', labelNames: ['bound'] as const, registers: [this.registry] });
  readonly downlinkRefused = new Counter({ name: 'lwtwin_downlink_refused_total', help: 'Requests to devices not sent because their address exceeded the per-address request rate', registers: [this.registry] });
  readonly sseClosed = new Counter({ name: 'lwtwin_sse_closed_total', help: 'Event streams ended: client left, slow-consumer (disconnected by the server), server', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly bootstrap = new Counter({ name: 'lwtwin_bootstrap_total', help: 'Bootstrap-Requests (accepted, throttled, unknown) and sessions by outcome (finished, refused, timeout, failed, superseded, denied)', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly notifyBufferBytes = new Gauge({ name: 'lwtwin_notify_buffer_bytes', help: 'Reported values waiting to be written to Redis (batched, or kept while Redis is unreachable), bytes', registers: [this.registry] });
  readonly reportedRejected = new Counter({ name: 'lwtwin_reported_rejected_total', help: 'Reported values a device sent that the twin refused (invalid key or value, or over the 32 KB reported limit)', registers: [this.registry] });
  readonly notifyBufferDropped = new Counter({ name: 'lwtwin_notify_buffer_dropped_total', help: 'Reported values dropped because the buffer was over its bound or the process stopped while Redis was unreachable', registers: [this.registry] });
  readonly redisDataLosses = new Counter({ name: 'lwtwin_redis_data_losses_total', help: 'Times this process found Redis had lost its data (marker key missing)', registers: [this.registry] });
  readonly redisUp = new Gauge({ name: 'lwtwin_redis_up', help: '1 while the last Redis health check succeeded, else 0', registers: [this.registry] });
  readonly dtlsSessions: Gauge<'state'>;
  readonly dtlsEvents: Counter<'event'>;
  private dtlsStats?: () => DtlsSocketStats;
  readonly jobs = new Counter({ name: 'lwtwin_jobs_total', help: 'Device transitions of jobs (running, pending on a retry, succeeded, failed, cancelled) recorded by this process', labelNames: ['type', 'outcome'] as const, registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.devicesOnline = this.scrapedGauge(
      'lwtwin_devices_online',
      'Devices this server process serves now (its latest Register/Update, not expired, awake if in queue mode); per node, sum over nodes for the fleet',
      () => this.onlineDevices?.(),
    );
    this.observationSetupBacklog = this.scrapedGauge('lwtwin_observation_setup_backlog', 'Devices whose observation set-up is queued or running', () => this.setupBacklog?.());
    const stats = () => this.cacheStats?.();
    this.cache = new Counter({
      name: 'lwtwin_twin_cache_total',
      help: 'Shallow-read cache lookups',
      labelNames: ['result'] as const,
      registers: [this.registry],
      collect() {
        const s = stats();
        if (!s) return;
        this.reset();
        this.inc({ result: 'hit' }, s.hits);
        this.inc({ result: 'miss' }, s.misses);
      },
    });
    const dtls = () => this.dtlsStats?.();
    this.dtlsSessions = new Gauge({
      name: 'lwtwin_dtls_sessions',
      help: 'DTLS associations on the coaps socket: established sessions and handshakes in progress',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const s = dtls();
        if (!s) return;
        this.set({ state: 'established' }, s.sessions);
        this.set({ state: 'handshaking' }, s.handshakes);
      },
    });
    this.dtlsEvents = new Counter({
      name: 'lwtwin_dtls_events_total',
      help: 'coaps socket events: hello_verify (cookie sent), handshake_completed/resumed/failed/refused (at a cap), bad_record, replayed_record, session_expired; session persistence: session_persisted, session_restored, persist_failed, restore_miss, restore_lookup_skipped (negative cache, rate limit), write_blocked (no reserved sequence numbers left)',
      labelNames: ['event'] as const,
      registers: [this.registry],
      collect() {
        const s = dtls();
        if (!s) return;
        this.reset();
        this.inc({ event: 'hello_verify' }, s.helloVerifyRequests);
        this.inc({ event: 'handshake_completed' }, s.handshakesCompleted);
        this.inc({ event: 'handshake_resumed' }, s.handshakesResumed);
        this.inc({ event: 'handshake_failed' }, s.handshakesFailed);
        this.inc({ event: 'handshake_refused' }, s.handshakesRefused);
        this.inc({ event: 'bad_record' }, s.badRecords);
        this.inc({ event: 'replayed_record' }, s.replayedRecords);
        this.inc({ event: 'session_expired' }, s.sessionsExpired);
        this.inc({ event: 'session_persisted' }, s.sessionsPersisted);
        this.inc({ event: 'session_restored' }, s.sessionsRestored);
        this.inc({ event: 'persist_failed' }, s.persistFailures);
        this.inc({ event: 'restore_miss' }, s.restoreMisses);
        this.inc({ event: 'restore_lookup_skipped' }, s.restoreLookupsSkipped);
        this.inc({ event: 'write_blocked' }, s.writesBlocked);
      },
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'lwtwin_' });
  }

  /** Reports the observation set-up backlog as `lwtwin_observation_setup_backlog`. */
  watchSetupBacklog(backlog: () => number): void {
    this.setupBacklog = backlog;
  }

  /** A gauge read from `read` at scrape time (left as it is while `read` has no source yet). */
  private scrapedGauge(name: string, help: string, read: () => number | undefined): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const n = read();
        if (n !== undefined) this.set(n);
      },
    });
  }

  /** Reports the devices this process serves as `lwtwin_devices_online` (computed at scrape time). */
  watchDevicesOnline(count: () => number): void {
    this.onlineDevices = count;
  }

  /** Reports the twin cache's hit and miss counters as `lwtwin_twin_cache_total`. */
  watchCache(stats: () => { hits: number; misses: number }): void {
    this.cacheStats = stats;
  }

  /** Reports the coaps socket's sessions and counters as `lwtwin_dtls_sessions` and `lwtwin_dtls_events_total`. */
  watchDtls(stats: () => DtlsSocketStats): void {
    this.dtlsStats = stats;
  }
}
