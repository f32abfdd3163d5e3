/**
 * The device twin document (Azure IoT Hub device twins doc), as the twin store returns it and the HTTP API serves it.
 *
 * Values are JSON without arrays (Azure IoT Hub device twins doc; docs/twin-model.md: "no arrays anywhere"). Every node and leaf of `desired` and
 * `reported` has `$metadata` with `$lastUpdated` (ISO 8601 UTC with milliseconds); desired metadata adds
 * `$lastUpdatedVersion` (the desired `$version` that last wrote it) and reported leaf metadata adds `$source`
 * (docs/twin-model.md#metadata-and-sources: `notify`, `read`, `send`, `register`).
 *
 * Extension (not in IoT Hub): the root field `desiredSync` records, per desired property that maps to a device
 * resource, whether the device accepted the value (docs/twin-model.md#desired-properties).
 */

/** A JSON primitive a twin leaf can hold. `null` is never stored: in a patch it means "delete". */
export type JsonPrimitive = string | number | boolean;

/** A stored twin value: a primitive or an object of values (no arrays, no nulls). */
export type TwinValue = JsonPrimitive | TwinObject;
export interface TwinObject {
  [key: string]: TwinValue;
}

/** A value inside a patch: like `TwinValue`, plus `null` meaning "delete this key" (Azure IoT Hub device twins doc). */
export type PatchValue = JsonPrimitive | null | PatchObject;
export interface PatchObject {
  [key: string]: PatchValue;
}

/** Where a reported value came from (docs/twin-model.md#metadata-and-sources). */
export type ReportedSource = 'notify' | 'read' | 'send' | 'register';
export const REPORTED_SOURCES: readonly ReportedSource[] = ['notify', 'read', 'send', 'register'];

/** Metadata of one node or leaf; children of a node carry their own metadata under the same key as the value. */
export interface TwinMetadata {
  /** ISO 8601 UTC with ms. On a node: the latest change of the node or anything below it (deletions included). */
  $lastUpdated: string;
  /** Desired only: the desired `$version` that last changed this node or leaf. */
  $lastUpdatedVersion?: number;
  /** Reported leaves only: how the value reached the server. */
  $source?: ReportedSource;
  [child: string]: TwinMetadata | string | number | undefined;
}

/** `properties.desired` / `properties.reported`: the values plus `$metadata` and `$version` (Azure IoT Hub device twins doc). */
export interface TwinSection {
  $metadata: TwinMetadata;
  /** Rises by one on every change of this section (Azure IoT Hub device twins doc). */
  $version: number;
  [key: string]: TwinValue | TwinMetadata;
}

export type TwinStatus = 'enabled' | 'disabled';
export type ConnectionState = 'connected' | 'disconnected' | 'asleep';

/** Outcome of writing one desired property to the device (our extension, see file header). */
export interface DesiredSyncRecord {
  status: 'pending' | 'accepted' | 'rejected';
  /** The desired `$version` whose value this record is about. */
  desiredVersion: number;
  /** When the status was recorded, ISO 8601 UTC with ms. */
  at: string;
  /** Why the device refused the value (rejected only). */
  error?: string;
}

/**
 * Extension: whether this server holds the observations twin sync wants on one object of the device (see the README
 * "Operations" section). `pending`: being set up (after a Register, a restart, or a device that showed up without
 * them); `observing`: established, notifications flow; `failed`: the device did not accept them, retried at `retryAt`.
 */
export interface ObservationSyncRecord {
  status: 'pending' | 'observing' | 'failed';
  /** When the status was recorded, ISO 8601 UTC with ms. */
  at: string;
  /** Why it is pending or failed (`server restarted`, `Device d1 did not answer ...`). */
  reason?: string;
  /** `failed` only: when the next attempt is due, ISO 8601 UTC with ms. */
  retryAt?: string;
}

export interface Twin {
  deviceId: string;
  /** Weak RFC 7232 ETag, see `formatEtag`. Changes exactly when `version` changes. */
  etag: string;
  /**
   * Rises by one on every change of `tags`, `properties.desired` or a reported value. Status, connection state,
   * `lastActivityTime`, `desiredSync` and a reported value re-confirmed unchanged (only its `$lastUpdated` moves) do
   * not change it: they are status fields, and a back end's `If-Match` should not fail because of them.
   */
  version: number;
  status: TwinStatus;
  connectionState: ConnectionState;
  /** Last time the device was heard from, ISO 8601 UTC with ms. */
  lastActivityTime?: string;
  tags: TwinObject;
  properties: { desired: TwinSection; reported: TwinSection };
  /** Extension: desired-sync status keyed by dotted desired property name (`device.timezone`). */
  desiredSync: Record<string, DesiredSyncRecord>;
  /** Extension: observation state keyed by object id (`"3"`); absent until twin sync first set observations up. */
  observationState?: Record<string, ObservationSyncRecord>;
}

/** ISO 8601 UTC with milliseconds, the only timestamp format in a twin. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

const isoCache = new Map<number, string>();

/** `isoTime`, memoised for the few distinct timestamps that twins assembled together share (query scans). */
export function cachedIsoTime(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    if (isoCache.size >= 4096) isoCache.clear();
    iso = new Date(ms).toISOString();
    isoCache.set(ms, iso);
  }
  return iso;
}

/**
 * The twin ETag: weak (RFC 7232 §2.3), `W/"<incarnation>.<version>"`, where the incarnation is the twin's creation
 * time in base 36. The version alone would let an ETag of a deleted twin match its re-created namesake.
 */
export function formatEtag(createdMs: number, version: number): string {
  return `W/"${createdMs.toString(36)}.${version}"`;
}

/**
 * True when an `If-Match` value matches the twin's ETag. `*` matches any existing twin (RFC 7232 §3.1). The
 * comparison is weak (the `W/` prefix is ignored on both sides): RFC 7232 §3.1 asks for a strong comparison, which a
 * weak ETag could never pass, and IoT Hub clients send the ETag they read back as is. A list (`"a", "b"`) matches
 * when any member does.
 */
export function etagMatches(ifMatch: string, etag: string): boolean {
  const want = opaque(etag);
  return ifMatch
    .split(',')
    .map((s) => s.trim())
    .some((tag) => tag === '*' || opaque(tag) === want);
}

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/** True for a plain object value (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
