/**
 * The stored form of a twin, shared by both stores so they assemble identical documents:
 * - a header record of string fields (the Redis hash `twin(ep)`), listed in `HeaderField`;
 * - the reported fields (the Redis hash `twinReported(ep)`), see reported-fields.ts.
 */
import type { TagLeaf } from './twin-patch.ts';
import { emptySection, tagLeaves } from './twin-patch.ts';
import { assembleReported, type ReportedFields } from './reported-document.ts';
import {
  cachedIsoTime,
  formatEtag,
  type ConnectionState,
  type DesiredSyncRecord,
  type ObservationSyncRecord,
  type Twin,
  type TwinObject,
  type TwinSection,
  type TwinStatus,
} from './twin.ts';

/** Header fields. Numbers are decimal strings, objects compact JSON. */
export const HeaderField = {
  /** Twin version (Azure IoT Hub device twins doc). */
  version: 'version',
  /** Creation time, ms; also the ETag incarnation. */
  created: 'created',
  status: 'status',
  connection: 'connection',
  /** Last activity, ms. */
  lastActivity: 'lastActivity',
  /** Tags, JSON. */
  tags: 'tags',
  /** Last change of tags, ms (tags keep no per-leaf metadata). */
  tagsUpdated: 'tagsUpdated',
  /** The desired section with `$metadata` and `$version`, JSON. */
  desired: 'desired',
  /** Counter of back-end writes (tags, desired); patches compare-and-set on it. */
  backEndVersion: 'bver',
  /** Reported `$version`. */
  reportedVersion: 'rversion',
  /** Reported size in bytes (twin-limits.ts `reportedLeafSize`, summed). */
  reportedSize: 'rsize',
  /** Observation state per object, JSON (`Twin.observationState`). */
  observation: 'observation',
} as const;

/** Prefix of the header fields holding desired-sync records (`sync:device.timezone`). */
export const SYNC_FIELD_PREFIX = 'sync:';

/** The header of a new twin, and the tag leaves to index. */
export function newTwinHeader(nowMs: number, tags: TwinObject = {}): { header: Record<string, string>; tagLeaves: TagLeaf[] } {
  const header: Record<string, string> = {
    [HeaderField.version]: '1',
    [HeaderField.created]: String(nowMs),
    [HeaderField.status]: 'enabled',
    [HeaderField.connection]: 'disconnected',
    [HeaderField.tags]: JSON.stringify(tags),
    [HeaderField.tagsUpdated]: String(nowMs),
    [HeaderField.desired]: JSON.stringify(emptySection(nowMs, true)),
    [HeaderField.backEndVersion]: '0',
    [HeaderField.reportedVersion]: '1',
    [HeaderField.reportedSize]: '0',
  };
  return { header, tagLeaves: tagLeaves(tags) };
}

/** Builds the twin document from its stored records. */
export function assembleTwin(ep: string, header: Record<string, string>, reported: ReportedFields): Twin {
  const version = Number(header[HeaderField.version]);
  const created = Number(header[HeaderField.created]);
  const lastActivity = header[HeaderField.lastActivity];
  const observation = header[HeaderField.observation];
  const desiredSync: Record<string, DesiredSyncRecord> = {};
  for (const field in header) {
    if (field.startsWith(SYNC_FIELD_PREFIX)) desiredSync[field.slice(SYNC_FIELD_PREFIX.length)] = JSON.parse(header[field]) as DesiredSyncRecord;
  }
  return {
    deviceId: ep,
    etag: formatEtag(created, version),
    version,
    status: header[HeaderField.status] as TwinStatus,
    connectionState: header[HeaderField.connection] as ConnectionState,
    ...(lastActivity !== undefined ? { lastActivityTime: cachedIsoTime(Number(lastActivity)) } : {}),
    tags: JSON.parse(header[HeaderField.tags]) as TwinObject,
    properties: {
      desired: JSON.parse(header[HeaderField.desired]) as TwinSection,
      reported: assembleReported(reported, Number(header[HeaderField.reportedVersion]), created),
    },
    desiredSync,
    ...(observation !== undefined ? { observationState: JSON.parse(observation) as Record<string, ObservationSyncRecord> } : {}),
  };
}
