/**
 * Keeps twins in step with devices (docs/twin-model.md):
 * - device → twin: registration properties (`lwm2m.*`), the first answer of each observation and every fresh
 *   notification and Send become reported values, batched into one `applyReported` call per flush;
 * - observations (ObservationKeeper): after every Register, after a restart and whenever a device shows up without
 *   them, Write-Attributes pmin/pmax and Observe of the configured objects, falling back to resource level;
 * - twin → device: desired properties that map to writable resources are written when the device is reachable and the
 *   outcome is recorded in `desiredSync`; desired keys that map to no writable resource are service properties and are
 *   never sent. Reconciliation is by version, so it is idempotent and survives restarts: a desired leaf is written when
 *   its `$lastUpdatedVersion` is newer than the version its sync record is about.
 */
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { LwM2mLeaf } from '../../protocol/lwm2m/node.ts';
import type { ObjectRegistry } from '../../objects/object-registry.ts';
import type { PropertyNames } from '../../objects/property-names.ts';
import { isServerError } from '../errors.ts';
import type { EventHub } from '../events/event-hub.ts';
import type { Logger } from '../logger.ts';
import type { LwM2mServer } from '../lwm2m/lwm2m-server.ts';
import type { Metrics } from '../metrics.ts';
import type { Registration } from '../registration/registration.ts';
import { toReportedUpdates } from '../twin/reported-mapping.ts';
import type { ReportedUpdate } from '../twin/reported-fields.ts';
import type { TwinStore } from '../twin/twin-store.ts';
import { ReportedWriter, type ReportedWriterOptions } from './reported-writer.ts';
import { ObservationKeeper, type ObserveSettings } from './observation-keeper.ts';
import type { Twin, TwinMetadata, TwinObject, TwinSection } from '../twin/twin.ts';

export type { ObserveSettings } from './observation-keeper.ts';

/** The batching options (`flushDelayMs`, `maxBatch`, `maxBufferBytes`) are the ReportedWriter's. */
export interface TwinSyncOptions extends Pick<ReportedWriterOptions, 'flushDelayMs' | 'maxBatch' | 'maxBufferBytes'> {
  lwm2m: LwM2mServer;
  twins: TwinStore;
  names: PropertyNames;
  registry: ObjectRegistry;
  observe: ObserveSettings;
  logger: Logger;
  metrics?: Metrics;
  events?: EventHub;
  /** Longest `stop` waits for Redis to take the values still buffered, ms. @defaultValue 2000 */
  stopFlushMs?: number;
  /** Devices whose observations are being set up at once. @defaultValue 64 */
  setupConcurrency?: number;
  /** Observation set-ups the server starts by itself (restart, retries) per second. @defaultValue 200 */
  setupRatePerSecond?: number;
  /** First retry after a failed observation set-up, ms (doubles per failure). @defaultValue 5000 */
  setupRetryMs?: number;
}

export class TwinSync {
  /** Batches reported values into Redis, keeping them (bounded) while Redis is unreachable. */
  readonly writer: ReportedWriter;
  /** Sets up and re-establishes the observations of this process's devices. */
  readonly keeper: ObservationKeeper;
  private readonly desiredInFlight = new Set<string>();
  /** Devices whose desired properties changed while a reconciliation was running: it runs once more at its end. */
  private readonly desiredAgain = new Set<string>();
  private unsubscribeChanges?: () => void;
  private stopped = false;

  constructor(private readonly opts: TwinSyncOptions) {
    this.writer = new ReportedWriter({
      twins: opts.twins,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.events ? { events: opts.events } : {}),
      ...(opts.flushDelayMs !== undefined ? { flushDelayMs: opts.flushDelayMs } : {}),
      ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
      ...(opts.maxBufferBytes !== undefined ? { maxBufferBytes: opts.maxBufferBytes } : {}),
      onMissingTwins: (eps, updates) => this.restoreMissing(eps, updates),
    });
    this.keeper = new ObservationKeeper({
      lwm2m: opts.lwm2m,
      twins: opts.twins,
      registry: opts.registry,
      observe: opts.observe,
      logger: opts.logger,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      onValues: (ep, leaves) => this.enqueue(ep, leaves, 'notify', Date.now()),
      onEstablished: (ep) => void this.reconcileDesired(ep),
      ...(opts.setupConcurrency !== undefined ? { concurrency: opts.setupConcurrency } : {}),
      ...(opts.setupRatePerSecond !== undefined ? { ratePerSecond: opts.setupRatePerSecond } : {}),
      ...(opts.setupRetryMs !== undefined ? { retryBaseMs: opts.setupRetryMs } : {}),
    });
  }

  async start(): Promise<void> {
    const { lwm2m } = this.opts;
    lwm2m.on('registered', ({ registration }) => void this.onRegistered(registration));
    lwm2m.on('updated', ({ current }) => {
      this.keeper.want(current, 'registration update without live observations', true);
      void this.onReachable(current.endpoint, current);
    });
    lwm2m.on('awake', ({ endpoint }) => {
      void lwm2m.getRegistration(endpoint).then((reg) => this.keeper.want(reg, 'wake-up without live observations', true), () => undefined);
      void this.onReachable(endpoint);
    });
    lwm2m.on('restored', ({ registration }) => {
      void this.recordRegistration(registration).then((ok) => ok && this.keeper.restored(registration));
    });
    lwm2m.on('unobserved', ({ registration }) => this.keeper.want(registration, 'notification for an observation this server did not hold'));
    lwm2m.on('sleeping', ({ endpoint }) => void this.setConnection(endpoint, 'asleep'));
    lwm2m.on('deregistered', ({ registration }) => void this.onGone(registration, 'deregistered'));
    lwm2m.on('expired', ({ registration }) => void this.onGone(registration, 'expired'));
    lwm2m.on('notification', (n) => this.enqueue(n.endpoint, n.leaves, 'notify', n.receivedAt));
    lwm2m.on('send', (s) => this.enqueue(s.endpoint, s.leaves, 'send', s.receivedAt));
    // Desired changes made through any server process reach the process that owns the device through the feed.
    this.unsubscribeChanges = await this.opts.twins.onChange((change) => {
      if (change.sections.includes('desired') && lwm2m.observationsOf(change.ep).length > 0) void this.reconcileDesired(change.ep);
    });
  }

  /** Re-establishes, in the background, the observations of the registrations this process owns (after a start). */
  recover(): Promise<number> {
    return this.keeper.recover();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.keeper.stop();
    this.unsubscribeChanges?.();
    await this.writer.close(this.opts.stopFlushMs ?? 2000);
  }

  // --- device → twin ----------------------------------------------------------------------------------------------

  /** Queues reported values; they reach Redis within `flushDelayMs` in one batched write (or when Redis is back). */
  enqueue(ep: string, leaves: readonly LwM2mLeaf[], source: ReportedUpdate['source'], receivedAt: number): void {
    let updates: ReportedUpdate[];
    try {
      updates = toReportedUpdates(this.opts.names, ep, leaves, source, receivedAt);
    } catch (err) {
      this.opts.logger.warn({ err, ep }, 'twin sync: dropping values that have no twin representation');
      return;
    }
    this.writer.push(updates, receivedAt);
  }

  /** Writes the pending batch; resolves when everything queued before the call is in Redis. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  // --- registration life cycle ------------------------------------------------------------------------------------

  private async onRegistered(reg: Registration): Promise<void> {
    this.opts.events?.publish('registered', { registrationId: reg.registrationId, lwm2mVersion: reg.lwm2mVersion, binding: reg.binding, queueMode: reg.queueMode }, reg.endpoint);
    if (await this.recordRegistration(reg)) this.keeper.want(reg, 'registered', true);
  }

  /**
   * Devices whose twin was missing when their values were written (Redis lost its data): registrations this process
   * still holds are written back with their twins, and their values are returned to be written again. A registration
   * in Redis without a twin (its node died between the 2.01 and the twin write) gets its twin from the registration.
   */
  private async restoreMissing(eps: string[], updates: ReportedUpdate[]): Promise<ReportedUpdate[]> {
    const restored = new Set<string>();
    for (const ep of eps) {
      const reg = await this.opts.lwm2m.restoreRegistration(ep).catch(() => undefined);
      // Restored: the 'restored' listener records the twin; wait for it here so the values land in it.
      if (reg) {
        if (await this.recordRegistration(reg)) restored.add(ep);
        continue;
      }
      if (await this.opts.twins.get(ep).catch(() => undefined)) {
        restored.add(ep); // someone else re-created it meanwhile (a Register): write the values again
        continue;
      }
      // Registered in Redis but without a twin: the node that took the Register died before writing the twin.
      const stored = await this.opts.lwm2m.registrations.getByEndpoint(ep).catch(() => undefined);
      if (stored && stored.expiresAt > Date.now()) {
        this.opts.logger.info({ ep, registrationId: stored.registrationId }, 'twin sync: registered device without a twin; twin written from its registration');
        if (await this.recordRegistration(stored)) restored.add(ep);
        continue;
      }
      // Not held here and not in Redis: forget its observations, so its next notification gets an RST.
      this.opts.metrics?.unknownDeviceMessages.inc({ message: 'notification' });
      this.opts.lwm2m.observations.dropAll(ep);
    }
    return updates.filter((u) => restored.has(u.ep));
  }

  /** Creates the twin if needed and records the registration (`lwm2m.*`) and the connection in it; false on failure. */
  private async recordRegistration(reg: Registration): Promise<boolean> {
    try {
      await this.opts.twins.ensure(reg.endpoint);
      const now = Date.now();
      const objects: Record<string, string> = {};
      for (const l of reg.objectLinks) if (l.objectId !== 0) objects[String(l.objectId)] = l.version ?? this.opts.registry.object(l.objectId)?.version ?? '1.0';
      const registrationProps: Record<string, string | number | boolean | Record<string, string>> = {
        endpoint: reg.endpoint,
        registrationId: reg.registrationId,
        lifetime: reg.lifetime,
        binding: reg.binding,
        queueMode: reg.queueMode,
        version: reg.lwm2mVersion,
        security: reg.security ?? 'nosec',
        objects,
      };
      const updates: ReportedUpdate[] = [];
      for (const [k, v] of Object.entries(registrationProps)) {
        if (v !== null && typeof v === 'object') for (const [ok, ov] of Object.entries(v)) updates.push({ ep: reg.endpoint, property: ['lwm2m', k, ok], value: ov, source: 'register', timestamp: now });
        else updates.push({ ep: reg.endpoint, property: ['lwm2m', k], value: v, source: 'register', timestamp: now });
      }
      // independent fields of the same twin: sent together (one pipelined write to Redis instead of two round trips)
      await Promise.all([this.opts.twins.applyReported(updates), this.opts.twins.setConnection(reg.endpoint, 'connected', now)]);
      return true;
    } catch (err) {
      this.opts.logger.error({ err, ep: reg.endpoint }, 'twin sync: recording a registration failed');
      return false;
    }
  }

  private async onReachable(ep: string, reg?: Registration): Promise<void> {
    if (reg) this.opts.events?.publish('updated', { registrationId: reg.registrationId, lifetime: reg.lifetime }, ep);
    await this.setConnection(ep, 'connected');
    await this.reconcileDesired(ep);
  }

  private async onGone(reg: Registration, why: 'deregistered' | 'expired'): Promise<void> {
    this.keeper.forget(reg.endpoint);
    this.opts.events?.publish(why, { registrationId: reg.registrationId }, reg.endpoint);
    await this.setConnection(reg.endpoint, 'disconnected');
  }

  private async setConnection(ep: string, state: 'connected' | 'disconnected' | 'asleep'): Promise<void> {
    try {
      await this.opts.twins.setConnection(ep, state, state === 'disconnected' ? undefined : Date.now());
    } catch (err) {
      if (!isServerError(err, 'NOT_FOUND')) this.opts.logger.warn({ err, ep }, 'twin sync: recording connection state failed');
    }
  }

  // --- twin → device ----------------------------------------------------------------------------------------------

  /**
   * Writes every desired property of `ep` that maps to a writable resource and whose latest version the device has
   * not yet accepted or refused. Service properties are skipped. Outcomes land in the twin's `desiredSync`.
   */
  async reconcileDesired(ep: string): Promise<void> {
    if (this.desiredInFlight.has(ep)) {
      this.desiredAgain.add(ep);
      return;
    }
    this.desiredInFlight.add(ep);
    try {
      // Runs after every Register: keeping each device's whole twin in the read cache would cost memory per device
      // for a read nobody asked for.
      const twin = await this.opts.twins.get(ep, { fillCache: false });
      if (!twin) return;
      for (const item of this.pendingDesired(twin)) {
        if (this.stopped) return;
        if (!(await this.opts.lwm2m.isAwake(ep).catch(() => false))) {
          await this.opts.twins.recordDesiredSync(ep, item.property, { status: 'pending', desiredVersion: item.version });
          continue;
        }
        try {
          await this.opts.lwm2m.write(ep, item.path, item.value);
          await this.opts.twins.recordDesiredSync(ep, item.property, { status: 'accepted', desiredVersion: item.version });
          this.opts.events?.publish('desiredAccepted', { property: item.property.join('.'), version: item.version }, ep);
        } catch (err) {
          const final = isServerError(err, 'DEVICE_ERROR') || isServerError(err, 'BAD_REQUEST');
          await this.opts.twins.recordDesiredSync(ep, item.property, { status: final ? 'rejected' : 'pending', desiredVersion: item.version, error: (err as Error).message });
          if (final) this.opts.events?.publish('desiredRejected', { property: item.property.join('.'), error: (err as Error).message }, ep);
        }
      }
    } catch (err) {
      this.opts.logger.warn({ err, ep }, 'twin sync: desired reconciliation failed');
    } finally {
      this.desiredInFlight.delete(ep);
      if (this.desiredAgain.delete(ep) && !this.stopped) void this.reconcileDesired(ep);
    }
  }

  /** Desired leaves that map to writable resources and still need writing. */
  pendingDesired(twin: Twin): Array<{ property: string[]; path: LwM2mPath; value: unknown; version: number }> {
    const out: Array<{ property: string[]; path: LwM2mPath; value: unknown; version: number }> = [];
    const sync = (twin as Twin & { desiredSync?: Record<string, { status: string; desiredVersion: number }> }).desiredSync ?? {};
    const walk = (node: TwinObject | TwinSection, meta: TwinMetadata | undefined, prefix: string[]) => {
      for (const [k, v] of Object.entries(node)) {
        if (k.startsWith('$')) continue;
        const m = meta?.[k] as TwinMetadata | undefined;
        const property = [...prefix, k];
        if (v !== null && typeof v === 'object') {
          walk(v as TwinObject, m, property);
          continue;
        }
        const resolved = this.resolveWritable(property);
        if (!resolved) continue; // a service property: lives only in the twin
        const version = m?.$lastUpdatedVersion ?? twin.properties.desired.$version;
        const record = sync[property.join('.')];
        if (record && record.status !== 'pending' && record.desiredVersion >= version) continue;
        out.push({ property, path: resolved, value: v, version });
      }
    };
    walk(twin.properties.desired, twin.properties.desired.$metadata, []);
    return out;
  }

  private resolveWritable(property: string[]): LwM2mPath | undefined {
    try {
      const r = this.opts.names.resolveProperty(property.join('.'));
      if (!r.resource || !r.resource.operations.includes('W')) return undefined;
      return r.path;
    } catch {
      return undefined;
    }
  }
}
