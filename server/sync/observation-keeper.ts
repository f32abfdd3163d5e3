/**
 * Keeps the observations twin sync wants on every device this process owns (the registrations in the store whose
 * `serverId` is this process), and says in each twin whether they are established (`Twin.observationState`).
 *
 * Observations are state of the process holding the socket (RFC 7641 §3: the observer is the client endpoint), so a
 * restarted process holds none although the registrations survive in Redis. The keeper therefore sets them up:
 * - after every Register (OMA LwM2M TS Core 1.1.1 §6.2.1: observations do not survive a new registration);
 * - after start-up, for every registration this process owns, paced and in the background;
 * - whenever a device shows up without them: an Update, a queue-mode wake-up, a notification for a token this
 *   process does not know (answered with RST by the endpoint, RFC 7641 §3.6);
 * - after a failure, with exponential back-off (a device that timed out is retried at once when it shows up again).
 *
 * Work per registration is bounded: set-up stops at the first RST or timeout instead of trying every resource, and
 * at most `concurrency` set-ups run at once, and those the server starts by itself start at most `ratePerSecond`
 * per second (a Register storm is paced by the Register rate limit and `concurrency` instead).
 */
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { LwM2mLeaf } from '../../protocol/lwm2m/node.ts';
import { isProtocolError } from '../../protocol/errors.ts';
import type { ObjectRegistry } from '../../objects/object-registry.ts';
import { isServerError, type ServerError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { LwM2mServer } from '../lwm2m/lwm2m-server.ts';
import type { Metrics } from '../metrics.ts';
import type { Registration } from '../registration/registration.ts';
import type { TwinStore } from '../twin/twin-store.ts';
import { isoTime, type ObservationSyncRecord } from '../twin/twin.ts';
import { Fifo } from './fifo.ts';

export interface ObserveSettings {
  objects: readonly number[];
  pmin: number;
  pmax: number;
  /** Keyed by `"objectId"` or `"objectId/resourceId"`. */
  overrides: Readonly<Record<string, { pmin?: number; pmax?: number }>>;
}

export interface ObservationKeeperOptions {
  lwm2m: LwM2mServer;
  twins: TwinStore;
  registry: ObjectRegistry;
  observe: ObserveSettings;
  logger: Logger;
  metrics?: Metrics;
  /** Receives the values of each observation's first answer. */
  onValues: (ep: string, leaves: readonly LwM2mLeaf[]) => void;
  /** Called once a device's observations are established. */
  onEstablished?: (ep: string) => void;
  /** Registrations whose set-up runs at once. @defaultValue 64 */
  concurrency?: number;
  /**
   * Set-ups the server starts by itself (after a restart or a Redis wipe, retries, a notification for an unknown
   * token) started per second. Set-ups a device asks for with its own Register, Update or wake-up are not paced: the
   * Register rate limit and `concurrency` bound them. @defaultValue 200
   */
  ratePerSecond?: number;
  /** First retry after a failed set-up, ms; doubles per failure. @defaultValue 5000 */
  retryBaseMs?: number;
  /** Longest wait between retries, ms. @defaultValue 600000 */
  retryMaxMs?: number;
}

type Phase = 'queued' | 'running' | 'observing' | 'failed';

interface DeviceState {
  registrationId: string;
  phase: Phase;
  reason: string;
  failures: number;
  /** The last failure was the device not answering (timeout, RST, overload): retry as soon as it shows up. */
  unreachable: boolean;
  /** Set-ups in a row the per-address request limit held back. */
  deferrals: number;
  retry?: NodeJS.Timeout;
}


/** Registrations of the store read per page during start-up recovery. */
const RECOVERY_PAGE = 500;
/** Recovery waits while this many set-ups are queued. */
const RECOVERY_QUEUE_HIGH = 2000;

export class ObservationKeeper {
  private readonly states = new Map<string, DeviceState>();
  /** Set-ups a device's own message asked for: started as soon as `concurrency` allows. */
  private readonly prompt = new Fifo<Registration>();
  /** Set-ups the server starts by itself: at most `ratePerSecond` per second. */
  private readonly queue = new Fifo<Registration>();
  private running = 0;
  private nextStartAt = 0;
  private pumpTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly concurrency: number;
  private readonly spacingMs: number;

  constructor(private readonly opts: ObservationKeeperOptions) {
    this.concurrency = opts.concurrency ?? 64;
    this.spacingMs = 1000 / (opts.ratePerSecond ?? 200);
  }

  /** Devices of this process whose observations are kept (against `--max-devices`). */
  get devices(): number {
    return this.states.size;
  }

  /** Set-ups queued or running (for metrics and tests). */
  get backlog(): number {
    return this.prompt.length + this.queue.length + this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    for (const s of this.states.values()) if (s.retry) clearTimeout(s.retry);
    this.states.clear();
    this.prompt.clear();
    this.queue.clear();
  }

  /** Forgets a device (De-register, expiry). */
  forget(ep: string): void {
    const s = this.states.get(ep);
    if (s?.retry) clearTimeout(s.retry);
    this.states.delete(ep);
  }

  /**
   * Makes sure `reg`'s observations are (being) established. `reason` ends up in the twin while they are pending.
   * A registration owned by another process is left alone. `byDevice`: the device's own Register, Update or
   * wake-up asked for it (not paced by `ratePerSecond`).
   */
  want(reg: Registration, reason: string, byDevice = false): void {
    if (this.stopped || !this.owns(reg)) return;
    const ep = reg.endpoint;
    const s = this.states.get(ep);
    if (s && s.registrationId === reg.registrationId) {
      if (s.phase === 'queued' || s.phase === 'running') return;
      if (s.phase === 'observing' && this.isLive(reg)) return;
      // Failed because of the device itself (it refused): wait for the back-off; unreachable: it is back, go now.
      if (s.phase === 'failed' && !s.unreachable && s.retry) return;
      if (s.retry) clearTimeout(s.retry);
      s.retry = undefined;
      s.phase = 'queued';
      s.reason = reason;
    } else {
      if (s?.retry) clearTimeout(s.retry);
      this.states.set(ep, { registrationId: reg.registrationId, phase: 'queued', reason, failures: 0, unreachable: false, deferrals: 0 });
    }
    (byDevice ? this.prompt : this.queue).push(reg);
    this.pump();
  }

  /** A registration written back after Redis lost it: its twin is new, so record the state again (or set up). */
  restored(reg: Registration): void {
    const s = this.states.get(reg.endpoint);
    if (s && s.registrationId === reg.registrationId && s.phase === 'observing' && this.isLive(reg)) {
      void this.writeState(reg, this.stateOf(reg, 'observing'));
      return;
    }
    if (s && (s.phase === 'queued' || s.phase === 'running')) return;
    this.forget(reg.endpoint);
    this.want(reg, 'registration restored after Redis lost it');
  }

  /**
   * After a start: walks every registration in the store and sets up the observations of those this process owns,
   * marking their twins `pending` first (the twin must not keep claiming observations the previous process held).
   * Runs in the background; paced by the set-up queue.
   */
  async recover(): Promise<number> {
    let cursor: string | undefined;
    let owned = 0;
    do {
      while (!this.stopped && this.queue.length > RECOVERY_QUEUE_HIGH) await sleep(100);
      if (this.stopped) return owned;
      let page;
      try {
        page = await this.opts.lwm2m.registrations.list({ ...(cursor ? { cursor } : {}), count: RECOVERY_PAGE });
      } catch (err) {
        this.opts.logger.warn({ err }, 'observations: reading registrations for recovery failed; retrying');
        await sleep(2000);
        continue;
      }
      const mine = page.items.filter((r) => this.owns(r) && !this.states.has(r.endpoint));
      await Promise.all(mine.map((r) => this.writeState(r, this.stateOf(r, 'pending', 'server restarted'))));
      for (const r of mine) this.want(r, 'server restarted');
      owned += mine.length;
      cursor = page.cursor;
    } while (cursor !== undefined);
    if (owned > 0) this.opts.logger.info({ registrations: owned }, 'observations: re-establishing the observations of registrations owned by this server');
    return owned;
  }

  /** The object instances of `reg` to observe: announced instances of the configured objects (instance 0 for single-instance objects listed bare). */
  observeTargets(reg: Registration): LwM2mPath[] {
    const wanted = new Set(this.opts.observe.objects);
    const targets = new Map<string, LwM2mPath>();
    for (const link of reg.objectLinks) {
      if (!wanted.has(link.objectId)) continue;
      const model = this.opts.registry.object(link.objectId);
      const instance = link.instanceId ?? (model && !model.multiple ? 0 : undefined);
      if (instance === undefined) continue;
      const p = new LwM2mPath(link.objectId, instance);
      targets.set(p.toString(), p);
    }
    return [...targets.values()];
  }

  // --- the set-up queue -------------------------------------------------------------------------------------------

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.prompt.length > 0) this.start(this.prompt.shift()!);
    if (this.pumpTimer) return;
    while (!this.stopped && this.running < this.concurrency && this.queue.length > 0) {
      const now = Date.now();
      if (now < this.nextStartAt) {
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = undefined;
          this.pump();
        }, this.nextStartAt - now);
        return;
      }
      this.nextStartAt = Math.max(now, this.nextStartAt) + this.spacingMs;
      this.start(this.queue.shift()!);
    }
  }

  private start(reg: Registration): void {
    const s = this.states.get(reg.endpoint);
    if (!s || s.registrationId !== reg.registrationId || s.phase !== 'queued') return;
    s.phase = 'running';
    this.running++;
    void this.run(reg, s).finally(() => {
      this.running--;
      this.pump();
    });
  }

  private async run(queued: Registration, s: DeviceState): Promise<void> {
    const ep = queued.endpoint;
    let reg: Registration;
    try {
      reg = await this.opts.lwm2m.getRegistration(ep);
    } catch (err) {
      if (isServerError(err, 'NOT_FOUND')) this.forgetIf(ep, s);
      else this.failed(queued, s, err, true, {});
      return;
    }
    if (reg.registrationId !== s.registrationId || !this.owns(reg)) {
      this.forgetIf(ep, s);
      return;
    }
    const targets = this.observeTargets(reg);
    await this.writeState(reg, this.stateOf(reg, 'pending', s.reason));
    const outcome: Record<string, ObservationSyncRecord> = {};
    // A retry after a partial set-up (a full bound, a refusal) only asks for what is missing.
    const held = this.heldObjects(reg);
    // The first answers of every object go to the twin in one reported write once the set-up ends (not one per
    // object): in a registration storm that is 1 twin write per device instead of 4.
    const values: LwM2mLeaf[] = [];
    try {
      await this.setupTargets(reg, s, targets, held, values, outcome);
    } finally {
      this.flushValues(ep, values); // whatever an ended or failed set-up collected (a no-op after success)
    }
  }

  /** Hands the first answers a set-up collected to the twin in one reported write, and empties `values`. */
  private flushValues(ep: string, values: LwM2mLeaf[]): void {
    if (values.length > 0 && !this.stopped) this.opts.onValues(ep, values.splice(0));
  }

  /** The body of `run` once the registration is known: every target in turn, then the outcome. */
  private async setupTargets(
    reg: Registration,
    s: DeviceState,
    targets: readonly LwM2mPath[],
    held: ReadonlySet<number>,
    values: LwM2mLeaf[],
    outcome: Record<string, ObservationSyncRecord>,
  ): Promise<void> {
    const ep = reg.endpoint;
    try {
      for (const instance of targets) {
        if (this.stopped || this.states.get(ep) !== s) return;
        outcome[String(instance.objectId)] = held.has(instance.objectId!) ? this.record('observing') : await this.setupInstance(reg, instance, values);
      }
    } catch (err) {
      if (isServerError(err, 'NOT_FOUND')) {
        this.forgetIf(ep, s);
        return;
      }
      if (isServerError(err, 'RATE_LIMITED')) {
        this.deferred(reg, s, err, outcome);
        return;
      }
      this.failed(reg, s, err, isUnreachable(err), outcome);
      return;
    }
    if (this.states.get(ep) !== s) return;
    const refused = Object.values(outcome).filter((o) => o.status !== 'observing');
    if (refused.length > 0) {
      this.failed(reg, s, new Error(refused[0].reason ?? 'the device accepted no observation'), false, outcome);
      return;
    }
    s.phase = 'observing';
    s.failures = 0;
    s.deferrals = 0;
    s.unreachable = false;
    this.opts.metrics?.observationSetups.inc({ outcome: 'observing' });
    // the values are queued before the state is written; the reported writer lands them within its flush delay
    this.flushValues(ep, values);
    await this.writeState(reg, outcome);
    this.opts.onEstablished?.(ep);
  }

  /** Write-Attributes then Observe of one object instance, falling back to its resources; throws SetupStopped-worthy errors. */
  private async setupInstance(reg: Registration, instance: LwM2mPath, values: LwM2mLeaf[]): Promise<ObservationSyncRecord> {
    const { lwm2m } = this.opts;
    const ep = reg.endpoint;
    const objectId = instance.objectId!;
    await this.tolerateRefusal(lwm2m.writeAttributes(ep, instance, this.attributesFor(objectId)));
    for (const key of Object.keys(this.opts.observe.overrides)) {
      const [o, r] = key.split('/').map(Number);
      if (o !== objectId || r === undefined) continue;
      await this.tolerateRefusal(lwm2m.writeAttributes(ep, instance.child(r), this.attributesFor(objectId, r)));
    }
    let why: string;
    try {
      const outcome = await lwm2m.observe(ep, instance);
      // lwm2m-node-lib answers an instance-level Observe with 2.05 and no payload: such an answer says nothing and no
      // value would ever follow, so it counts as a refusal and resource-level observation takes over.
      if (outcome.observation && outcome.leaves.length > 0) {
        values.push(...outcome.leaves);
        return this.record('observing');
      }
      if (outcome.observation) await lwm2m.cancelObservation(ep, instance, { passive: true }).catch(() => undefined);
      why = outcome.observation ? 'empty answer to an instance-level Observe' : 'answer without Observe';
    } catch (err) {
      if (isFatal(err)) throw err;
      why = (err as Error).message;
    }
    const held = await this.observeResources(reg, instance, values);
    return held > 0 ? this.record('observing') : this.record('failed', `no observation accepted on ${instance} (${why})`);
  }

  /** Fallback when a device refuses instance-level observation: one observation per readable resource it has. */
  private async observeResources(reg: Registration, instance: LwM2mPath, values: LwM2mLeaf[]): Promise<number> {
    const model = this.opts.registry.object(instance.objectId!);
    if (!model) return 0;
    let held = 0;
    for (const r of model.resources.values()) {
      if (!r.operations.includes('R')) continue;
      try {
        const outcome = await this.opts.lwm2m.observe(reg.endpoint, instance.child(r.id));
        if (outcome.leaves.length > 0) values.push(...outcome.leaves);
        if (outcome.observation) held++;
      } catch (err) {
        if (isFatal(err)) throw err; // stop at the first RST or timeout: the device is not talking to us
      }
    }
    return held;
  }

  /** A device answering 4.xx to Write-Attributes is fine (it may not support them); an RST or timeout stops the set-up. */
  private async tolerateRefusal(p: Promise<void>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (isFatal(err)) throw err;
      this.opts.logger.debug({ err: (err as Error).message }, 'observations: device refused Write-Attributes');
    }
  }

  private attributesFor(objectId: number, resourceId?: number): { pmin: number; pmax: number } {
    return observeAttributes(this.opts.observe, objectId, resourceId);
  }

  private failed(reg: Registration, s: DeviceState, err: unknown, unreachable: boolean, partial: Record<string, ObservationSyncRecord>): void {
    if (this.stopped || this.states.get(reg.endpoint) !== s) return;
    s.failures++;
    s.unreachable = unreachable;
    s.phase = 'failed';
    const base = this.opts.retryBaseMs ?? 5000;
    const delay = Math.min(this.opts.retryMaxMs ?? 600_000, base * 2 ** Math.min(s.failures - 1, 20)) * (0.8 + Math.random() * 0.4);
    const retryAt = Date.now() + delay;
    const reason = (err as Error)?.message ?? String(err);
    this.opts.metrics?.observationSetups.inc({ outcome: isServerLimit(err) ? 'server_limit' : unreachable ? 'unreachable' : 'refused' });
    this.opts.logger.info({ ep: reg.endpoint, failures: s.failures, retryInMs: Math.round(delay), reason }, 'observations: set-up failed; will retry');
    s.retry = setTimeout(() => {
      s.retry = undefined;
      if (this.states.get(reg.endpoint) !== s) return;
      s.phase = 'queued';
      s.reason = `retry ${s.failures} after: ${reason}`;
      this.queue.push(reg);
      this.pump();
    }, delay);
    s.retry.unref?.();
    const state = this.stateOf(reg, 'failed', reason, retryAt);
    void this.writeState(reg, { ...state, ...partial });
  }

  /**
   * The per-address request limit held a request back (many devices behind one address register at once): not a
   * failure of the device. Set-up resumes, for what is still missing, once the limiter has room again — not after the
   * failure back-off — and the twin says it is pending.
   */
  private deferred(reg: Registration, s: DeviceState, err: ServerError, partial: Record<string, ObservationSyncRecord>): void {
    if (this.stopped || this.states.get(reg.endpoint) !== s) return;
    // The limiter's own wait, but at least 100 ms and doubling while it keeps refusing (capped by the failure back-off),
    // so the devices behind a flooded address do not spin on it.
    const wait = Number(err.details?.retryAfterMs);
    const floor = Math.min(this.opts.retryBaseMs ?? 5000, 100 * 2 ** Math.min(s.deferrals, 10));
    const delay = Math.max(floor, Number.isFinite(wait) ? wait : 0) * (1 + Math.random() * 0.5);
    s.deferrals++;
    s.phase = 'failed';
    s.unreachable = false;
    this.opts.metrics?.observationSetups.inc({ outcome: 'deferred' });
    s.retry = setTimeout(() => {
      s.retry = undefined;
      if (this.states.get(reg.endpoint) !== s) return;
      s.phase = 'queued';
      this.prompt.push(reg);
      this.pump();
    }, delay);
    s.retry.unref?.();
    void this.writeState(reg, { ...this.stateOf(reg, 'pending', `waiting for the request limit of ${reg.peer.address}: ${err.message}`), ...partial });
  }

  private forgetIf(ep: string, s: DeviceState): void {
    if (this.states.get(ep) === s) this.forget(ep);
  }

  /** True when every target object of `reg` has at least one observation held under this registration. */
  private isLive(reg: Registration): boolean {
    const held = this.heldObjects(reg);
    return this.observeTargets(reg).every((t) => held.has(t.objectId!));
  }

  /** Objects of `reg` with at least one observation held under this registration. */
  private heldObjects(reg: Registration): Set<number> {
    const held = new Set<number>();
    for (const o of this.opts.lwm2m.observationsOf(reg.endpoint)) {
      if (o.registrationId === reg.registrationId) for (const p of o.paths) held.add(p.objectId!);
    }
    return held;
  }

  private owns(reg: Registration): boolean {
    return reg.serverId === undefined || reg.serverId === this.opts.lwm2m.serverId;
  }

  private stateOf(reg: Registration, status: ObservationSyncRecord['status'], reason?: string, retryAt?: number): Record<string, ObservationSyncRecord> {
    const out: Record<string, ObservationSyncRecord> = {};
    for (const t of this.observeTargets(reg)) out[String(t.objectId)] = this.record(status, reason, retryAt);
    return out;
  }

  private record(status: ObservationSyncRecord['status'], reason?: string, retryAt?: number): ObservationSyncRecord {
    return { status, at: isoTime(Date.now()), ...(reason !== undefined ? { reason } : {}), ...(retryAt !== undefined ? { retryAt: isoTime(Math.round(retryAt)) } : {}) };
  }

  private async writeState(reg: Registration, state: Record<string, ObservationSyncRecord>): Promise<void> {
    try {
      await this.opts.twins.setObservationState(reg.endpoint, state);
    } catch (err) {
      if (!isServerError(err, 'NOT_FOUND')) this.opts.logger.warn({ err, ep: reg.endpoint }, 'observations: recording the observation state failed');
    }
  }
}

/** pmin/pmax for an object or resource: resource override, else object override, else the defaults. */
export function observeAttributes(o: ObserveSettings, objectId: number, resourceId?: number): { pmin: number; pmax: number } {
  const byObject = o.overrides[String(objectId)] ?? {};
  const byResource = resourceId === undefined ? {} : (o.overrides[`${objectId}/${resourceId}`] ?? {});
  return { pmin: byResource.pmin ?? byObject.pmin ?? o.pmin, pmax: byResource.pmax ?? byObject.pmax ?? o.pmax };
}

/** The device did not answer at all (timeout, RST, too much in flight): no point sending it more now. */
function isUnreachable(err: unknown): boolean {
  if (isServerError(err, 'TIMEOUT') || isServerError(err, 'OVERLOADED') || isServerError(err, 'DEVICE_ASLEEP')) return true;
  return isServerError(err, 'DEVICE_ERROR') && isProtocolError(err.cause) && err.cause.code === 'COAP_RESET';
}

/** A bound of this process was full (server/node-bounds.ts): not the device's doing; retried with back-off. */
function isServerLimit(err: unknown): boolean {
  return isServerError(err, 'OVERLOADED') && typeof err.details?.bound === 'string';
}

/** Anything but a device's 4.xx/5.xx answer stops the set-up of a registration. */
function isFatal(err: unknown): boolean {
  return !isServerError(err, 'DEVICE_ERROR') || isUnreachable(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
