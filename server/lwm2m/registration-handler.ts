import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { parseRegistrationLinks, type RegistrationLinks } from '../../protocol/lwm2m/link-format.ts';
import { isProtocolError } from '../../protocol/errors.ts';
import { isServerError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { parseRegisterParams, parseUpdateParams, type RegisterParams } from '../registration/register-params.ts';
import { createRegistration, type Registration, type RegistrationUpdate } from '../registration/registration.ts';
import type { RegistrationStore } from '../registration/registration-store.ts';
import { coapError, entityTooLarge, responseForError, serviceUnavailable } from './coap-responses.ts';
import type { LwM2mLogger } from './lwm2m-logger.ts';
import type { ObservationRegistry } from './observation-registry.ts';
import type { RegistrationCache } from './registration-cache.ts';
import type { QueueModePresence } from './queue-mode.ts';
import type { TokenBucketLimiter } from './rate-limiter.ts';
import type { SendHandler } from './send-handler.ts';
import type { LwM2mServerEvents } from './server-events.ts';
import { TransportSecurityGuard } from './transport-security.ts';
import type { TypedEmitter } from './typed-emitter.ts';

/** Largest Register/Update/Send body accepted (after block-wise reassembly). @defaultValue 65536 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 65_536;

export interface RegistrationHandlerOptions {
  readonly registrations: RegistrationStore;
  /** This process: stored with each Register/Update so jobs reach the socket the device talks to. */
  readonly serverId?: string;
  readonly presence: QueueModePresence;
  readonly observations: ObservationRegistry;
  readonly events: TypedEmitter<LwM2mServerEvents>;
  readonly cache: RegistrationCache;
  /** Register requests per source address (token bucket). */
  readonly limiter: TokenBucketLimiter;
  /** The Send (`/dp`) resource. */
  readonly send: SendHandler;
  /** Identity-bound endpoints over DTLS. @defaultValue a guard without a security store: plain CoAP only */
  readonly guard?: TransportSecurityGuard;
  /** Added to the lifetime when computing expiresAt. */
  readonly lifetimeGraceMs: number;
  /** @defaultValue DEFAULT_MAX_PAYLOAD_BYTES */
  readonly maxPayloadBytes?: number;
  readonly logger: LwM2mLogger;
  readonly metrics?: Metrics;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/**
 * The CoAP resources a device calls (OMA TS Core §6.2, §6.4.3):
 * - `POST /rd?ep=...` Register → 2.01 Created, Location-Path `rd/{id}`; 4.00 bad parameters or links, 4.12 version,
 *   4.13 too large, 5.03 + Max-Age when the source address exceeds its Register rate;
 * - `POST /rd/{id}` Update → 2.04; 4.04 unknown id; the peer address and port are refreshed;
 * - `DELETE /rd/{id}` De-register → 2.02; 4.04 unknown id;
 * - `POST /dp` Send (see SendHandler); anything else 4.04, or 4.05 for a known resource and wrong method.
 * Side effects that involve other devices' traffic (events, drained queue-mode requests) run after the response is
 * handed to the socket: no DM request precedes the reply to a Register (OMA TS Core 1.1 §6.2 Client Registration). Never throws.
 */
export class RegistrationHandler {
  private readonly maxPayloadBytes: number;
  private readonly now: () => number;
  private readonly guard: TransportSecurityGuard;

  constructor(private readonly opts: RegistrationHandlerOptions) {
    this.maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.now = opts.now ?? Date.now;
    this.guard = opts.guard ?? new TransportSecurityGuard({});
  }

  /** The endpoint's request handler. */
  readonly handle = async (req: IncomingRequest): Promise<OutgoingResponse> => {
    try {
      return await this.route(req);
    } catch (err) {
      this.opts.logger.error({ err, peer: req.peer, path: req.uriPath.join('/') }, 'lwm2m: request handling failed');
      return responseForError(err);
    }
  };

  private route(req: IncomingRequest): Promise<OutgoingResponse> | OutgoingResponse {
    const [first, id, ...rest] = req.uriPath;
    if (first === 'rd' && id === undefined) {
      return req.method === 'POST' ? this.register(req) : coapError('4.05', 'only POST is allowed on /rd');
    }
    if (first === 'rd' && id !== undefined && id !== '' && rest.length === 0) {
      if (req.method === 'POST') return this.update(req, id);
      if (req.method === 'DELETE') return this.deregister(req, id);
      return coapError('4.05', 'only POST (Update) and DELETE (De-register) are allowed on /rd/{id}');
    }
    if (first === 'dp' && id === undefined) {
      return req.method === 'POST' ? this.opts.send.handle(req) : coapError('4.05', 'only POST is allowed on /dp');
    }
    if (first === 'bs') return coapError('4.04', 'this is the LwM2M server; Bootstrap-Request goes to the bootstrap server');
    return coapError('4.04');
  }

  /** Register (OMA TS Core §6.2.1). */
  private async register(req: IncomingRequest): Promise<OutgoingResponse> {
    const { registrations, observations, presence, events, logger } = this.opts;
    const rate = this.opts.limiter.take(req.peer.address);
    if (!rate.allowed) {
      this.count('register_throttled');
      return serviceUnavailable(rate.retryAfterSeconds, 'too many Register requests from this address');
    }
    const rejected = this.checkBody(req);
    if (rejected) return this.reject(rejected);
    let params: RegisterParams;
    let links: RegistrationLinks;
    try {
      params = parseRegisterParams(req.uriQuery);
      links = parseLinks(req.payload);
    } catch (err) {
      return this.reject(invalidInput(err));
    }
    const admitted = await this.guard.admitRegister(params.endpoint, req.peer);
    if ('refused' in admitted) return this.reject(admitted.refused);
    const now = this.now();
    const registration = createRegistration(
      {
        ...params,
        ...(admitted.security === 'nosec' ? {} : { security: admitted.security, ...(admitted.identity !== undefined ? { identity: admitted.identity } : {}) }),
        peer: { address: req.peer.address, port: req.peer.port },
        rootPath: links.rootPath,
        contentFormats: links.contentFormats,
        objectLinks: links.objects,
        ...(this.opts.serverId !== undefined ? { serverId: this.opts.serverId } : {}),
      },
      { now, graceMs: this.opts.lifetimeGraceMs },
    );
    const { previous } = await registrations.add(registration);
    // OMA TS Core 1.1 §6.2.1: a new Register replaces the registration and its observations.
    if (previous) observations.dropAll(previous.endpoint);
    this.opts.cache.put(registration);
    this.count('register');
    logger.debug({ endpoint: registration.endpoint, registrationId: registration.registrationId, peer: registration.peer }, 'lwm2m: registered');
    setImmediate(() => {
      presence.registered(registration);
      events.emit('registered', previous ? { registration, previous } : { registration });
    });
    return { code: '2.01', locationPath: ['rd', registration.registrationId] };
  }

  /** Update (OMA TS Core §6.2.2). */
  private async update(req: IncomingRequest, registrationId: string): Promise<OutgoingResponse> {
    const { registrations, presence, events } = this.opts;
    const rejected = this.checkBody(req);
    if (rejected) return this.reject(rejected);
    const existing = await registrations.getById(registrationId);
    if (!existing) {
      // OMA LwM2M TS Core 1.1.1 §6.2.2: 4.04 makes the client register again at once (e.g. after Redis lost its data).
      this.opts.metrics?.unknownDeviceMessages.inc({ message: 'update' });
      return this.reject(coapError('4.04', `no registration ${registrationId}`));
    }
    const refused = await this.guard.admitExisting(existing, req.peer);
    if (refused) return this.reject(refused);
    let update: RegistrationUpdate;
    try {
      const params = parseUpdateParams(req.uriQuery, existing.lwm2mVersion);
      update = { peer: { address: req.peer.address, port: req.peer.port }, lastUpdate: this.now(), graceMs: this.opts.lifetimeGraceMs, ...params, ...(this.opts.serverId !== undefined ? { serverId: this.opts.serverId } : {}) };
      if (req.payload.length > 0) {
        const links = parseLinks(req.payload);
        update = { ...update, objectLinks: links.objects };
        if (links.rootPath !== '/') update = { ...update, rootPath: links.rootPath };
        if (links.contentFormats.length > 0) update = { ...update, contentFormats: links.contentFormats };
      }
    } catch (err) {
      return this.reject(invalidInput(err));
    }
    const result = await registrations.update(registrationId, update);
    if (!result) return this.reject(coapError('4.04', `no registration ${registrationId}`));
    this.opts.cache.put(result.current);
    this.count('update');
    setImmediate(() => {
      presence.registered(result.current);
      events.emit('updated', result);
    });
    return { code: '2.04' };
  }

  /** De-register (OMA TS Core §6.2.3). */
  private async deregister(req: IncomingRequest, registrationId: string): Promise<OutgoingResponse> {
    const { registrations, observations, presence, events } = this.opts;
    const existing = await registrations.getById(registrationId);
    if (!existing) return this.reject(coapError('4.04', `no registration ${registrationId}`));
    const refused = await this.guard.admitExisting(existing, req.peer);
    if (refused) return this.reject(refused);
    const removed: Registration | undefined = await registrations.remove(registrationId);
    if (!removed) return this.reject(coapError('4.04', `no registration ${registrationId}`));
    observations.dropAll(removed.endpoint);
    this.opts.cache.delete(removed.endpoint, removed.registrationId);
    this.count('deregister');
    setImmediate(() => {
      presence.forget(removed.endpoint);
      events.emit('deregistered', { registration: removed });
    });
    return { code: '2.02' };
  }

  /** Size cap (4.13) and Content-Format check (link-format or none, else 4.00) of a Register/Update body. */
  private checkBody(req: IncomingRequest): OutgoingResponse | undefined {
    if (req.payload.length > this.maxPayloadBytes) return entityTooLarge(this.maxPayloadBytes);
    // A Content-Format describes a payload; on an empty body there is nothing to describe (node-coap-client labels
    // every request application/json), so it is only checked when there is a body.
    if (req.payload.length > 0 && req.contentFormat !== undefined && req.contentFormat !== ContentFormat.LINK) {
      return coapError('4.00', `the payload must be link-format (content format 40), not ${req.contentFormat}`);
    }
    return undefined;
  }

  private reject(res: OutgoingResponse): OutgoingResponse {
    this.count('rejected');
    return res;
  }

  private count(op: string): void {
    this.opts.metrics?.registrations.inc({ op });
  }
}

function parseLinks(payload: Buffer): RegistrationLinks {
  return parseRegistrationLinks(payload.toString('utf8'));
}

/** 4.00 / 4.12 for a ServerError from parameter parsing, 4.00 for malformed links. */
function invalidInput(err: unknown): OutgoingResponse {
  if (isServerError(err)) return responseForError(err);
  if (isProtocolError(err)) return coapError('4.00', err.message);
  throw err;
}
