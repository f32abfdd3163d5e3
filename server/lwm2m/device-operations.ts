import type { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import { randomToken, tokenKey } from '../../protocol/coap/token.ts';
import type { IncomingResponse, OutgoingRequest } from '../../protocol/coap/types.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { ServerError, isServerError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import type { Registration } from '../registration/registration.ts';
import type { RegistrationStore } from '../registration/registration-store.ts';
import { deviceAnswerError, transportError } from './device-errors.ts';
import type { LwM2mLogger } from './lwm2m-logger.ts';
import type { Observation, ObservationRegistry } from './observation-registry.ts';
import type { RegistrationCache } from './registration-cache.ts';
import type { QueueModePresence, SubmitOptions } from './queue-mode.ts';
import type { TokenBucketLimiter } from './rate-limiter.ts';
import type { DownlinkRequest } from './requests/downlink-request.ts';
import { decodeObserved, type ObserveRequestLike, type ObserveResult } from './requests/observe-request.ts';
import { toPath } from './requests/request-support.ts';
import { mayActFor } from './transport-security.ts';
import type { NotificationEvent } from './server-events.ts';

/** What one exchange works with once its turn has come (see `DeviceOperations.exchange`). */
interface Exchange {
  /** The built request. */
  readonly out: OutgoingRequest;
  /** The freshest registration of the device. */
  readonly current: Registration;
  readonly timeoutMs: number;
  /** `performance.now()` when the exchange started, for the latency metric. */
  readonly started: number;
}

/** How long a registration this process saw stays good enough to address a device without a store read, ms. */
const REGISTRATION_FRESH_MS = 2000;

/** Per-call options of every device operation. */
export interface OperationOptions extends SubmitOptions {
  /** Deadline of the exchange with the device, ms. @defaultValue the server's requestTimeoutMs */
  timeoutMs?: number;
}

/** What `observe` and `observeComposite` resolve with. */
export interface ObserveOutcome extends ObserveResult {
  /** The observation now held, or undefined if the device answered without Observe (no notifications will come). */
  readonly observation?: Observation;
}

export interface DeviceOperationsOptions {
  readonly coap: CoapEndpoint;
  /** The coaps:// endpoint (CoAP over DTLS): requests to devices registered over DTLS go through their session. */
  readonly coaps?: CoapEndpoint;
  readonly registrations: RegistrationStore;
  readonly model: ModelLookup;
  readonly presence: QueueModePresence;
  readonly observations: ObservationRegistry;
  /** Default deadline of one request, ms. */
  readonly requestTimeoutMs: number;
  /** Requests sent per device address (token bucket): beyond it an operation fails with RATE_LIMITED, unsent. */
  readonly downlink?: TokenBucketLimiter;
  /** The latest registration this process saw per endpoint (fresher than the one a queued request started with). */
  readonly cache: RegistrationCache;
  /** Receives each fresh, decoded notification. */
  readonly onNotification: (event: NotificationEvent) => void;
  readonly logger: LwM2mLogger;
  readonly metrics?: Metrics;
}

/**
 * Sends one LwM2M operation to one device, by endpoint name (OMA TS Core §6.3, §6.4): resolves the registration,
 * builds the request (refusing bad input before anything is sent), applies the queue-mode rules, sends it to the
 * device's latest address, and maps the answer or the failure to a result or a ServerError
 * (NOT_FOUND, BAD_REQUEST, DEVICE_ERROR, TIMEOUT, DEVICE_ASLEEP, OVERLOADED, RATE_LIMITED).
 */
export class DeviceOperations {
  /** Observations whose Observe is being answered, by token: notifications arriving before the record is kept. */
  private readonly starting = new Map<string, IncomingResponse[]>();

  constructor(private readonly opts: DeviceOperationsOptions) {}

  /** The endpoint a device registered through: its DTLS session, or plain CoAP. */
  private endpointFor(reg: Registration): CoapEndpoint {
    if (reg.security === undefined) return this.opts.coap;
    if (this.opts.coaps === undefined) throw ServerError.notFound(`device ${reg.endpoint} registered over DTLS, which this process does not serve`, { endpoint: reg.endpoint });
    return this.opts.coaps;
  }

  /** The registration of `endpoint`, or NOT_FOUND. */
  async registration(endpoint: string): Promise<Registration> {
    if (typeof endpoint !== 'string' || endpoint === '') throw ServerError.badRequest('an endpoint name is required');
    // A registration this process handled or read moments ago is current enough; beyond that, ask the store (another
    // process may have seen an Update, a De-register or an expiry).
    const fresh = this.opts.cache.getFresh(endpoint, REGISTRATION_FRESH_MS);
    if (fresh) return fresh;
    const reg = await this.opts.registrations.getByEndpoint(endpoint);
    if (!reg) {
      this.opts.cache.delete(endpoint);
      throw ServerError.notFound(`device ${endpoint} is not registered`, { endpoint });
    }
    this.opts.cache.putRead(reg);
    return reg;
  }

  /** Sends `request` to `endpoint` and resolves with its parsed result. */
  async send<T>(endpoint: string, request: DownlinkRequest<T>, opts: OperationOptions = {}): Promise<T> {
    return this.exchange(endpoint, request, opts, async ({ out, current, timeoutMs, started }) => {
      const response = await this.transmit(endpoint, current, request, started, timeoutMs, () => this.endpointFor(current).request(current.peer, out, { timeoutMs }));
      try {
        const result = request.parse(response, { registration: current, model: this.opts.model }, out);
        this.observeLatency(request.operation, started);
        return result;
      } catch (err) {
        this.observeLatency(request.operation, started, err);
        throw err;
      }
    });
  }

  /**
   * Starts an observation (Observe or Observe-Composite). A previous observation of the same paths is replaced.
   * Notifications are checked for freshness (RFC 7641 §3.4), decoded and handed to `onNotification`. The token is
   * chosen here, so one handler serves every observation (`onObservedNotification`, by token): nothing per
   * observation but its compact record stays in memory.
   */
  async observe(endpoint: string, request: ObserveRequestLike, opts: OperationOptions = {}): Promise<ObserveOutcome> {
    return this.exchange(endpoint, request, opts, async ({ out, current, timeoutMs, started }) => {
      let token = randomToken();
      while (this.opts.observations.byTokenKey(tokenKey(token)) !== undefined || this.starting.has(tokenKey(token))) token = randomToken();
      const key = tokenKey(token);
      const early: IncomingResponse[] = [];
      this.starting.set(key, early);
      try {
        const handle = await this.transmit(endpoint, current, request, started, timeoutMs, () =>
          this.endpointFor(current).observe(current.peer, { ...out, token }, this.onObservedNotification, { timeoutMs }),
        );
        let result: ObserveResult;
        try {
          if (handle.first.code !== '2.05') throw deviceAnswerError(endpoint, request.description, handle.first);
          result = request.parse(handle.first, { registration: current, model: this.opts.model }, out);
        } catch (err) {
          handle.forget();
          this.observeLatency(request.operation, started, err);
          throw err;
        }
        this.observeLatency(request.operation, started);
        if (!result.observing) {
          handle.forget();
          return result;
        }
        // Only the compact CoAP observation is kept: the handle's first response and closures are not.
        const obs = this.opts.observations.add({
          endpoint,
          registrationId: current.registrationId,
          paths: request.paths,
          composite: request.composite,
          control: handle.observation,
          ...(out.accept === undefined ? {} : { contentFormat: out.accept }),
          ...(handle.first.observe === undefined ? {} : { lastSeq: handle.first.observe }),
          lastReceivedAt: performance.now(),
        });
        this.starting.delete(key);
        for (const n of early) this.notification(obs, n);
        return { ...result, observation: obs };
      } finally {
        this.starting.delete(key);
      }
    });
  }

  /**
   * Ends the observation of `paths` on `endpoint`: actively (GET/FETCH with Observe=1, RFC 7641 §3.6) or, with
   * `passive`, by forgetting the token so the next notification is answered with RST. NOT_FOUND if there is none.
   */
  async cancelObservation(endpoint: string, paths: readonly (string | LwM2mPath)[], opts: OperationOptions & { passive?: boolean } = {}): Promise<void> {
    const parsed = paths.map(toPath);
    const obs = this.opts.observations.get(endpoint, parsed);
    if (!obs) throw ServerError.notFound(`no observation of ${parsed.join(',')} on device ${endpoint}`, { endpoint });
    this.opts.observations.remove(obs);
    if (opts.passive) {
      obs.control.forget();
      return;
    }
    const registration = await this.registration(endpoint);
    const timeoutMs = this.timeout(opts);
    const description = `Cancel observation ${parsed.join(',')}`;
    try {
      const answer = await this.opts.presence.submit(
        registration,
        async () => {
          this.admit(endpoint, this.current(registration), description);
          try {
            return await obs.control.cancel({ timeoutMs });
          } catch (err) {
            throw transportError(endpoint, description, err, timeoutMs);
          }
        },
        opts,
      );
      if (answer) this.opts.presence.touch(endpoint);
      if (answer && !answer.code.startsWith('2.')) throw deviceAnswerError(endpoint, description, answer);
    } finally {
      obs.control.forget();
    }
  }

  /** Resolves when `endpoint` is awake (at once unless it is a sleeping queue-mode device). */
  async waitUntilAwake(endpoint: string, timeoutMs: number): Promise<void> {
    const registration = await this.registration(endpoint);
    return this.opts.presence.waitUntilAwake(registration, timeoutMs);
  }

  /**
   * Every observation's notifications, matched by token (the CoAP layer has already matched token and peer): to the
   * observation registered under it, buffered while its Observe is still being answered, else counted as unknown.
   */
  private readonly onObservedNotification = (n: IncomingResponse): void => {
    const key = tokenKey(n.token);
    const obs = this.opts.observations.byTokenKey(key);
    if (obs !== undefined) {
      this.notification(obs, n);
      return;
    }
    const early = this.starting.get(key);
    if (early !== undefined) {
      early.push(n);
      return;
    }
    // Removed or replaced while the CoAP observation was still active (e.g. between removal and an active cancel).
    this.opts.observations.counters.unknown++;
    this.opts.metrics?.notifications.inc({ outcome: 'stale' });
  };

  /**
   * One notification of `obs`, with the device's registration: the cached one (kept for every device this process
   * serves), or the store's when the cache has lost it.
   */
  private notification(obs: Observation, n: IncomingResponse): void {
    const cached = this.opts.cache.get(obs.endpoint);
    if (cached !== undefined && cached.registrationId === obs.registrationId) {
      this.notified(obs, n, cached);
      return;
    }
    void this.opts.registrations.getByEndpoint(obs.endpoint).then(
      (reg) => {
        if (reg !== undefined && reg.registrationId === obs.registrationId) {
          this.opts.cache.putRead(reg);
          this.notified(obs, n, reg);
          return;
        }
        this.opts.metrics?.notifications.inc({ outcome: 'unknown' });
      },
      (err: unknown) => this.opts.logger.warn({ endpoint: obs.endpoint, err }, 'lwm2m: registration of a notifying device could not be read'),
    );
  }

  private notified(obs: Observation, n: IncomingResponse, registration: Registration): void {
    const { observations, logger, metrics } = this.opts;
    // Only the DTLS identity that made the registration may notify for it (another session at the same address may not).
    if (!mayActFor(registration, n.peer)) {
      metrics?.notifications.inc({ outcome: 'forbidden' });
      return;
    }
    this.opts.presence.touch(obs.endpoint);
    if (!n.code.startsWith('2.')) {
      // RFC 7641 §3.2: an error notification ends the observation.
      observations.remove(obs);
      metrics?.notifications.inc({ outcome: 'ended' });
      logger.info({ endpoint: obs.endpoint, paths: obs.paths.map(String), code: n.code }, 'lwm2m: observation ended by an error notification');
      return;
    }
    if (!observations.accept(obs, n.observe, performance.now())) {
      metrics?.notifications.inc({ outcome: 'stale' });
      return;
    }
    if (n.observe === undefined) observations.remove(obs); // a notification without Observe ends it (RFC 7641 §3.2)
    let leaves;
    try {
      leaves = decodeObserved(obs.paths, obs.composite, obs.contentFormat, n, { registration, model: this.opts.model }).leaves;
    } catch (err) {
      metrics?.notifications.inc({ outcome: 'undecodable' });
      logger.warn({ endpoint: obs.endpoint, paths: obs.paths.map(String), err }, 'lwm2m: notification could not be decoded');
      return;
    }
    metrics?.notifications.inc({ outcome: 'accepted' });
    this.opts.onNotification({ endpoint: obs.endpoint, registration, paths: obs.paths, leaves, observeSeq: n.observe, receivedAt: Date.now() });
  }

  /**
   * The frame of one exchange with a device: resolves the registration, builds the request (refusing bad input
   * before anything is queued), then, under the queue-mode rules, runs `run` with the freshest registration.
   */
  private async exchange<R>(endpoint: string, request: DownlinkRequest<unknown>, opts: OperationOptions, run: (exchange: Exchange) => Promise<R>): Promise<R> {
    const registration = await this.registration(endpoint);
    const out = request.build({ registration, model: this.opts.model });
    const timeoutMs = this.timeout(opts);
    return this.opts.presence.submit(
      registration,
      async () => {
        const started = performance.now();
        return run({ out, current: this.current(registration), timeoutMs, started });
      },
      opts,
    );
  }

  /**
   * Runs `send`, the CoAP exchange itself: a failure is counted in the latency metric and becomes a transport error
   * (TIMEOUT, OVERLOADED, ...); an answer shows the device is awake.
   */
  private async transmit<S>(endpoint: string, current: Registration, request: DownlinkRequest<unknown>, started: number, timeoutMs: number, send: () => Promise<S>): Promise<S> {
    let answer: S;
    try {
      this.admit(endpoint, current, request.description);
      answer = await send();
    } catch (err) {
      this.observeLatency(request.operation, started, err);
      const mapped = transportError(endpoint, request.description, err, timeoutMs);
      const bound = mapped.details?.bound;
      if (typeof bound === 'string') this.opts.metrics?.boundRefusals.inc({ bound });
      throw mapped;
    }
    this.opts.presence.touch(endpoint);
    return answer;
  }

  /**
   * Takes one token of the device address's downlink budget, or throws RATE_LIMITED (nothing is sent): however many
   * Registers name one address, the requests sent there per second stay bounded (a forged source address cannot
   * aim the server at a third party, RFC 7252 §11.3).
   */
  private admit(endpoint: string, current: Registration, operation: string): void {
    const decision = this.opts.downlink?.take(current.peer.address);
    if (!decision || decision.allowed) return;
    this.opts.metrics?.downlinkRefused.inc();
    const retryAfterMs = decision.retryAfterSeconds * 1000;
    throw new ServerError('RATE_LIMITED', `${operation} to device ${endpoint} was not sent: too many requests to ${current.peer.address}; retry in ${retryAfterMs} ms`, {
      details: { endpoint, operation, address: current.peer.address, retryAfterMs },
    });
  }

  /** The freshest registration known for the device of `reg` (a queued request may run after an Update moved it). */
  private current(reg: Registration): Registration {
    const latest = this.opts.cache.get(reg.endpoint);
    return latest && latest.registrationId === reg.registrationId && latest.lastUpdate >= reg.lastUpdate ? latest : reg;
  }

  private timeout(opts: OperationOptions): number {
    const t = opts.timeoutMs ?? this.opts.requestTimeoutMs;
    if (!(Number.isFinite(t) && t > 0)) throw ServerError.badRequest(`timeoutMs must be a positive number, got ${t}`);
    return t;
  }

  private observeLatency(op: string, started: number, err?: unknown): void {
    const outcome = err === undefined ? 'ok' : isServerError(err) ? err.code.toLowerCase() : 'error';
    this.opts.metrics?.deviceRequests.observe({ op, outcome }, (performance.now() - started) / 1000);
  }
}
