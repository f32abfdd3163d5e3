/**
 * Flat storage of reported properties (docs/twin-model.md): one field per leaf, named by the dotted property
 * (`device.batteryLevel`), holding compact JSON `[value, timestampMs, source]`. A notification is then a write of a
 * few fields; the nested `reported` section with its `$metadata` is assembled on read.
 *
 * A deleted leaf stays as a tombstone `[null, timestampMs, source]`: it keeps stale writes from bringing the value
 * back, and it moves its parent's `$lastUpdated` (Azure IoT Hub device twins doc, "Device twin metadata": deletions are tracked). Tombstones are invisible otherwise.
 *
 * Write rules (the memory store runs `applyReportedFields`; the Redis store runs apply-reported-2.lua, which mirrors it
 * step by step — change one, change both):
 * - An update is written only when the stored timestamp of its field is older or equal, so a late write never moves
 *   the twin backwards. Equal value + newer timestamp or other source refreshes metadata only ("touched").
 * - `null` deletes the leaf and every leaf below it.
 * - Writing a leaf where a live ancestor leaf or live descendant leaves exist replaces them (they become tombstones),
 *   unless one of them is newer, in which case the write is stale and skipped.
 * - The section size (twin-limits.ts `reportedLeafSize`) may not exceed 32 KB; an update that would is refused.
 */
import { MAX_DEPTH, MAX_REPORTED_BYTES, keyProblem, primitiveProblem, reportedLeafSize } from './twin-limits.ts';
import { REPORTED_SOURCES, type JsonPrimitive, type ReportedSource } from './twin.ts';

/** One reported value observed on one device (the notify hot path's unit). */
export interface ReportedUpdate {
  ep: string;
  /** Property segments from the twin's `reported` root, e.g. `['device', 'batteryLevel']` (docs/twin-model.md). */
  property: string[];
  /** The new value; `null` deletes the property (and everything below it). */
  value: JsonPrimitive | null;
  source: ReportedSource;
  /** When the value was observed, ms since the epoch. */
  timestamp: number;
}

/** A validated update in storage form. */
export interface PreparedUpdate {
  field: string;
  valueJson: string;
  ts: number;
  source: ReportedSource;
  /** `reportedLeafSize(field, valueJson)`. */
  size: number;
}

export interface RejectedUpdate {
  property: string;
  reason: string;
}

/** A decoded stored field. */
export interface StoredLeaf {
  value: JsonPrimitive | null;
  ts: number;
  source: ReportedSource;
}

/** Per-device outcome of one `applyReportedFields` run (and of the Lua script). */
export interface FieldsOutcome {
  /** A value was added, changed or deleted. */
  changed: boolean;
  /** Something was written at all (values, metadata refreshes, tombstones). */
  touched: boolean;
  changedFields: string[];
  rejected: RejectedUpdate[];
  /** Section size after the run. */
  size: number;
}

export function encodeLeaf(valueJson: string, ts: number, source: ReportedSource): string {
  return `[${valueJson},${ts},"${source}"]`;
}

export function decodeLeaf(raw: string): StoredLeaf {
  // Layout `[<value JSON>,<ts>,"<source>"]`, parsed from the end: the source and ts never contain commas or quotes.
  const srcStart = raw.lastIndexOf('"', raw.length - 3) + 1;
  const tsStart = raw.lastIndexOf(',', srcStart - 3) + 1;
  const source = raw.slice(srcStart, raw.length - 2) as ReportedSource;
  const ts = Number(raw.slice(tsStart, srcStart - 2));
  return { value: parseValue(raw.slice(1, tsStart - 1)), ts, source };
}

/** JSON.parse for one primitive, with fast paths for the common shapes. */
export function parseValue(json: string): JsonPrimitive | null {
  const c = json.charCodeAt(0);
  if (c === 0x22 /* " */) return json.indexOf('\\') === -1 ? json.slice(1, -1) : (JSON.parse(json) as string);
  if (json === 'null') return null;
  if (json === 'true') return true;
  if (json === 'false') return false;
  return Number(json);
}

/**
 * Validates updates and groups them per device, keeping first-seen device order and each device's update order.
 * Invalid updates are returned as rejections (with the reason) instead of failing the batch.
 */
export function prepareReportedUpdates(updates: readonly ReportedUpdate[]): Map<string, { prepared: PreparedUpdate[]; rejected: RejectedUpdate[] }> {
  const groups = new Map<string, { prepared: PreparedUpdate[]; rejected: RejectedUpdate[] }>();
  for (const u of updates) {
    let group = groups.get(u.ep);
    if (!group) groups.set(u.ep, (group = { prepared: [], rejected: [] }));
    const segments = Array.isArray(u.property) ? u.property : [];
    const field = segments.join('.');
    const problem = updateProblem(u, segments);
    if (problem) {
      group.rejected.push({ property: field, reason: problem });
      continue;
    }
    const valueJson = JSON.stringify(u.value);
    group.prepared.push({ field, valueJson, ts: u.timestamp, source: u.source, size: reportedLeafSize(field, valueJson) });
  }
  return groups;
}

/** Segments already found valid: property names repeat endlessly on the notify path. */
const GOOD_KEYS = new Set<string>();

function updateProblem(u: ReportedUpdate, segments: string[]): string | undefined {
  if (segments.length === 0) return 'property must have at least one segment';
  // A leaf at segment n sits in an object at level n − 1 (see twin-limits.ts checkPatchObject).
  if (segments.length - 1 > MAX_DEPTH) return `objects must not nest deeper than ${MAX_DEPTH} levels`;
  for (const segment of segments) {
    if (GOOD_KEYS.has(segment)) continue;
    const bad = typeof segment === 'string' ? keyProblem(segment) : 'keys must be strings';
    if (bad) return `${bad} (key ${JSON.stringify(segment)})`;
    if (GOOD_KEYS.size >= 10_000) GOOD_KEYS.clear();
    GOOD_KEYS.add(segment);
  }
  if (u.value !== null) {
    const bad = primitiveProblem(u.value);
    if (bad) return bad;
  }
  if (!Number.isSafeInteger(u.timestamp) || u.timestamp < 0) return 'timestamp must be a non-negative integer of ms since the epoch';
  if (!REPORTED_SOURCES.includes(u.source)) return `source must be one of ${REPORTED_SOURCES.join(', ')}`;
  return undefined;
}

/** Applies one device's prepared updates to its fields in place (the memory store's twin of apply-reported-2.lua). */
export function applyReportedFields(fields: Map<string, string>, startSize: number, updates: readonly PreparedUpdate[]): FieldsOutcome {
  const out: FieldsOutcome = { changed: false, touched: false, changedFields: [], rejected: [], size: startSize };
  const live = (raw: string | undefined): StoredLeaf | undefined => {
    if (raw === undefined) return undefined;
    const leaf = decodeLeaf(raw);
    return leaf.value === null ? undefined : leaf;
  };
  const below = (field: string): string[] => [...fields.keys()].filter((k) => k.startsWith(field + '.'));
  const tombstone = (field: string, u: PreparedUpdate): void => {
    fields.set(field, encodeLeaf('null', u.ts, u.source));
    out.touched = true;
  };

  for (const u of updates) {
    if (u.valueJson === 'null') {
      for (const target of [u.field, ...below(u.field)]) {
        const raw = fields.get(target);
        if (raw !== undefined && decodeLeaf(raw).ts > u.ts) continue;
        const old = live(raw);
        if (old) {
          out.size -= reportedLeafSize(target, JSON.stringify(old.value));
          out.changed = true;
          out.changedFields.push(target);
        }
        tombstone(target, u);
      }
      continue;
    }

    const raw = fields.get(u.field);
    const stored = raw === undefined ? undefined : decodeLeaf(raw);
    if (stored && stored.ts > u.ts) continue;
    if (stored && stored.value !== null && JSON.stringify(stored.value) === u.valueJson) {
      if (stored.ts !== u.ts || stored.source !== u.source) {
        fields.set(u.field, encodeLeaf(u.valueJson, u.ts, u.source));
        out.touched = true;
      }
      continue;
    }

    const conflicts: string[] = [];
    let blocked = false;
    if (!stored || stored.value === null) {
      const parts = u.field.split('.');
      const related = [...parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('.')), ...below(u.field)];
      for (const other of related) {
        const leaf = live(fields.get(other));
        if (!leaf) continue;
        if (leaf.ts > u.ts) blocked = true;
        else conflicts.push(other);
      }
    }
    if (blocked) continue;

    let size = out.size + u.size;
    if (stored && stored.value !== null) size -= reportedLeafSize(u.field, JSON.stringify(stored.value));
    for (const other of conflicts) size -= reportedLeafSize(other, JSON.stringify(live(fields.get(other))!.value));
    if (size > MAX_REPORTED_BYTES) {
      out.rejected.push({ property: u.field, reason: `reported size would be ${size} bytes, over the ${MAX_REPORTED_BYTES}-byte limit` });
      continue;
    }
    for (const other of conflicts) {
      tombstone(other, u);
      out.changedFields.push(other);
    }
    fields.set(u.field, encodeLeaf(u.valueJson, u.ts, u.source));
    out.size = size;
    out.changed = true;
    out.touched = true;
    out.changedFields.push(u.field);
  }
  return out;
}
