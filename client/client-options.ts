import type { CoapEndpoint } from '../protocol/coap/endpoint.ts';
import type { DtlsClientCredentials } from '../protocol/dtls/client-handshaker.ts';
import type { DtlsSocketOptions } from '../protocol/dtls/dtls-options.ts';
import type { IncomingRequest, OutgoingResponse, Peer, TransmissionParameters } from '../protocol/coap/types.ts';
import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import type { LwM2mVersion } from './content-formats.ts';
import type { DeadlineScheduler } from './deadline-scheduler.ts';
import type { ClientError } from './errors.ts';
import type { InstanceFactory, ObjectInstance } from './object-instance.ts';
import type { NotifyConfirmable } from './notifier.ts';

/** What hooks learn about the client that called them. */
export interface ClientIdentity {
  readonly endpointName: string;
}

/** Callbacks for statistics and tests. One object can serve many clients (the simulator shares one). */
export interface ClientHooks {
  onRegistered?(client: ClientIdentity): void;
  /** Register retries exhausted: the client stays stopped in state 'failed'. */
  onRegistrationFailed?(client: ClientIdentity, err: ClientError): void;
  /** Each failed Register or Update attempt (timeouts, error codes). */
  onAttemptFailed?(client: ClientIdentity, operation: 'register' | 'update' | 'bootstrap', reason: string): void;
  /** Bootstrap-Finish accepted: the client registers with the server it was given next. */
  onBootstrapped?(client: ClientIdentity): void;
  onUpdated?(client: ClientIdentity): void;
  onDeregistered?(client: ClientIdentity): void;
  onRequest?(client: ClientIdentity, req: IncomingRequest, res: OutgoingResponse): void;
  onNotificationSent?(client: ClientIdentity): void;
  onSleep?(client: ClientIdentity): void;
  onWake?(client: ClientIdentity): void;
}

export interface RetryOptions {
  /** First back-off delay after a failed Register/Update, ms. @defaultValue 1000 */
  baseMs?: number;
  /** Largest back-off delay, ms. @defaultValue 60000 */
  maxMs?: number;
  /** Register attempts before giving up (state 'failed'). @defaultValue 8 */
  maxAttempts?: number;
  /** Failed Updates (timeouts, 5.xx) before falling back to a new Register. @defaultValue 2 */
  maxUpdateRetries?: number;
}

export interface BootstrapOptions {
  /** The bootstrap server's CoAP address (its coaps address with `dtls`). */
  server: Peer;
  /**
   * Bootstrap over coaps with these credentials (the factory bootstrap PSK, a separate entry from the DM server's
   * credentials, OMA LwM2M TS Core 1.1 §6.1). @defaultValue plain CoAP
   */
  dtls?: DtlsClientCredentials;
  /** How long to wait for Bootstrap-Finish after the Bootstrap-Request was accepted, ms. @defaultValue 30000 */
  finishTimeoutMs?: number;
  /** Bootstrap attempts (request + session) before the client gives up (state 'failed'). @defaultValue 8 */
  maxAttempts?: number;
}

export interface LwM2mClientOptions {
  /** Endpoint client name (`ep`), unique per server. */
  endpointName: string;
  /**
   * The LwM2M server's CoAP address. Optional with `bootstrap`: the client then learns its server from the Security
   * and Server instances the bootstrap server writes.
   */
  server?: Peer;
  /**
   * Factory bootstrap server (OMA TS Core 1.1 §6.1, client-initiated bootstrap): without a `server` the client
   * bootstraps first; with one it falls back to bootstrap when Register keeps failing.
   */
  bootstrap?: BootstrapOptions;
  /** Registration lifetime, seconds (`lt`). @defaultValue 86400 */
  lifetime?: number;
  /** Enabler version. '1.0' registers `lwm2m=1.0`, folds queue mode into the binding and announces TLV only. @defaultValue '1.1' */
  version?: LwM2mVersion;
  /** Binding without queue mode: 'U' (1.1: letters U, T, S, N). @defaultValue 'U' */
  binding?: string;
  /** Queue mode (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"): after `awakeMs` without traffic the client sleeps. @defaultValue false */
  queueMode?: boolean;
  /** Queue mode: how long the client stays reachable after its last message, ms (MAX_TRANSMIT_WAIT). @defaultValue 93000 */
  awakeMs?: number;
  /** Queue mode: wake up (with an Update) this long after falling asleep; 0 = only for the lifetime Update or `wake()`. @defaultValue 0 */
  wakeIntervalMs?: number;
  /** Content formats announced in the root link's `ct`. @defaultValue [60, 110, 112, 11542] (1.1), [11542] (1.0) */
  contentFormats?: readonly number[];
  /**
   * Connect to `server` over coaps (CoAP over DTLS 1.2, RFC 7252 §9.1) with these credentials (PSK, or an RPK key
   * pair); `server` is then the coaps address. A bootstrapped client uses the credentials the bootstrap server wrote
   * instead. Ignored when `endpoint` is given. @defaultValue plain CoAP
   */
  dtls?: DtlsClientCredentials;
  /** DTLS socket tuning (retransmission timers, MTU) for `dtls`. */
  dtlsOptions?: Omit<DtlsSocketOptions, 'client' | 'server' | 'port' | 'address'>;
  /** CoAP endpoint to use. Without one the client binds its own on `bindAddress`:0 at `start()` and closes it at `stop()`. */
  endpoint?: CoapEndpoint;
  /** Address for the client's own endpoint. @defaultValue '127.0.0.1' */
  bindAddress?: string;
  /** Transmission parameters of the client's own endpoint. */
  coapParams?: Partial<TransmissionParameters>;
  /** Object model for types and operation checks. @defaultValue the bundled registry (`ObjectRegistry.loadDefault()`) */
  model?: ModelLookup;
  /** Object instances to expose. */
  instances?: readonly ObjectInstance[];
  /** Objects the server may create instances of (`Create`), listed at registration even when empty. */
  factories?: Readonly<Record<number, InstanceFactory>>;
  /** Send the Update at this fraction of the lifetime. @defaultValue 0.9 */
  updateAtFraction?: number;
  retry?: RetryOptions;
  /** Deadline of each Register/Update/De-register exchange, ms. @defaultValue the endpoint's request timeout */
  requestTimeoutMs?: number;
  /** Notification message type. @defaultValue 'daily' (NON, one CON per observation per 24 h, RFC 7641 §4.5) */
  notifyConfirmable?: NotifyConfirmable;
  hooks?: ClientHooks;
  /** Scheduler for the client's single deadline. @defaultValue the process-wide `sharedScheduler` */
  scheduler?: DeadlineScheduler;
}
