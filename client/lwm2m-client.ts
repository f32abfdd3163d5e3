import type { CoapEndpoint } from '../protocol/coap/endpoint.ts';
import type { DtlsClientCredentials } from '../protocol/dtls/client-handshaker.ts';
import type { NotifyResult } from '../protocol/coap/endpoint-options.ts';
import type { IncomingRequest, IncomingResponse, OutgoingRequest, OutgoingResponse, Peer } from '../protocol/coap/types.ts';
import { ContentFormat } from '../protocol/lwm2m/content-format.ts';
import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { AttributeStore } from './attribute-store.ts';
import { backoffMs } from './backoff.ts';
import type { ClientHooks, LwM2mClientOptions } from './client-options.ts';
import { DEFAULT_FORMATS_1_0, DEFAULT_FORMATS_1_1, FormatPolicy, type LwM2mVersion } from './content-formats.ts';
import { sharedScheduler, type DeadlineScheduler, type Schedulable } from './deadline-scheduler.ts';
import { loadDefaultModel } from './default-model.ts';
import type { DeviceContext } from './device-context.ts';
import { ClientError } from './errors.ts';
import { Notifier, type NotifierHost, type NotifyConfirmable } from './notifier.ts';
import type { InstanceHost, ObjectInstance } from './object-instance.ts';
import { ObjectTree } from './object-tree.ts';
import { accountCredentials, bootstrapAccountResources, dmServerAccount, type DmServerAccount } from './bootstrap-account.ts';
import { routeBootstrapRequest, type BootstrapContext } from './bootstrap-router.ts';
import { ClientTransport } from './client-transport.ts';
import { bindingParam, registerRequest, updateRequest, type RegistrationParams } from './registration-requests.ts';
import { errorResponse, routeRequest } from './request-router.ts';
import { sendPayload } from './send-payload.ts';
import { SimpleInstance } from './simple-instance.ts';

/**
 * `stopped`: not started or stopped; `bootstrapping`: Bootstrap-Request sent or a bootstrap session under way; `registering`: Register in flight or waiting to retry; `registered`; `rebooting`:
 * silent after a simulated reboot, Register follows; `failed`: Register retries exhausted.
 */
export type ClientState = 'stopped' | 'bootstrapping' | 'registering' | 'registered' | 'rebooting' | 'failed';

/** Update parameters waiting to be sent (OMA TS Core §6.2.2: only changed parameters are sent). */
const UPDATE_LIFETIME = 1;
const UPDATE_BINDING = 2;
const UPDATE_OBJECTS = 4;
/** A plain Update (lifetime refresh, trigger, queue-mode wake). */
const UPDATE_PLAIN = 8;

/**
 * An LwM2M 1.1 (or 1.0) client: one simulated device (OMA TS Core 1.1 §6). It registers with one server, keeps
 * the registration alive with Updates, answers Device Management requests from its object instances, sends
 * notifications per the observation attributes, and supports queue mode. All its deadlines share one process-wide
 * timer (`DeadlineScheduler`), so an idle client costs no timer of its own.
 */
export class LwM2mClient implements Schedulable, InstanceHost, DeviceContext, NotifierHost, BootstrapContext {
  readonly endpointName: string;
  readonly version: LwM2mVersion;
  readonly queueMode: boolean;
  readonly tree: ObjectTree;
  readonly attributes = new AttributeStore();
  readonly notifier: Notifier;
  readonly formats: FormatPolicy;
  readonly notifyConfirmable: NotifyConfirmable;
  model!: ModelLookup;
  schedAt = 0;
  schedIndex = -1;

  private readonly opts: LwM2mClientOptions;
  private readonly hooks: ClientHooks | undefined;
  private readonly scheduler: DeadlineScheduler;
  private readonly transport: ClientTransport;
  private currentState: ClientState = 'stopped';
  private lifetimeS: number;
  private binding: string;
  private location: string[] | undefined;
  /** A Register, Update or De-register is in flight. */
  private busy = false;
  private updateFlags = 0;
  /** Parameters of a failed Update, sent again with the retry. */
  private retryFlags = 0;
  private nextUpdateAt = Infinity;
  private retryAt = Infinity;
  private attempts = 0;
  private updateFailures = 0;
  private asleep = false;
  /** Awake again but the wake-up Update has not been answered: notifications wait for it. */
  private waking = false;
  private silent = false;
  private silentUntil = 0;
  private lastActivity = 0;
  private sleepingSince = 0;
  private observeSeq = 0;
  private startWaiters: Array<[() => void, (err: Error) => void]> | undefined;
  /** The LwM2M server: configured, or learnt from bootstrap. */
  private dmServer: Peer | undefined;
  /** DTLS credentials for the LwM2M server (configured, or from the account the bootstrap server wrote); undefined: plain CoAP. */
  private dmDtls: DtlsClientCredentials | undefined;
  private bootstrapAttempts = 0;
  /** Bootstrap-Request accepted: waiting for the session and its Finish. */
  private bootstrapAccepted = false;

  constructor(options: LwM2mClientOptions) {
    if (!options.endpointName || /[&\s]/.test(options.endpointName)) throw new ClientError('INVALID_OPTIONS', `endpoint name "${options.endpointName}" is empty or has '&' or spaces`);
    this.opts = options;
    this.endpointName = options.endpointName;
    if (!options.server && !options.bootstrap) throw new ClientError('INVALID_OPTIONS', 'give a server, a bootstrap server, or both');
    this.dmServer = options.server;
    this.dmDtls = options.dtls;

    this.version = options.version ?? '1.1';
    this.queueMode = options.queueMode ?? false;
    this.lifetimeS = options.lifetime ?? 86400;
    if (!Number.isInteger(this.lifetimeS) || this.lifetimeS < 1) throw new ClientError('INVALID_OPTIONS', `lifetime ${this.lifetimeS} must be a positive integer`);
    this.binding = options.binding ?? 'U';
    bindingParam(this.binding, this.version, this.queueMode); // validates
    this.hooks = options.hooks;
    this.scheduler = options.scheduler ?? sharedScheduler;
    this.notifyConfirmable = options.notifyConfirmable ?? 'daily';
    this.formats = FormatPolicy.shared(this.version, options.contentFormats ?? (this.version === '1.0' ? DEFAULT_FORMATS_1_0 : DEFAULT_FORMATS_1_1));
    this.tree = new ObjectTree(this);
    this.notifier = new Notifier(this);
    this.transport = new ClientTransport({
      ...(options.endpoint ? { given: options.endpoint } : {}),
      bindAddress: options.bindAddress ?? '127.0.0.1',
      ...(options.coapParams ? { coapParams: options.coapParams } : {}),
      ...(options.dtlsOptions ? { dtlsOptions: options.dtlsOptions } : {}),
      // Asleep or rebooting, the radio is off: nothing leaves (e.g. the empty ACK of a request left unanswered).
      dropOutgoing: () => this.asleep || this.silent,
      onRequest: (req) => this.onRequest(req),
      onObservationCancelled: (peer, token) => {
        if (this.notifier.remove(peer, token)) this.reschedule();
      },
    });
    if (options.bootstrap) this.tree.add(new SimpleInstance(0, 0, bootstrapAccountResources(options.bootstrap.server, options.bootstrap.dtls)));
    for (const inst of options.instances ?? []) this.tree.add(inst);
    for (const [id, factory] of Object.entries(options.factories ?? {})) this.tree.supportObject(Number(id), factory);
    if (options.model) this.model = options.model;
  }

  // --- public API -------------------------------------------------------------------------------------------

  get state(): ClientState {
    return this.currentState;
  }

  /** The LwM2M server in use: configured, or learnt from bootstrap. */
  get server(): Peer | undefined {
    return this.dmServer;
  }

  /** The DM server account written by the bootstrap server (URI, SSID, security mode and credentials), if any. */
  get dmAccount(): DmServerAccount | undefined {
    return dmServerAccount(this.tree);
  }

  /** The registration's Location-Path (`['rd', '<id>']`) while registered. */
  get registrationLocation(): readonly string[] | undefined {
    return this.location;
  }

  /** Current lifetime, seconds. */
  get lifetime(): number {
    return this.lifetimeS;
  }

  /** True while sleeping (queue mode) or silent after a reboot: incoming requests are dropped. */
  get sleeping(): boolean {
    return this.asleep || this.silent;
  }

  /** The UDP address the client sends from (after `start()`). */
  get localAddress(): Peer | undefined {
    return this.endpoint?.localAddress;
  }

  /** The endpoint in use (after `start()`). */
  get coapEndpoint(): CoapEndpoint | undefined {
    return this.endpoint;
  }

  /**
   * Binds the endpoint (unless one was given) and registers. Resolves once registered; rejects with
   * `REGISTRATION_FAILED` when the retries are exhausted, or `STOPPED`.
   */
  async start(): Promise<void> {
    if (this.currentState !== 'stopped' && this.currentState !== 'failed') throw new ClientError('INVALID_OPTIONS', `client ${this.endpointName} is already started`);
    this.model ??= await loadDefaultModel();
    await this.transport.use(this.dmServer ? this.dmDtls : this.opts.bootstrap?.dtls);
    const done = new Promise<void>((resolve, reject) => (this.startWaiters ??= []).push([resolve, reject]));
    this.attempts = 0;
    this.bootstrapAttempts = 0;
    if (this.dmServer) {
      this.currentState = 'registering';
      void this.register();
    } else {
      void this.bootstrap();
    }
    return done;
  }

  /** De-registers (when registered) and releases the endpoint if the client bound it. */
  async stop(): Promise<void> {
    const wasRegistered = this.currentState === 'registered' && this.location !== undefined;
    const location = this.location;
    this.currentState = 'stopped';
    this.scheduler.cancel(this);
    this.notifier.clear();
    this.asleep = false;
    this.silent = false;
    this.location = undefined;
    this.settleStart(new ClientError('STOPPED', `client ${this.endpointName} was stopped`));
    if (wasRegistered && this.endpoint && location) {
      try {
        const res = await this.endpoint.request(this.dmServer!, { method: 'DELETE', uriPath: location }, this.timeout());
        if (res.code === '2.02') this.hooks?.onDeregistered?.(this);
      } catch {
        // The server forgets us at lifetime expiry anyway.
      }
    }
    await this.transport.release();
  }

  /** Adds an instance (replacing one with the same ids) and updates the registration's object links. */
  addInstance(instance: ObjectInstance): void {
    this.tree.add(instance);
    this.objectsChanged();
  }

  /** Removes an instance and updates the registration's object links. */
  removeInstance(objectId: number, instanceId: number): ObjectInstance | undefined {
    const removed = this.tree.remove(objectId, instanceId);
    if (removed) {
      this.notifier.removeUnder(new LwM2mPath(objectId, instanceId));
      this.objectsChanged();
    }
    return removed;
  }

  /** The instance at /objectId/instanceId. */
  instance(objectId: number, instanceId: number): ObjectInstance | undefined {
    return this.tree.get(objectId, instanceId);
  }

  /** Number of observations held. */
  get observationCount(): number {
    return this.notifier.size;
  }

  /**
   * Queue mode: wakes up now — sends a Registration Update (the "I am awake" signal, LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"), then flushes the
   * notifications that became due. Resolves when the Update is answered.
   */
  async wake(): Promise<void> {
    if (this.currentState !== 'registered') return;
    if (this.asleep) {
      this.asleep = false;
      this.waking = true;
      this.hooks?.onWake?.(this);
    }
    this.lastActivity = Date.now();
    this.updateFlags |= UPDATE_PLAIN;
    if (!this.busy) await this.update();
    else this.reschedule();
  }

  /** Queue mode: falls asleep now instead of after `awakeMs`. */
  sleep(): void {
    if (this.queueMode && this.currentState === 'registered' && !this.asleep) this.fallAsleep(Date.now());
  }

  /**
   * Send (OMA TS Core 1.1 §6.4.4): POSTs the current values of `paths` to `/dp` as SenML CBOR (or `format`).
   * Resolves with the server's response code. Needs a registration; wakes a sleeping client first.
   */
  async send(paths: readonly (LwM2mPath | string)[], format: number = ContentFormat.SENML_CBOR): Promise<string> {
    if (this.currentState !== 'registered' || !this.endpoint) throw new ClientError('NOT_REGISTERED', `client ${this.endpointName} is not registered`);
    if (this.version === '1.0') throw new ClientError('NOT_ALLOWED', 'Send needs LwM2M 1.1');
    if (this.asleep) await this.wake();
    const payload = sendPayload(this.tree, this.model, paths, format);
    this.lastActivity = Date.now();
    const res = await this.endpoint.request(this.dmServer!, { method: 'POST', uriPath: ['dp'], contentFormat: format, payload }, this.timeout());
    this.lastActivity = Date.now();
    this.reschedule();
    return res.code;
  }

  /** Sends a Registration Update now (e.g. after changing values the server should re-read). */
  triggerUpdate(): void {
    this.requestRegistrationUpdate();
  }

  // --- InstanceHost -------------------------------------------------------------------------------------------

  resourceChanged(instance: ObjectInstance, resourceId: number): void {
    if (instance.objectId === 1) this.serverObjectChanged(instance, resourceId);
    if (this.notifier.resourceChanged(instance.objectId, instance.instanceId, resourceId, Date.now())) this.reschedule();
  }

  requestRegistrationUpdate(): void {
    this.updateFlags |= UPDATE_PLAIN;
    if (this.asleep) void this.wake();
    else this.reschedule();
  }

  restart(silentMs: number): void {
    // Let the answer to the request that caused the reboot leave first.
    setImmediate(() => {
      if (this.currentState === 'stopped' || this.currentState === 'failed') return;
      this.currentState = 'rebooting';
      this.silent = true;
      this.asleep = false;
      this.waking = false;
      this.location = undefined;
      this.updateFlags = 0;
      this.notifier.clear();
      this.attributes.clear();
      this.retryFlags = 0;
      this.silentUntil = Date.now() + silentMs;
      this.reschedule();
      // A rebooted device has a fresh CoAP stack: no deduplication state, a new source port.
      void this.transport.release();
    });
  }

  // --- DeviceContext / NotifierHost -------------------------------------------------------------------------------

  now(): number {
    return Date.now();
  }

  objectsChanged(): void {
    this.updateFlags |= UPDATE_OBJECTS;
    this.reschedule();
  }

  nextObserveSeq(): number {
    this.observeSeq = (this.observeSeq + 1) & 0xffffff;
    return this.observeSeq;
  }

  canNotify(): boolean {
    return this.currentState === 'registered' && !this.asleep && !this.silent && !this.waking;
  }

  sendNotification(peer: Peer, token: Buffer, response: OutgoingResponse, confirmable: boolean): Promise<NotifyResult> {
    if (!this.endpoint) return Promise.resolve('timeout');
    this.lastActivity = Date.now();
    return this.endpoint.notify(peer, token, response, { confirmable });
  }

  onNotificationSent(): void {
    this.hooks?.onNotificationSent?.(this);
  }

  // --- scheduling ---------------------------------------------------------------------------------------------

  /** Recomputes the single deadline of this client. */
  reschedule(): void {
    const at = this.deadline();
    if (at === Infinity) this.scheduler.cancel(this);
    else if (!this.scheduler.isScheduled(this) || this.schedAt !== at) this.scheduler.schedule(this, at);
  }

  private deadline(): number {
    switch (this.currentState) {
      case 'registering':
      case 'bootstrapping':
        return this.busy ? Infinity : this.retryAt;
      case 'rebooting':
        return this.silentUntil;
      case 'registered': {
        let at = this.notifier.nextDue();
        if (this.busy) return at;
        if (this.asleep) {
          const wakeEvery = this.opts.wakeIntervalMs ?? 0;
          return Math.min(at, this.nextUpdateAt, wakeEvery > 0 ? this.sleepingSince + wakeEvery : Infinity);
        }
        at = Math.min(at, this.updateFlags !== 0 ? 0 : this.nextUpdateAt);
        if (this.queueMode) at = Math.min(at, this.lastActivity + (this.opts.awakeMs ?? 93_000));
        return at;
      }
      default:
        return Infinity;
    }
  }

  onDeadline(now: number): void {
    switch (this.currentState) {
      case 'registering':
        if (!this.busy && now >= this.retryAt) void this.register();
        break;
      case 'bootstrapping':
        if (!this.busy && now >= this.retryAt) {
          if (this.bootstrapAccepted) this.bootstrapFailed('no Bootstrap-Finish in time');
          else void this.bootstrap();
        }
        break;
      case 'rebooting':
        if (now >= this.silentUntil) {
          this.silentUntil = Infinity;
          void this.bootAgain();
        }
        break;
      case 'registered':
        this.onRegisteredDeadline(now);
        break;
    }
    this.reschedule();
  }

  private onRegisteredDeadline(now: number): void {
    if (this.asleep) {
      const wakeEvery = this.opts.wakeIntervalMs ?? 0;
      if (now >= this.nextUpdateAt || (wakeEvery > 0 && now >= this.sleepingSince + wakeEvery)) void this.wake();
      return;
    }
    if (!this.busy) {
      if (now >= this.nextUpdateAt) this.updateFlags |= UPDATE_PLAIN;
      if (this.updateFlags !== 0) {
        void this.update();
        return;
      }
      if (this.queueMode && now >= this.lastActivity + (this.opts.awakeMs ?? 93_000)) {
        this.fallAsleep(now);
        return;
      }
    }
    this.notifier.process(now);
  }

  private fallAsleep(now: number): void {
    this.asleep = true;
    this.sleepingSince = now;
    this.hooks?.onSleep?.(this);
    this.reschedule();
  }

  /** The endpoint in use, if bound. */
  private get endpoint(): CoapEndpoint | undefined {
    return this.transport.endpoint;
  }

  /**
   * Puts the transport on the credentials of `to` (the bootstrap server's or the DM server's) and, over DTLS, runs
   * the handshake. Resolves with the reason it failed, else undefined.
   */
  private async connectTo(creds: DtlsClientCredentials | undefined, to: Peer): Promise<string | undefined> {
    try {
      await this.transport.use(creds);
    } catch (err) {
      return `cannot bind a socket: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (this.currentState === 'stopped') {
      await this.transport.release();
      return 'stopped';
    }
    return this.transport.handshake(to);
  }

  /** The end of a reboot's silence: a fresh socket (own endpoint) and a new Register. */
  private async bootAgain(): Promise<void> {
    try {
      await this.transport.use(this.dmServer ? this.dmDtls : this.opts.bootstrap?.dtls);
    } catch {
      this.silentUntil = Date.now() + this.backoffMs(1);
      this.reschedule();
      return;
    }
    if (this.currentState !== 'rebooting') {
      if (this.currentState === 'stopped') await this.transport.release();
      return;
    }
    this.silent = false;
    this.attempts = 0;
    if (!this.dmServer) {
      void this.bootstrap();
      return;
    }
    this.currentState = 'registering';
    void this.register();
  }

  // --- registration -------------------------------------------------------------------------------------------

  private timeout(): { timeoutMs?: number } {
    return this.opts.requestTimeoutMs !== undefined ? { timeoutMs: this.opts.requestTimeoutMs } : {};
  }

  private async exchange(req: OutgoingRequest, to: Peer = this.dmServer!): Promise<IncomingResponse | string> {
    try {
      return await this.endpoint!.request(to, req, this.timeout());
    } catch (err) {
      return err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err);
    }
  }

  /** Register (OMA TS Core §6.2.1): `POST /rd?ep&lt&lwm2m&b[&Q]` with the object links; 2.01 + Location-Path. */
  private async register(): Promise<void> {
    if (this.busy) return;
    if (!this.endpoint) {
      // No socket (e.g. a failed re-bind): try again later rather than spin.
      this.retryAt = Date.now() + this.backoffMs(1);
      this.reschedule();
      return;
    }
    this.busy = true;
    this.currentState = 'registering';
    this.location = undefined;
    this.notifier.clear(); // observations do not survive a Register (OMA TS Core 1.1 §6.4 Information Reporting)
    const res = (await this.connectTo(this.dmDtls, this.dmServer!)) ?? (await this.exchange(registerRequest(this.registrationParams())));
    this.busy = false;
    if (this.currentState !== 'registering') return; // stopped meanwhile
    const now = Date.now();
    if (typeof res !== 'string' && res.code === '2.01' && res.locationPath.length > 0) {
      this.location = res.locationPath;
      this.currentState = 'registered';
      this.attempts = 0;
      this.updateFailures = 0;
      this.updateFlags = 0;
      this.retryFlags = 0;
      this.asleep = false;
      this.waking = false;
      this.lastActivity = now;
      this.nextUpdateAt = now + this.updateDelayMs();
      this.hooks?.onRegistered?.(this);
      this.settleStart();
    } else {
      const reason = typeof res === 'string' ? res : `${res.code}${res.code === '2.01' ? ' without Location-Path' : ''}`;
      this.hooks?.onAttemptFailed?.(this, 'register', reason);
      this.attempts++;
      const max = this.opts.retry?.maxAttempts ?? 8;
      if (this.attempts >= max && this.opts.bootstrap) {
        // Registration keeps failing: ask the bootstrap server again (OMA TS Core 1.1 §6.1: bootstrap after a failed registration).
        this.attempts = 0;
        void this.bootstrap();
        return;
      } else if (this.attempts >= max) {
        this.currentState = 'failed';
        const err = new ClientError('REGISTRATION_FAILED', `client ${this.endpointName}: Register failed ${this.attempts} times (last: ${reason})`);
        this.hooks?.onRegistrationFailed?.(this, err);
        this.settleStart(err);
      } else {
        this.retryAt = now + this.backoffMs(this.attempts);
      }
    }
    this.reschedule();
  }

  /**
   * Update (OMA TS Core §6.2.2): `POST /rd/{id}` with the changed parameters only. 4.04 (or another 4.xx) means the
   * server lost the registration: Register again. Timeouts and 5.xx are retried with back-off, then Register.
   */
  private async update(): Promise<void> {
    if (!this.endpoint || this.busy || this.currentState !== 'registered' || !this.location) return;
    this.busy = true;
    const flags = this.updateFlags | this.retryFlags;
    this.updateFlags = 0;
    this.retryFlags = 0;
    const req = updateRequest(this.location, this.registrationParams(), {
      lifetime: (flags & UPDATE_LIFETIME) !== 0,
      binding: (flags & UPDATE_BINDING) !== 0,
      objects: (flags & UPDATE_OBJECTS) !== 0,
    });
    this.lastActivity = Date.now();
    const res = await this.exchange(req);
    this.busy = false;
    if (this.currentState !== 'registered') return;
    const now = Date.now();
    this.lastActivity = now;
    if (typeof res !== 'string' && res.code === '2.04') {
      this.updateFailures = 0;
      this.waking = false;
      this.nextUpdateAt = now + this.updateDelayMs();
      this.hooks?.onUpdated?.(this);
    } else if (typeof res !== 'string' && res.code.startsWith('4.')) {
      this.hooks?.onAttemptFailed?.(this, 'update', res.code);
      this.attempts = 0;
      void this.register();
      return;
    } else {
      this.hooks?.onAttemptFailed?.(this, 'update', typeof res === 'string' ? res : res.code);
      this.updateFailures++;
      if (this.updateFailures > (this.opts.retry?.maxUpdateRetries ?? 2)) {
        this.attempts = 0;
        void this.register();
        return;
      }
      // Retry at the back-off time with the parameters that did not get through.
      this.retryFlags = flags & ~UPDATE_PLAIN;
      this.nextUpdateAt = now + this.backoffMs(this.updateFailures);
    }
    this.reschedule();
  }

  private registrationParams(): RegistrationParams {
    const { endpointName, version, queueMode, tree, model } = this;
    return { endpointName, lifetime: this.lifetimeS, version, binding: this.binding, queueMode, tree, model, formats: this.formats.announced };
  }

  private updateDelayMs(): number {
    return Math.max(1000, this.lifetimeS * 1000 * (this.opts.updateAtFraction ?? 0.9));
  }

  private backoffMs(attempt: number): number {
    return backoffMs(attempt, this.opts.retry);
  }

  private settleStart(err?: Error): void {
    const waiters = this.startWaiters;
    if (!waiters) return;
    this.startWaiters = undefined;
    for (const [resolve, reject] of waiters) {
      if (err) reject(err);
      else resolve();
    }
  }

  /** Lifetime (/1/x/1), binding (/1/x/7) and default periods (/1/x/2, /1/x/3) of the Server object. */
  private serverObjectChanged(instance: ObjectInstance, resourceId: number): void {
    if (resourceId === 1) {
      const v = instance.read(1);
      const lt = typeof v === 'bigint' ? Number(v) : v;
      if (typeof lt === 'number' && Number.isInteger(lt) && lt > 0 && lt !== this.lifetimeS) {
        this.lifetimeS = lt;
        this.updateFlags |= UPDATE_LIFETIME;
        this.reschedule();
      }
    } else if (resourceId === 7) {
      const b = instance.read(7);
      if (typeof b === 'string' && b !== this.binding) {
        const binding = b.replace(/Q/g, '') || 'U';
        if (binding !== this.binding) {
          this.binding = binding;
          this.updateFlags |= UPDATE_BINDING;
          this.reschedule();
        }
      }
    } else if (resourceId === 2 || resourceId === 3) {
      this.notifier.invalidate();
      this.reschedule();
    }
  }

  // --- bootstrap (OMA TS Core 1.1 §6.1) ------------------------------------------------------------------------

  /** Client-initiated bootstrap: `POST /bs?ep=…[&pct=…]` to the bootstrap server; its session follows. */
  private async bootstrap(): Promise<void> {
    const bs = this.opts.bootstrap;
    if (!bs || this.busy) return;
    if (!this.endpoint) {
      this.retryAt = Date.now() + this.backoffMs(1);
      this.reschedule();
      return;
    }
    this.currentState = 'bootstrapping';
    this.location = undefined;
    this.notifier.clear();
    this.busy = true;
    this.bootstrapAccepted = false;
    const uriQuery = [`ep=${this.endpointName}`];
    if (this.version !== '1.0') uriQuery.push(`pct=${ContentFormat.SENML_CBOR}`);
    const res = (await this.connectTo(bs.dtls, bs.server)) ?? (await this.exchange({ method: 'POST', uriPath: ['bs'], uriQuery }, bs.server));
    this.busy = false;
    if (this.currentState !== 'bootstrapping') return;
    if (typeof res !== 'string' && res.code === '2.04') {
      this.bootstrapAccepted = true;
      this.retryAt = Date.now() + (bs.finishTimeoutMs ?? 30_000);
    } else {
      this.bootstrapFailed(typeof res === 'string' ? res : res.code);
      return;
    }
    this.reschedule();
  }

  private bootstrapFailed(reason: string): void {
    this.hooks?.onAttemptFailed?.(this, 'bootstrap', reason);
    this.bootstrapAccepted = false;
    this.bootstrapAttempts++;
    if (this.bootstrapAttempts >= (this.opts.bootstrap?.maxAttempts ?? 8)) {
      this.currentState = 'failed';
      const err = new ClientError('REGISTRATION_FAILED', `client ${this.endpointName}: bootstrap failed ${this.bootstrapAttempts} times (last: ${reason})`);
      this.hooks?.onRegistrationFailed?.(this, err);
      this.settleStart(err);
    } else {
      this.retryAt = Date.now() + this.backoffMs(this.bootstrapAttempts);
    }
    this.reschedule();
  }

  /** Requests during bootstrap come from the bootstrap server only (TS Core 1.1 §6.1.7); others get 4.01. */
  private bootstrapRequestFrom(req: IncomingRequest): OutgoingResponse {
    const bs = this.opts.bootstrap!.server;
    if (req.peer.address !== bs.address || req.peer.port !== bs.port) return { code: '4.01', payload: Buffer.from('bootstrapping: only the bootstrap server may send requests') };
    return routeBootstrapRequest(this, req);
  }

  finishBootstrap(): OutgoingResponse {
    const account = dmServerAccount(this.tree);
    if (!account) return { code: '4.06', payload: Buffer.from('no LwM2M server account (Security and Server instances with one SSID)') };
    const creds = accountCredentials(account);
    if (typeof creds === 'string') return { code: '4.06', payload: Buffer.from(creds) };
    if (creds !== undefined && !this.transport.canSwitch) return { code: '4.06', payload: Buffer.from(`${account.uri} needs DTLS, and this client was given a plain CoAP endpoint`) };
    this.dmServer = account.peer;
    this.dmDtls = creds;
    if (account.lifetime !== undefined) this.lifetimeS = account.lifetime;
    if (account.binding !== undefined) this.binding = account.binding.replace(/Q/g, '') || 'U';
    this.bootstrapAccepted = false;
    this.bootstrapAttempts = 0;
    this.attempts = 0;
    this.hooks?.onBootstrapped?.(this);
    // Register once the 2.04 has left (the bootstrap server's exchange ends with it); over coaps on a new socket.
    this.currentState = 'registering';
    this.retryAt = Date.now();
    this.reschedule();
    return { code: '2.04' };
  }

  // --- incoming requests --------------------------------------------------------------------------------------

  private onRequest(req: IncomingRequest): OutgoingResponse | Promise<OutgoingResponse> {
    if (this.asleep || this.silent || this.currentState === 'stopped') {
      // Asleep or rebooting, the radio is off: the request is never answered (a fresh pending promise per request,
      // so nothing accumulates; the endpoint's deduplication keeps retransmissions unanswered as well).
      return new Promise<OutgoingResponse>(() => undefined);
    }
    this.lastActivity = Date.now();
    if (this.currentState === 'bootstrapping') return this.served(req, this.bootstrapRequestFrom(req));
    const res = routeRequest(this, req);
    if (res instanceof Promise) {
      return res.then((r) => this.served(req, r), (err: unknown) => this.served(req, errorResponse(err)));
    }
    return this.served(req, res);
  }

  private served(req: IncomingRequest, res: OutgoingResponse): OutgoingResponse {
    this.lastActivity = Date.now();
    this.hooks?.onRequest?.(this, req, res);
    this.reschedule();
    return res;
  }
}
