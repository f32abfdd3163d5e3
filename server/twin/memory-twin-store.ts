/**
 * In-memory twin store for unit tests. It keeps the same records as the Redis store (twin-record.ts header fields,
 * reported-fields.ts leaves) and runs the same pure rules, so both pass one contract suite. Several instances can
 * share one `MemoryTwinBackend` to stand for several server processes on one Redis (change feed included).
 */
import { randomUUID } from 'node:crypto';
import { ServerError } from '../errors.ts';
import { inRange } from '../query/index-hints.ts';
import { compareDeviceIds } from '../query/paging.ts';
import { applyTwinPatch, tagLeaves, validateTwinPatch, type TagLeaf, type TwinPatch } from './twin-patch.ts';
import { applyReportedFields, prepareReportedUpdates, type ReportedUpdate } from './reported-fields.ts';
import { assembleTwin, HeaderField, newTwinHeader, SYNC_FIELD_PREFIX } from './twin-record.ts';
import { desiredProperty, reportedLeaf, reportedNode, tagsProperty } from './twin-property.ts';
import { runQuery, type QueryOptions, type QueryPage, type QueryPageRequest, type TwinQuery } from './twin-query.ts';
import { checkEndpoint, checkSyncStatus, deletedLeaves, initialTags, notFound, preconditionFailed } from './twin-store-checks.ts';
import type {
  ApplyResult,
  DesiredSyncStatus,
  DeviceApplyResult,
  PatchOptions,
  PatchResult,
  PropertyValue,
  TwinChange,
  TwinChangeSection,
  TwinSectionName,
  TwinStore,
} from './twin-store.ts';
import { etagMatches, formatEtag, isoTime, type ConnectionState, type ObservationSyncRecord, type Twin, type TwinObject, type TwinSection, type TwinStatus } from './twin.ts';

interface Entry {
  header: Record<string, string>;
  reported: Map<string, string>;
}

/** The shared state: what one Redis would hold. */
export class MemoryTwinBackend {
  readonly twins = new Map<string, Entry>();
  /** `tags.<path>=<json>` -> device ids. */
  readonly tagIndex = new Map<string, Set<string>>();
  readonly listeners = new Set<(change: TwinChange) => void>();

  publish(change: TwinChange): void {
    // Delivered asynchronously to the subscribers of the moment, like Redis pub/sub.
    const listeners = [...this.listeners];
    setImmediate(() => {
      for (const listener of listeners) listener(change);
    });
  }

  index(leaf: TagLeaf, ep: string, add: boolean): void {
    const key = `${leaf.path}=${leaf.value}`;
    let set = this.tagIndex.get(key);
    if (add) {
      if (!set) this.tagIndex.set(key, (set = new Set()));
      set.add(ep);
    } else if (set) {
      set.delete(ep);
      if (set.size === 0) this.tagIndex.delete(key);
    }
  }
}

export interface MemoryTwinStoreOptions {
  /** Share state with other instances. @defaultValue a new backend */
  backend?: MemoryTwinBackend;
  /** Clock, ms since the epoch. @defaultValue Date.now */
  now?: () => number;
  query?: QueryOptions;
}

export class MemoryTwinStore implements TwinStore {
  readonly instanceId = randomUUID();
  readonly backend: MemoryTwinBackend;
  private readonly now: () => number;
  private readonly queryOptions: QueryOptions;
  private readonly own = new Set<(change: TwinChange) => void>();

  constructor(options: MemoryTwinStoreOptions = {}) {
    this.backend = options.backend ?? new MemoryTwinBackend();
    this.now = options.now ?? Date.now;
    this.queryOptions = options.query ?? {};
  }

  async get(ep: string): Promise<Twin | undefined> {
    const entry = this.backend.twins.get(ep);
    return entry ? assembleTwin(ep, entry.header, entry.reported) : undefined;
  }

  async ensure(ep: string, init: { tags?: TwinObject } = {}): Promise<Twin> {
    checkEndpoint(ep);
    const now = this.now();
    if (!this.backend.twins.has(ep)) {
      const { header, tagLeaves: leaves } = newTwinHeader(now, initialTags(init.tags, now));
      this.backend.twins.set(ep, { header, reported: new Map() });
      for (const leaf of leaves) this.backend.index(leaf, ep, true);
      this.publish(ep, ['created'], 1);
    }
    return (await this.get(ep))!;
  }

  async delete(ep: string): Promise<boolean> {
    const entry = this.backend.twins.get(ep);
    if (!entry) return false;
    for (const leaf of tagLeaves(JSON.parse(entry.header[HeaderField.tags]) as TwinObject)) this.backend.index(leaf, ep, false);
    this.backend.twins.delete(ep);
    this.publish(ep, ['deleted'], 0);
    return true;
  }

  async patch(ep: string, patch: TwinPatch, opts: PatchOptions = {}): Promise<PatchResult> {
    validateTwinPatch(patch);
    const entry = this.entry(ep);
    const h = entry.header;
    const etag = formatEtag(Number(h[HeaderField.created]), Number(h[HeaderField.version]));
    if (opts.ifMatch !== undefined && !etagMatches(opts.ifMatch, etag)) throw preconditionFailed(ep, opts.ifMatch, etag);
    const now = this.now();
    const outcome = applyTwinPatch({ tags: JSON.parse(h[HeaderField.tags]) as TwinObject, desired: JSON.parse(h[HeaderField.desired]) as TwinSection }, patch, now);
    if (outcome.tagsChanged || outcome.desiredChanged) {
      const sections: TwinChangeSection[] = [];
      if (outcome.tagsChanged) {
        h[HeaderField.tags] = JSON.stringify(outcome.tags);
        h[HeaderField.tagsUpdated] = String(now);
        for (const leaf of outcome.tagIndex.removed) this.backend.index(leaf, ep, false);
        for (const leaf of outcome.tagIndex.added) this.backend.index(leaf, ep, true);
        sections.push('tags');
      }
      if (outcome.desiredChanged) {
        h[HeaderField.desired] = JSON.stringify(outcome.desired);
        for (const path of deletedLeaves(outcome.desired, outcome.changedDesired)) delete h[SYNC_FIELD_PREFIX + path];
        sections.push('desired');
      }
      h[HeaderField.backEndVersion] = String(Number(h[HeaderField.backEndVersion]) + 1);
      h[HeaderField.version] = String(Number(h[HeaderField.version]) + 1);
      this.publish(ep, sections, Number(h[HeaderField.version]));
    }
    return { twin: (await this.get(ep))!, changedDesired: outcome.changedDesired };
  }

  async applyReported(updates: readonly ReportedUpdate[]): Promise<ApplyResult> {
    const devices: DeviceApplyResult[] = [];
    for (const [ep, { prepared, rejected }] of prepareReportedUpdates(updates)) {
      const entry = this.backend.twins.get(ep);
      if (!entry) {
        devices.push({ ep, exists: false, changed: false, version: 0, changedProperties: [], rejected });
        continue;
      }
      const h = entry.header;
      const outcome = applyReportedFields(entry.reported, Number(h[HeaderField.reportedSize]), prepared);
      const stored = h[HeaderField.lastActivity] === undefined ? -1 : Number(h[HeaderField.lastActivity]);
      const latest = prepared.reduce((max, u) => Math.max(max, u.ts), stored);
      if (outcome.changed) {
        h[HeaderField.version] = String(Number(h[HeaderField.version]) + 1);
        h[HeaderField.reportedVersion] = String(Number(h[HeaderField.reportedVersion]) + 1);
        h[HeaderField.reportedSize] = String(outcome.size);
      }
      if (latest > stored) h[HeaderField.lastActivity] = String(latest);
      const version = Number(h[HeaderField.version]);
      if (outcome.touched || outcome.changed || latest > stored) this.publish(ep, ['reported'], version);
      devices.push({ ep, exists: true, changed: outcome.changed, version, changedProperties: outcome.changedFields, rejected: [...rejected, ...outcome.rejected] });
    }
    return { devices };
  }

  async getProperty(ep: string, section: TwinSectionName, property: readonly string[]): Promise<PropertyValue | undefined> {
    const entry = this.backend.twins.get(ep);
    if (!entry) return undefined;
    if (section === 'reported') {
      const leaf = property.length > 0 ? reportedLeaf(entry.reported.get(property.join('.'))) : undefined;
      return leaf ?? reportedNode(entry.reported, property);
    }
    if (section === 'desired') return desiredProperty(JSON.parse(entry.header[HeaderField.desired]) as TwinSection, property);
    return tagsProperty(JSON.parse(entry.header[HeaderField.tags]) as TwinObject, isoTime(Number(entry.header[HeaderField.tagsUpdated])), property);
  }

  async setConnection(ep: string, state: ConnectionState, lastActivityTime?: number): Promise<void> {
    if (lastActivityTime !== undefined && (!Number.isSafeInteger(lastActivityTime) || lastActivityTime < 0)) {
      throw ServerError.badRequest(`lastActivityTime must be ms since the epoch, got ${String(lastActivityTime)}`);
    }
    const h = this.entry(ep).header;
    h[HeaderField.connection] = state;
    if (lastActivityTime !== undefined && (h[HeaderField.lastActivity] === undefined || Number(h[HeaderField.lastActivity]) < lastActivityTime)) {
      h[HeaderField.lastActivity] = String(lastActivityTime);
    }
    this.publish(ep, ['connection'], Number(h[HeaderField.version]));
  }

  async setObservationState(ep: string, state: Readonly<Record<string, ObservationSyncRecord>>): Promise<void> {
    const h = this.entry(ep).header;
    h[HeaderField.observation] = JSON.stringify(state);
    this.publish(ep, ['observation'], Number(h[HeaderField.version]));
  }

  async setStatus(ep: string, status: TwinStatus): Promise<void> {
    if (status !== 'enabled' && status !== 'disabled') throw ServerError.badRequest(`status: expected enabled or disabled, got ${JSON.stringify(status)}`);
    const h = this.entry(ep).header;
    h[HeaderField.status] = status;
    this.publish(ep, ['status'], Number(h[HeaderField.version]));
  }

  async recordDesiredSync(ep: string, property: readonly string[], status: DesiredSyncStatus): Promise<boolean> {
    const record = checkSyncStatus(property, status, this.now());
    const h = this.entry(ep).header;
    const field = SYNC_FIELD_PREFIX + property.join('.');
    const stored = h[field];
    if (stored !== undefined && (JSON.parse(stored) as { desiredVersion: number }).desiredVersion > record.desiredVersion) return false;
    h[field] = JSON.stringify(record);
    this.publish(ep, ['desiredSync'], Number(h[HeaderField.version]));
    return true;
  }

  query(query: TwinQuery, page: QueryPageRequest): Promise<QueryPage> {
    return runQuery(
      {
        idsAfter: async (after, limit) => this.sortedIds().filter((id) => after === undefined || compareDeviceIds(id, after) > 0).slice(0, limit),
        tagCandidates: async (path, values) => values.flatMap((v) => [...(this.backend.tagIndex.get(`${path}=${v}`) ?? [])]),
        // exact, by looking at every twin: the in-memory stand-in for the Redis store's numeric range index
        rangeCandidates: async (hint) => {
          const ids = [...this.backend.twins.keys()];
          const twins = await Promise.all(ids.map((id) => this.get(id)));
          return ids.filter((_, i) => inRange(hint.path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], twins[i]), hint));
        },
        load: (ids) => Promise.all(ids.map((id) => this.get(id))),
      },
      query,
      page,
      this.queryOptions,
    );
  }

  async count(): Promise<number> {
    return this.backend.twins.size;
  }

  async listIds(cursor: string | undefined, count: number): Promise<{ ids: string[]; cursor?: string }> {
    if (!Number.isInteger(count) || count < 1) throw ServerError.badRequest(`count must be a positive integer, got ${String(count)}`);
    const ids = this.sortedIds()
      .filter((id) => cursor === undefined || compareDeviceIds(id, cursor) > 0)
      .slice(0, count);
    return ids.length === count ? { ids, cursor: ids[ids.length - 1] } : { ids };
  }

  async onChange(listener: (change: TwinChange) => void): Promise<() => void> {
    this.backend.listeners.add(listener);
    this.own.add(listener);
    return () => {
      this.backend.listeners.delete(listener);
      this.own.delete(listener);
    };
  }

  async close(): Promise<void> {
    for (const listener of this.own) this.backend.listeners.delete(listener);
    this.own.clear();
  }

  private entry(ep: string): Entry {
    const entry = this.backend.twins.get(ep);
    if (!entry) throw notFound(ep);
    return entry;
  }

  private sortedIds(): string[] {
    return [...this.backend.twins.keys()].sort(compareDeviceIds);
  }

  private publish(ep: string, sections: TwinChangeSection[], version: number): void {
    this.backend.publish({ ep, origin: this.instanceId, sections, version });
  }
}
