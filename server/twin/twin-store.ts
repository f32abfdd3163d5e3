/**
 * The twin store: the one interface through which the server reads and writes device twins (Azure IoT Hub device twins doc; docs/twin-model.md).
 * Implementations: `RedisTwinStore` (production) and `MemoryTwinStore` (unit tests); both pass
 * test/server/twin/twin-store.contract.ts. `CachedTwinStore` (twin-cache.ts) wraps either.
 *
 * Every method that takes bad input throws `ServerError` (`BAD_REQUEST` naming the key path, `NOT_FOUND` for an
 * unknown device, `PRECONDITION_FAILED` for a stale `If-Match`). Twins returned are plain JSON documents; callers must
 * treat them as read-only (the cache hands out shared, frozen objects).
 */
import type { TwinPatch } from './twin-patch.ts';
import type { ReportedUpdate, RejectedUpdate } from './reported-fields.ts';
import type { ConnectionState, DesiredSyncRecord, ObservationSyncRecord, ReportedSource, Twin, TwinObject, TwinStatus, TwinValue } from './twin.ts';
import type { TwinQuery, QueryPage, QueryPageRequest } from './twin-query.ts';

export type { ReportedUpdate, RejectedUpdate } from './reported-fields.ts';
export type { TwinPatch } from './twin-patch.ts';

export interface PatchOptions {
  /** RFC 7232 `If-Match`: the patch applies only if the twin's ETag matches (weak comparison, `*` = any). */
  ifMatch?: string;
}

export interface PatchResult {
  twin: Twin;
  /** Dotted desired leaf paths (from the desired root) added, changed or deleted by this patch. */
  changedDesired: string[];
}

/** What one `applyReported` call did to one device. */
export interface DeviceApplyResult {
  ep: string;
  /** False when the device has no twin: nothing was written (create twins with `ensure` at registration). */
  exists: boolean;
  /** A reported value was added, changed or deleted; reported `$version`, `version` and `etag` moved once. */
  changed: boolean;
  /** Twin version after the call (0 when the twin does not exist). */
  version: number;
  /** Dotted reported properties added, changed or deleted. */
  changedProperties: string[];
  /** Updates refused (invalid key or value, or the 32 KB reported limit), with the reason. */
  rejected: RejectedUpdate[];
}

export interface ApplyResult {
  /** One entry per device in the batch, in first-seen order. */
  devices: DeviceApplyResult[];
}

export type TwinSectionName = 'reported' | 'desired' | 'tags';

/** A shallow read (docs/twin-model.md#shallow-and-deep-reads): the server's copy of one property. */
export interface PropertyValue {
  /** A leaf value, or for a node the assembled sub-object (values only, no `$metadata`). */
  value: TwinValue;
  /** ISO 8601 UTC with ms: the leaf's `$lastUpdated`, or a node's (the latest below it). For tags: the last tags change. */
  lastUpdated: string;
  /** Reported leaves: how the value arrived. */
  source?: ReportedSource;
  /** Desired: the desired `$version` that last wrote it. */
  lastUpdatedVersion?: number;
}

/** Input of `recordDesiredSync`; the store stamps `at`. */
export interface DesiredSyncStatus {
  status: DesiredSyncRecord['status'];
  desiredVersion: number;
  error?: string;
}

/**
 * What a change touched. `created` / `deleted` are the twin's life cycle. `resync` (with `ep` `*`) is never published:
 * a store emits it locally when its feed may have lost messages (the subscriber reconnected), so caches drop everything.
 */
export type TwinChangeSection = 'tags' | 'desired' | 'reported' | 'connection' | 'observation' | 'status' | 'desiredSync' | 'created' | 'deleted' | 'resync';

/** Change-feed message, published (compact JSON) on `RedisKeys.twinChanges()` after every write that changes a twin. */
export interface TwinChange {
  ep: string;
  sections: TwinChangeSection[];
  /** Twin version after the change (0 after a delete). */
  version: number;
  /** Id of the store instance that made the change, so a process can recognise its own writes. */
  origin?: string;
}

export interface TwinStore {
  /** Identifies this store instance in change messages (`TwinChange.origin`). */
  readonly instanceId: string;

  /**
   * The whole twin, or undefined when the device has none. One atomic read. `fillCache: false`: a one-off read
   * (e.g. desired reconciliation after every Register) that a read cache in front of the store must not keep.
   */
  get(ep: string, opts?: { fillCache?: boolean }): Promise<Twin | undefined>;

  /**
   * Returns the device's twin, creating an empty one (version 1, status enabled, disconnected) when absent.
   * `init.tags` seed a new twin only (validated like a patch); an existing twin is returned unchanged.
   */
  ensure(ep: string, init?: { tags?: TwinObject }): Promise<Twin>;

  /** Deletes the twin and its index entries; false when there was none. */
  delete(ep: string): Promise<boolean>;

  /**
   * Back-end partial update of tags and/or desired (Azure IoT Hub device twins doc), atomic. Throws `BAD_REQUEST` (validation, naming the
   * key path), `NOT_FOUND` (no twin), `PRECONDITION_FAILED` (If-Match does not match; nothing changed). A patch that
   * changes nothing returns the twin as is (no version bump).
   */
  patch(ep: string, patch: TwinPatch, opts?: PatchOptions): Promise<PatchResult>;

  /**
   * Device-side reported values, the notify hot path: any number of devices per call, one round trip to Redis for
   * the whole batch, atomic per device. A value whose stored timestamp is newer is left alone (late writes never move
   * a twin backwards). Per device, reported `$version` and the twin version rise once when anything changed;
   * `lastActivityTime` moves to the latest timestamp seen. Devices without a twin are skipped (`exists: false`).
   */
  applyReported(updates: readonly ReportedUpdate[]): Promise<ApplyResult>;

  /**
   * Shallow read of one property (docs/twin-model.md#shallow-and-deep-reads) by segments from the section root (`['device', 'batteryLevel']`);
   * `[]` reads the whole section. Undefined when the twin or the property does not exist. A reported leaf costs one
   * Redis HGET.
   */
  getProperty(ep: string, section: TwinSectionName, property: readonly string[]): Promise<PropertyValue | undefined>;

  /**
   * Records the connection state and (if given and later than the stored one) the last activity time, ms since the
   * epoch. Does not change `version`. Throws `NOT_FOUND` when the device has no twin.
   */
  setConnection(ep: string, state: ConnectionState, lastActivityTime?: number): Promise<void>;

  /**
   * Replaces the twin's `observationState` (keyed by object id) without a version bump; `{}` clears it.
   * `NOT_FOUND` when the device has no twin.
   */
  setObservationState(ep: string, state: Readonly<Record<string, ObservationSyncRecord>>): Promise<void>;

  /** Sets the twin status (enabled / disabled). Does not change `version`. Throws `NOT_FOUND` when absent. */
  setStatus(ep: string, status: TwinStatus): Promise<void>;

  /**
   * Records the outcome of writing a desired property to the device (`desiredSync`, our extension). A record for an
   * older `desiredVersion` than the stored one is ignored (returns false). Does not change `version`. Throws
   * `NOT_FOUND` when the device has no twin.
   */
  recordDesiredSync(ep: string, property: readonly string[], status: DesiredSyncStatus): Promise<boolean>;

  /**
   * Runs a compiled query (Azure IoT Hub query language doc) and returns one page in deviceId order, with a continuation token while more may
   * follow (a page may hold fewer than `pageSize` items — even none — and still carry a token when the scan budget ran
   * out). Tag equality conditions use the tag index, numeric range conditions the range index where the store has one
   * (twin-query.ts); everything else scans.
   */
  query(query: TwinQuery, page: QueryPageRequest): Promise<QueryPage>;

  /** Number of twins. */
  count(): Promise<number>;

  /** Device ids in ascending order after `cursor` (exclusive; undefined = from the start); `cursor` for the next call. */
  listIds(cursor: string | undefined, count: number): Promise<{ ids: string[]; cursor?: string }>;

  /**
   * Subscribes to the change feed of every store instance on the same Redis (this one included). Resolves, once the
   * subscription is active, to the unsubscribe function. Messages arrive asynchronously, after the write.
   */
  onChange(listener: (change: TwinChange) => void): Promise<() => void>;

  /** Releases what the store opened itself (the subscriber connection); the caller's Redis client stays open. */
  close(): Promise<void>;
}
