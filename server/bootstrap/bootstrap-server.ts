import { randomBytes } from 'node:crypto';
import type { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { IncomingRequest, OutgoingResponse, Peer } from '../../protocol/coap/types.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import type { Metrics } from '../metrics.ts';
import { coapError, serviceUnavailable } from '../lwm2m/coap-responses.ts';
import { SILENT_LOGGER, type LwM2mLogger } from '../lwm2m/lwm2m-logger.ts';
import { TokenBucketLimiter } from '../lwm2m/rate-limiter.ts';
import { TransportSecurityGuard } from '../lwm2m/transport-security.ts';
import type { SecurityStore } from '../security/security-store.ts';
import { runBootstrapSession } from './bootstrap-session.ts';
import type { BootstrapSessionRecord, BootstrapStore } from './bootstrap-store.ts';

export interface BootstrapServerOptions {
  /**
   * The bootstrap server's own CoAP endpoints (their own ports: plain CoAP, and/or coaps whose requests carry the
   * peer's DTLS identity); owned by the caller. A session runs on the endpoint its Bootstrap-Request came in on.
   */
  readonly endpoints: readonly CoapEndpoint[];
  readonly store: BootstrapStore;
  readonly model: ModelLookup;
  /** DM credentials: generated PSKs are stored here. */
  readonly dmSecurity?: SecurityStore;
  /**
   * Bootstrap credentials (the `bootstrap` namespace): a device authenticated over DTLS as X may bootstrap only as the
   * endpoint whose entry holds X, and an endpoint with an entry is refused over plain CoAP (4.03). Without a store every
   * DTLS identity is refused.
   */
  readonly bootstrapSecurity?: SecurityStore;
  /** Deadline of each request of a session, ms. @defaultValue 10000 */
  readonly requestTimeoutMs?: number;
  /** Bootstrap-Requests per second per source address before 5.03 (like Register). @defaultValue 100 */
  readonly requestRatePerAddress?: number;
  /** Bootstrap-Requests one address may send at once before the rate applies. @defaultValue 300 */
  readonly requestBurstPerAddress?: number;
  /** Sessions running at once; more Bootstrap-Requests get 5.03. @defaultValue 10000 */
  readonly maxSessions?: number;
  readonly logger?: LwM2mLogger;
  readonly metrics?: Metrics;
  /** Called with every finished session's record (audit event, twin `lwm2m.bootstrappedAt`). */
  readonly onSession?: (record: BootstrapSessionRecord) => void | Promise<void>;
}

/** The largest `ep` accepted (the same bound as Register). */
const MAX_ENDPOINT_LENGTH = 255;

/**
 * The LwM2M Bootstrap Server (OMA LwM2M TS Core 1.1 §6.1, client-initiated bootstrap) on its own CoAP endpoint:
 * `POST /bs?ep=…[&pct=…]` is answered 2.04 and followed by a bootstrap session (see bootstrap-session.ts) with the
 * endpoint's configuration or the default; 4.04 when there is none, 4.00 for a malformed request, 5.03 + Max-Age when
 * the source address exceeds its rate or too many sessions run. A repeated Bootstrap-Request supersedes the running
 * session of that endpoint. Each session's outcome is kept in the store's audit and handed to `onSession`.
 */
export class BootstrapServer {
  private readonly limiter: TokenBucketLimiter;
  private readonly logger: LwM2mLogger;
  /** endpoint -> id of its running session */
  private readonly running = new Map<string, string>();
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private warnedPlainPsk = false;
  private readonly guard: TransportSecurityGuard;

  constructor(private readonly opts: BootstrapServerOptions) {
    this.limiter = new TokenBucketLimiter({ ratePerSecond: opts.requestRatePerAddress ?? 100, burst: opts.requestBurstPerAddress ?? 300 });
    this.logger = opts.logger ?? SILENT_LOGGER;
    this.guard = new TransportSecurityGuard(opts.bootstrapSecurity ? { store: opts.bootstrapSecurity } : {});
  }

  /** Sessions running now. */
  get activeSessions(): number {
    return this.running.size;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const endpoint of this.opts.endpoints) endpoint.onRequest(this.handlerFor(endpoint));
  }

  /** Answers further requests with 5.03 and waits for the running sessions to end. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const endpoint of this.opts.endpoints) endpoint.onRequest(() => coapError('5.03', 'bootstrap server stopping'));
    await Promise.allSettled([...this.inFlight]);
  }

  /** The request handler of one endpoint; never throws. */
  private handlerFor(coap: CoapEndpoint): (req: IncomingRequest) => Promise<OutgoingResponse> {
    return async (req) => {
      try {
        if (req.uriPath.length !== 1 || req.uriPath[0] !== 'bs') return coapError('4.04', 'this is an LwM2M bootstrap server: only POST /bs');
        if (req.method !== 'POST') return coapError('4.05', 'only POST is allowed on /bs');
        return await this.bootstrapRequest(req, coap);
      } catch (err) {
        this.logger.error({ err, peer: req.peer }, 'bootstrap: request handling failed');
        return coapError('5.00');
      }
    };
  }

  /**
   * Audits a device turned away before any session (outcome `denied`): its bootstrap credentials failed the DTLS
   * handshake, or it asked as an endpoint they do not hold. Never throws.
   */
  async recordDenied(ep: string, peer: Peer, error: string): Promise<void> {
    const now = Date.now();
    const record: BootstrapSessionRecord = { sessionId: randomBytes(6).toString('base64url'), endpoint: ep, peer: `${peer.address}:${peer.port}`, startedAt: now, endedAt: now, outcome: 'denied', error, steps: [] };
    this.count('denied');
    this.logger.warn({ ep, peer: record.peer, error }, 'bootstrap: device denied');
    try {
      await this.opts.store.addSession(record);
      await this.opts.onSession?.(record);
    } catch (err) {
      this.logger.error({ err, ep }, 'bootstrap: recording a denied device failed');
    }
  }

  private async bootstrapRequest(req: IncomingRequest, coap: CoapEndpoint): Promise<OutgoingResponse> {
    const rate = this.limiter.take(req.peer.address);
    if (!rate.allowed) {
      this.count('throttled');
      return serviceUnavailable(rate.retryAfterSeconds, 'too many Bootstrap-Requests from this address');
    }
    const params = parseQuery(req.uriQuery);
    if (typeof params === 'string') return coapError('4.00', params);
    const { ep, pct } = params;
    // Identity-bound endpoints (OMA LwM2M TS Transport 1.1.1 §5.2), as for Register on the DM server.
    const admitted = await this.guard.admitRegister(ep, req.peer);
    if ('refused' in admitted) {
      const reason = req.peer.identity === undefined ? 'this endpoint has bootstrap credentials: bootstrap over coaps' : `the DTLS identity is not the one the bootstrap credentials of ${ep} hold`;
      await this.recordDenied(ep, req.peer, reason);
      return coapError('4.03', reason);
    }
    const resolved = await this.opts.store.resolve(ep);
    if (!resolved) {
      this.count('unknown');
      this.logger.warn({ ep, peer: `${req.peer.address}:${req.peer.port}` }, 'bootstrap: no configuration for this endpoint and no default');
      return coapError('4.04', 'no bootstrap configuration for this endpoint');
    }
    if (!this.running.has(ep) && this.running.size >= (this.opts.maxSessions ?? 10_000)) {
      this.count('throttled');
      return serviceUnavailable(1, 'too many bootstrap sessions running');
    }
    if (resolved.config.security.mode === 'psk' && req.peer.identity === undefined && !this.warnedPlainPsk) {
      // Plain CoAP authenticates no one and carries the key in clear (TS Core 1.1 §6.1: bootstrap should run over a secure channel).
      this.warnedPlainPsk = true;
      this.logger.warn({ ep }, 'bootstrap: serving a PSK configuration over plain CoAP: the key crosses the network unencrypted and any host can ask for it');
    }
    const sessionId = randomBytes(6).toString('base64url');
    this.running.set(ep, sessionId);
    const peer = { address: req.peer.address, port: req.peer.port };
    const startedAt = Date.now();
    // The session's first request follows the 2.04 (TS Core 1.1 §6.1.7: the server starts after answering).
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() =>
        runBootstrapSession({
          coap,
          peer,
          endpoint: ep,
          ...(pct !== undefined ? { preferredFormat: pct } : {}),
          config: resolved.config,
          model: this.opts.model,
          ...(this.opts.dmSecurity ? { dmSecurity: this.opts.dmSecurity } : {}),
          requestTimeoutMs: this.opts.requestTimeoutMs ?? 10_000,
          superseded: () => this.running.get(ep) !== sessionId || !this.started,
        }),
      )
      .then(async (result) => {
        if (this.running.get(ep) === sessionId) this.running.delete(ep);
        const record: BootstrapSessionRecord = {
          sessionId,
          endpoint: ep,
          peer: `${peer.address}:${peer.port}`,
          config: resolved.source,
          startedAt,
          endedAt: Date.now(),
          ...result,
        };
        this.count(record.outcome);
        if (record.outcome === 'finished') this.logger.info({ ep, sessionId, ms: record.endedAt - startedAt }, 'bootstrap: finished');
        else this.logger.warn({ ep, sessionId, outcome: record.outcome, error: record.error }, 'bootstrap: session did not finish');
        await this.opts.store.addSession(record);
        await this.opts.onSession?.(record);
      })
      .catch((err: unknown) => {
        if (this.running.get(ep) === sessionId) this.running.delete(ep);
        this.logger.error({ err, ep, sessionId }, 'bootstrap: recording a session failed');
      });
    this.count('accepted');
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return { code: '2.04' };
  }

  private count(outcome: string): void {
    this.opts.metrics?.bootstrap.inc({ outcome });
  }
}

/** `ep` (required) and `pct` (optional Content-Format number) of a Bootstrap-Request; a string is the 4.00 reason. */
function parseQuery(query: readonly string[]): { ep: string; pct?: number } | string {
  let ep: string | undefined;
  let pct: number | undefined;
  for (const item of query) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (name === 'ep') {
      if (ep !== undefined) return 'ep given twice';
      ep = value;
    } else if (name === 'pct') {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) return `pct must be a Content-Format number, got ${JSON.stringify(value.slice(0, 20))}`;
      pct = Number(value);
    }
  }
  if (!ep) return 'the Bootstrap-Request needs ep=<endpoint name>';
  if (ep.length > MAX_ENDPOINT_LENGTH) return `ep is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  return { ep, ...(pct !== undefined ? { pct } : {}) };
}
