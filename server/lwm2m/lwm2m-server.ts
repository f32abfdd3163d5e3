import { LRUCache } from 'lru-cache';
import type { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { Peer } from '../../protocol/coap/types.ts';
import { MAX_TRANSMIT_WAIT_MS } from '../../protocol/coap/constants.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { ServerError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import type { Registration } from '../registration/registration.ts';
import { RegistrationExpiry } from '../registration/registration-expiry.ts';
import type { RegistrationStore } from '../registration/registration-store.ts';
import { coapError } from './coap-responses.ts';
import { DeviceOperations, type ObserveOutcome, type OperationOptions } from './device-operations.ts';
import { SILENT_LOGGER, type LwM2mLogger } from './lwm2m-logger.ts';
import { ObservationRegistry, type Observation } from './observation-registry.ts';
import { QueueModePresence } from './queue-mode.ts';
import { TokenBucketLimiter } from './rate-limiter.ts';
import { RegistrationCache } from './registration-cache.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES, RegistrationHandler } from './registration-handler.ts';
import { CreateRequest, type CreateOptions, type CreateResult } from './requests/create-request.ts';
import { DeleteRequest } from './requests/delete-request.ts';
import { DiscoverRequest, type DiscoverResult } from './requests/discover-request.ts';
import { ExecuteRequest } from './requests/execute-request.ts';
import { ObserveCompositeRequest, ObserveRequest } from './requests/observe-request.ts';
import { ReadCompositeRequest, type CompositeResult } from './requests/read-composite-request.ts';
import { ReadRequest, type ReadOptions, type ReadResult } from './requests/read-request.ts';
import { toPath } from './requests/request-support.ts';
import { WriteAttributesRequest, type NotificationAttributes } from './requests/write-attributes-request.ts';
import { WriteCompositeRequest, type CompositeValues } from './requests/write-composite-request.ts';
import { WriteRequest, type WriteOptions } from './requests/write-request.ts';
import type { WriteInput } from './requests/write-values.ts';
import { SendHandler } from './send-handler.ts';
import { TransportSecurityGuard } from './transport-security.ts';
import type { SecurityStore } from '../security/security-store.ts';
import type { LwM2mServerEvents } from './server-events.ts';
import { TypedEmitter } from './typed-emitter.ts';

export interface LwM2mServerOptions {
  /** The CoAP endpoint devices talk to; owned by the caller (not closed by `stop`). */
  readonly endpoint: CoapEndpoint;
  /** The coaps:// endpoint (CoAP over a DtlsSocket); owned by the caller. @defaultValue none: plain CoAP only */
  readonly secureEndpoint?: CoapEndpoint;
  /** DTLS credentials of the DM server: which identity may act as which endpoint. */
  readonly security?: SecurityStore;
  /** Refuse plain CoAP registrations. @defaultValue false */
  readonly requireDtls?: boolean;
  readonly registrations: RegistrationStore;
  readonly model: ModelLookup;
  /** Identity of this process; jobs for a device must run on the process owning its socket. */
  readonly serverId: string;
  /** Default deadline of one request to a device, ms. @defaultValue 10000 */
  readonly requestTimeoutMs?: number;
  /** Silence after which a queue-mode device is asleep, ms (MAX_TRANSMIT_WAIT). @defaultValue 93000 */
  readonly queueModeAwakeMs?: number;
  /** Period of the presence sweep, ms. @defaultValue min(1000, queueModeAwakeMs / 4) */
  readonly queueModeSweepMs?: number;
  /** Added to each lifetime before a registration expires, ms. @defaultValue 10000 */
  readonly lifetimeGraceMs?: number;
  /** Period of the registration expiry sweep, ms. @defaultValue 1000 */
  readonly expirySweepMs?: number;
  /** Whether this process runs the periodic expiry sweep now (several nodes: the fleet lease holder). @defaultValue always */
  readonly expirySweepWhen?: () => boolean;
  /** Register requests per second per source address before 5.03. @defaultValue 100 */
  readonly registerRatePerAddress?: number;
  /** Burst of Register requests per source address. @defaultValue 300 */
  readonly registerBurst?: number;
  /**
   * Requests (new exchanges: operations, observations, cancellations) sent to one device address per second; more
   * are refused with RATE_LIMITED, so forged Registers cannot turn the server into an amplifier. @defaultValue 500
   */
  readonly downlinkRatePerAddress?: number;
  /** Requests that may be sent to one address at once before the rate applies. @defaultValue 1000 */
  readonly downlinkBurst?: number;
  /** Largest Register/Update/Send body, bytes. @defaultValue 65536 */
  readonly maxPayloadBytes?: number;
  /** Registrations kept in memory for addressing devices without a store read (LRU; a miss reads the store). @defaultValue 100000 */
  readonly registrationCacheEntries?: number;
  /** Cached registrations up to which `onlineCount` walks them in one go; beyond, in slices. @defaultValue 10000 */
  readonly onlineCountSyncEntries?: number;
  /** @defaultValue silent */
  readonly logger?: LwM2mLogger;
  readonly metrics?: Metrics;
}

/** How long `onlineCount` reuses its last count, ms: counted in one go, and counted in slices. */
const ONLINE_COUNT_TTL_MS = 1000;
const ONLINE_COUNT_SLICED_TTL_MS = 5000;
/** Registrations looked at per slice of a sliced count (~3 ms). */
const ONLINE_COUNT_SLICE = 4000;

/** A device operation's options: the deadline and the queue-mode wait. */
export type { OperationOptions } from './device-operations.ts';

/**
 * The LwM2M server core over one CoAP endpoint (OMA TS Core §6): the registration interface and Send
 * (devices → server), the device-management and observe operations (server → devices, by endpoint name), queue-mode
 * presence, registration expiry, and typed events (`registered`, `updated`, `deregistered`, `expired`, `awake`,
 * `sleeping`, `notification`, `send`). Registrations live in the shared store; observations, presence and the
 * queue-mode request queues belong to this process (the one owning the socket).
 */
export class LwM2mServer extends TypedEmitter<LwM2mServerEvents> {
  readonly serverId: string;
  readonly registrations: RegistrationStore;
  readonly observations = new ObservationRegistry();
  readonly presence: QueueModePresence;
  private readonly endpoint: CoapEndpoint;
  private readonly secureEndpoint: CoapEndpoint | undefined;
  private readonly cache: RegistrationCache;
  /** The last `onlineCount` and when it was computed. */
  private online?: { at: number; count: number };
  /** A sliced count is under way. */
  private recounting = false;
  /** Up to this many cached registrations the count is taken in one go (≲ 10 ms); beyond, in slices between I/O. */
  private readonly onlineCountSyncEntries: number;
  private readonly handler: RegistrationHandler;
  private readonly operations: DeviceOperations;
  private readonly expiry: RegistrationExpiry;
  private readonly logger: LwM2mLogger;
  private started = false;
  private readonly metrics?: Metrics;
  /** Peers whose unmatched notification was looked up recently: one store read per peer per 2 s at most. */
  private readonly unmatchedPeers = new LRUCache<string, true>({ max: 10_000, ttl: 2000 });
  private readonly restoring = new Map<string, Promise<Registration | undefined>>();

  constructor(opts: LwM2mServerOptions) {
    const logger = opts.logger ?? SILENT_LOGGER;
    super((event, err) => logger.error({ err, event }, 'lwm2m: event listener threw'));
    if (typeof opts.serverId !== 'string' || opts.serverId === '') throw ServerError.badRequest('LwM2mServer: serverId is required');
    const requestTimeoutMs = positive(opts.requestTimeoutMs ?? 10_000, 'requestTimeoutMs');
    const awakeMs = positive(opts.queueModeAwakeMs ?? MAX_TRANSMIT_WAIT_MS, 'queueModeAwakeMs');
    const maxPayloadBytes = positive(opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, 'maxPayloadBytes');
    this.cache = new RegistrationCache(positive(opts.registrationCacheEntries ?? 100_000, 'registrationCacheEntries'));
    this.onlineCountSyncEntries = positive(opts.onlineCountSyncEntries ?? 10_000, 'onlineCountSyncEntries');
    const rate = positive(opts.registerRatePerAddress ?? 100, 'registerRatePerAddress');
    const downlinkRate = positive(opts.downlinkRatePerAddress ?? 500, 'downlinkRatePerAddress');
    this.serverId = opts.serverId;
    this.registrations = opts.registrations;
    this.endpoint = opts.endpoint;
    this.secureEndpoint = opts.secureEndpoint;
    this.logger = logger;
    const guard = new TransportSecurityGuard({ ...(opts.security ? { store: opts.security } : {}), requireDtls: opts.requireDtls === true });
    if (opts.metrics) this.metrics = opts.metrics;
    this.presence = new QueueModePresence({ awakeMs, ...(opts.queueModeSweepMs === undefined ? {} : { sweepIntervalMs: positive(opts.queueModeSweepMs, 'queueModeSweepMs') }) });
    this.presence.events.on('awake', (e) => this.emit('awake', e));
    this.presence.events.on('sleeping', (e) => this.emit('sleeping', e));
    const send = new SendHandler({ registrations: opts.registrations, model: opts.model, presence: this.presence, events: this, maxPayloadBytes, guard, ...(opts.metrics ? { metrics: opts.metrics } : {}) });
    this.handler = new RegistrationHandler({
      registrations: opts.registrations,
      serverId: opts.serverId,
      presence: this.presence,
      observations: this.observations,
      events: this,
      cache: this.cache,
      limiter: new TokenBucketLimiter({ ratePerSecond: rate, burst: positive(opts.registerBurst ?? 300, 'registerBurst') }),
      send,
      guard,
      lifetimeGraceMs: nonNegative(opts.lifetimeGraceMs ?? 10_000, 'lifetimeGraceMs'),
      maxPayloadBytes,
      logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    this.operations = new DeviceOperations({
      coap: opts.endpoint,
      ...(opts.secureEndpoint ? { coaps: opts.secureEndpoint } : {}),
      registrations: opts.registrations,
      model: opts.model,
      presence: this.presence,
      observations: this.observations,
      requestTimeoutMs,
      downlink: new TokenBucketLimiter({ ratePerSecond: downlinkRate, burst: positive(opts.downlinkBurst ?? 1000, 'downlinkBurst') }),
      cache: this.cache,
      onNotification: (event) => this.emit('notification', event),
      logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    });
    this.expiry = new RegistrationExpiry({
      store: opts.registrations,
      logger,
      intervalMs: positive(opts.expirySweepMs ?? 1000, 'expirySweepMs'),
      ...(opts.expirySweepWhen ? { shouldSweep: opts.expirySweepWhen } : {}),
      onExpired: (expired) => {
        for (const registration of expired) this.expired(registration);
      },
    });
  }

  /** Starts serving devices on the endpoint and the presence and expiry sweeps. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.endpoint.onRequest(this.handler.handle);
    this.secureEndpoint?.onRequest(this.handler.handle);
    this.endpoint.on('unmatchedResponse', this.onUnmatchedResponse);
    this.presence.start();
    this.expiry.start();
  }

  /**
   * Stops the sweeps, answers further device requests with 5.03, forgets every observation and fails queued requests.
   * The endpoint stays open (its owner closes it).
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.endpoint.onRequest(() => coapError('5.03', 'server stopping'));
    this.secureEndpoint?.onRequest(() => coapError('5.03', 'server stopping'));
    this.endpoint.off('unmatchedResponse', this.onUnmatchedResponse);
    await this.expiry.stop();
    this.presence.stop();
    this.observations.clear();
    this.cache.clear();
  }

  /** Runs one expiry sweep now (tests, admin); resolves how many registrations expired. */
  sweepExpired(): Promise<number> {
    return this.expiry.sweep();
  }

  /** The registration of `endpoint`; NOT_FOUND when it is not registered. */
  async getRegistration(endpoint: string): Promise<Registration> {
    return this.operations.registration(endpoint);
  }

  // --- device management (OMA TS Core §6.3) ---------------------------------------------------------------------

  async read(endpoint: string, path: string | LwM2mPath, opts: ReadOptions & OperationOptions = {}): Promise<ReadResult> {
    return this.operations.send(endpoint, new ReadRequest(path, opts), opts);
  }

  async discover(endpoint: string, path: string | LwM2mPath, opts: OperationOptions = {}): Promise<DiscoverResult> {
    return this.operations.send(endpoint, new DiscoverRequest(path), opts);
  }

  /** Write (replace by default, `mode: 'update'` for a partial update); values are typed by the model first. */
  async write(endpoint: string, path: string | LwM2mPath, value: WriteInput, opts: WriteOptions & OperationOptions = {}): Promise<void> {
    return this.operations.send(endpoint, new WriteRequest(path, value, opts), opts);
  }

  /** Write-Attributes: a number sets, `null` unsets (`{ pmin: 10, pmax: null }`). */
  async writeAttributes(endpoint: string, path: string | LwM2mPath, attributes: NotificationAttributes, opts: OperationOptions = {}): Promise<void> {
    return this.operations.send(endpoint, new WriteAttributesRequest(path, attributes), opts);
  }

  async execute(endpoint: string, path: string | LwM2mPath, args = '', opts: OperationOptions = {}): Promise<void> {
    return this.operations.send(endpoint, new ExecuteRequest(path, args), opts);
  }

  async create(endpoint: string, objectPath: string | LwM2mPath, resources: WriteInput, opts: CreateOptions & OperationOptions = {}): Promise<CreateResult> {
    return this.operations.send(endpoint, new CreateRequest(objectPath, resources, opts), opts);
  }

  async delete(endpoint: string, path: string | LwM2mPath, opts: OperationOptions = {}): Promise<void> {
    return this.operations.send(endpoint, new DeleteRequest(path), opts);
  }

  async readComposite(endpoint: string, paths: readonly (string | LwM2mPath)[], opts: { contentFormat?: 110 | 112 } & OperationOptions = {}): Promise<CompositeResult> {
    return this.operations.send(endpoint, new ReadCompositeRequest(paths, opts), opts);
  }

  async writeComposite(endpoint: string, values: CompositeValues, opts: { contentFormat?: 110 | 112 } & OperationOptions = {}): Promise<void> {
    return this.operations.send(endpoint, new WriteCompositeRequest(values, opts), opts);
  }

  // --- information reporting (OMA TS Core §6.4) -----------------------------------------------------------------

  async observe(endpoint: string, path: string | LwM2mPath, opts: { contentFormat?: number } & OperationOptions = {}): Promise<ObserveOutcome> {
    return this.operations.observe(endpoint, new ObserveRequest(path, opts), opts);
  }

  async observeComposite(endpoint: string, paths: readonly (string | LwM2mPath)[], opts: { contentFormat?: 110 | 112 } & OperationOptions = {}): Promise<ObserveOutcome> {
    return this.operations.observe(endpoint, new ObserveCompositeRequest(paths, opts), opts);
  }

  /** Cancels the observation of `path` (or of the composite `paths`): actively by default, or `passive`ly. */
  async cancelObservation(endpoint: string, path: string | LwM2mPath | readonly (string | LwM2mPath)[], opts: { passive?: boolean } & OperationOptions = {}): Promise<void> {
    const paths = Array.isArray(path) ? (path as readonly (string | LwM2mPath)[]) : [path as string | LwM2mPath];
    return this.operations.cancelObservation(endpoint, paths.map(toPath), opts);
  }

  /** Registrations held in memory (against `registrationCacheEntries`). */
  get registrationsCached(): number {
    return this.cache.size;
  }

  /** The observations this process holds on `endpoint`. */
  observationsOf(endpoint: string): Observation[] {
    return this.observations.list(endpoint);
  }

  // --- queue mode (OMA TS Transport 1.1, "Queue Mode Operation") -------------------------------------------------

  /** Resolves once `endpoint` is awake (at once unless it is a sleeping queue-mode device); DEVICE_ASLEEP on timeout. */
  waitUntilAwake(endpoint: string, timeoutMs: number): Promise<void> {
    return this.operations.waitUntilAwake(endpoint, timeoutMs);
  }

  /** False only for a queue-mode device this process believes asleep. */
  async isAwake(endpoint: string): Promise<boolean> {
    return this.presence.isAwake(await this.operations.registration(endpoint));
  }

  // --- recovery from a Redis that lost its data -----------------------------------------------------------------

  /**
   * Writes `endpoint`'s registration back to the store from this process's memory when the store no longer has it
   * (Redis lost its data) and this process owns it; emits `restored`. Resolves the restored registration, or
   * undefined when there was nothing to restore (not held here, owned elsewhere, expired, or present in the store).
   * A Register racing with the write-back may be overwritten: the device's next Update then gets 4.04 and registers
   * again.
   */
  restoreRegistration(endpoint: string): Promise<Registration | undefined> {
    // One write-back per endpoint at a time: the wipe detector and the notify path may ask together.
    let p = this.restoring.get(endpoint);
    if (!p) {
      p = this.restoreOne(endpoint).finally(() => this.restoring.delete(endpoint));
      this.restoring.set(endpoint, p);
    }
    return p;
  }

  private async restoreOne(endpoint: string): Promise<Registration | undefined> {
    const held = this.cache.get(endpoint);
    if (!held || (held.serverId !== undefined && held.serverId !== this.serverId) || held.expiresAt <= Date.now()) return undefined;
    if (await this.registrations.getByEndpoint(endpoint)) return undefined;
    await this.registrations.add(held);
    this.metrics?.registrationsRestored.inc();
    this.logger.info({ endpoint, registrationId: held.registrationId }, 'lwm2m: registration missing from the store written back from memory');
    this.emit('restored', { registration: held });
    return held;
  }

  /**
   * Devices this process serves now: registrations whose latest Register or Update it handled (its cache holds them
   * with its own serverId), not expired, and awake when in queue mode. Per process: a device that moved to another
   * node without this one seeing it is counted here until its lifetime ends. Bounded by the cache size.
   *
   * The count walks the whole cache (~0.7 µs per device), so it is reused for `ONLINE_COUNT_TTL_MS`. Past
   * `onlineCountSyncEntries` one walk would hold the event loop for tens of ms (75 ms at 100k, profiled: 5 to 18 %
   * of the loop while the notify bench scraped `/metrics`, and a stall long enough for the kernel to drop the
   * datagrams queued behind it), so the last count is returned and a fresh one is taken in the background, a slice per
   * turn of the event loop, at most every `ONLINE_COUNT_SLICED_TTL_MS`.
   */
  onlineCount(now = Date.now()): number {
    const ttl = this.cache.size > this.onlineCountSyncEntries ? ONLINE_COUNT_SLICED_TTL_MS : ONLINE_COUNT_TTL_MS;
    if (this.online !== undefined && now - this.online.at < ttl) return this.online.count;
    if (this.online === undefined || this.cache.size <= this.onlineCountSyncEntries) {
      let n = 0;
      for (const r of this.cache.values()) if (this.isOnline(r, now)) n++;
      this.online = { at: now, count: n };
    } else this.recountOnline();
    return this.online.count;
  }

  private isOnline(r: Registration, now: number): boolean {
    return (r.serverId === undefined || r.serverId === this.serverId) && r.expiresAt > now && this.presence.isAwake(r);
  }

  /** Counts online devices in slices (see `onlineCount`); the endpoints are a snapshot, peeked without touching the LRU order. */
  private recountOnline(): void {
    if (this.recounting) return;
    this.recounting = true;
    const endpoints = this.cache.endpoints();
    let i = 0;
    let n = 0;
    const slice = (): void => {
      if (!this.started) {
        this.recounting = false;
        return;
      }
      const now = Date.now();
      for (const end = Math.min(i + ONLINE_COUNT_SLICE, endpoints.length); i < end; i++) {
        const r = this.cache.peek(endpoints[i]);
        if (r && this.isOnline(r, now)) n++;
      }
      if (i < endpoints.length) {
        setImmediate(slice);
        return;
      }
      this.online = { at: now, count: n };
      this.recounting = false;
    };
    setImmediate(slice);
  }

  /** `restoreRegistration` for every registration this process holds (after Redis was found empty); resolves how many. */
  /**
   * The endpoint was just given DTLS credentials: a registration it holds over plain CoAP ends now (a security entry is
   * otherwise enforced only at the next Register), so the device must come back over DTLS. Resolves with the removed
   * registration, if any; emits `deregistered` like a De-register.
   */
  async dropPlainRegistration(endpoint: string): Promise<Registration | undefined> {
    const reg = await this.registrations.getByEndpoint(endpoint);
    if (reg === undefined || reg.security !== undefined) return undefined;
    const removed = await this.registrations.remove(reg.registrationId);
    if (removed === undefined) return undefined;
    this.observations.dropAll(endpoint);
    this.cache.delete(endpoint, removed.registrationId);
    this.presence.forget(endpoint);
    this.logger.warn({ endpoint, registrationId: removed.registrationId }, 'lwm2m: plain-CoAP registration ended: the endpoint now has DTLS credentials');
    this.emit('deregistered', { registration: removed });
    return removed;
  }

  async restoreAll(): Promise<number> {
    let restored = 0;
    const held = this.cache.values().filter((r) => r.serverId === undefined || r.serverId === this.serverId);
    for (let i = 0; i < held.length; i += 100) {
      const done = await Promise.all(held.slice(i, i + 100).map((r) => this.restoreRegistration(r.endpoint).catch(() => undefined)));
      restored += done.filter(Boolean).length;
    }
    return restored;
  }

  /**
   * A notification nobody holds the observation for was answered with RST by the endpoint (RFC 7641 §3.6). If it came
   * from a device this process owns, its observations are gone (a restart): `unobserved` asks for them again. If no
   * registration matches the address, the store lost it: counted, and the device re-registers at its next Update.
   */
  private readonly onUnmatchedResponse = (peer: Peer, _token: Buffer, observe: boolean): void => {
    if (!observe || !this.started) return;
    const key = `${peer.address}:${peer.port}`;
    if (this.unmatchedPeers.has(key)) return;
    this.unmatchedPeers.set(key, true);
    this.registrations.getByPeer(peer).then(
      (registration) => {
        if (!registration) {
          this.metrics?.unknownDeviceMessages.inc({ message: 'notification' });
          return;
        }
        if (registration.serverId !== undefined && registration.serverId !== this.serverId) return;
        this.emit('unobserved', { registration });
      },
      (err: unknown) => this.logger.warn({ err, peer }, 'lwm2m: looking up the sender of an unknown notification failed'),
    );
  };

  private expired(registration: Registration): void {
    this.observations.dropAll(registration.endpoint);
    this.cache.delete(registration.endpoint, registration.registrationId);
    this.presence.forget(registration.endpoint, ServerError.notFound(`device ${registration.endpoint}'s registration expired`, { endpoint: registration.endpoint }));
    this.logger.info({ endpoint: registration.endpoint, registrationId: registration.registrationId }, 'lwm2m: registration expired');
    this.emit('expired', { registration });
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) throw ServerError.badRequest(`LwM2mServer: ${name} must be a positive number, got ${value}`, { option: name });
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 0)) throw ServerError.badRequest(`LwM2mServer: ${name} must be a non-negative number, got ${value}`, { option: name });
  return value;
}
