/**
 * Back-end twin patches (Azure IoT Hub device twins doc): validation and the recursive merge with its metadata rules. Pure functions; the
 * stores call `applyTwinPatch` inside their atomic step.
 *
 * Rules:
 * - A patch may hold `tags` and `properties.desired` (reported is written by the device only, Azure IoT Hub device twins doc).
 * - Objects merge recursively; `null` deletes a key; arrays are refused; see twin-limits.ts for key and value limits.
 * - Writing a value equal to the stored one is not a change: nothing is stamped and no version moves (an idempotent
 *   PATCH may be retried freely).
 * - Desired metadata: every changed leaf and every ancestor node up to the section root gets `$lastUpdated` = now and
 *   `$lastUpdatedVersion` = the new desired `$version`; a deletion stamps the deleted key's parent and its ancestors.
 * - Desired `$version` rises by one per patch that changes desired. Tags keep no metadata (as in IoT Hub).
 */
import { ServerError } from '../errors.ts';
import { checkPatchObject, MAX_DESIRED_BYTES, MAX_TAGS_BYTES, objectSize, refuse } from './twin-limits.ts';
import { isObject, isoTime, type JsonPrimitive, type PatchObject, type TwinMetadata, type TwinObject, type TwinSection } from './twin.ts';

/** What a back end may patch. */
export interface TwinPatch {
  tags?: PatchObject;
  properties?: { desired?: PatchObject };
}

/** The back-end-owned part of a twin, the input of a merge. */
export interface BackEndState {
  tags: TwinObject;
  desired: TwinSection;
}

/** One tag leaf as the equality index sees it: dotted path from the twin root and JSON-encoded value. */
export interface TagLeaf {
  path: string;
  value: string;
}

export interface PatchOutcome {
  tags: TwinObject;
  desired: TwinSection;
  tagsChanged: boolean;
  desiredChanged: boolean;
  /** Dotted desired leaf paths (from the section root) that were added, changed or deleted. */
  changedDesired: string[];
  /** Tag index maintenance: leaves whose index entry goes away, and leaves that get one. */
  tagIndex: { removed: TagLeaf[]; added: TagLeaf[] };
}

/**
 * Checks a patch's shape, keys and values, and returns it typed. Throws `BAD_REQUEST` whose message starts with the
 * offending key path (`tags.location.bad key: keys must not contain spaces`).
 */
export function validateTwinPatch(patch: unknown): TwinPatch {
  if (!isObject(patch)) throw ServerError.badRequest('a twin patch must be a JSON object');
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'tags') {
      checkPatchObject(['tags'], value);
    } else if (key === 'properties') {
      if (!isObject(value)) refuse(['properties'], Array.isArray(value) ? 'arrays are not allowed' : 'expected an object');
      for (const [section, body] of Object.entries(value)) {
        if (section === 'desired') checkPatchObject(['properties', 'desired'], body);
        else if (section === 'reported') refuse(['properties', 'reported'], 'reported properties are written by the device only');
        else refuse(['properties', section], 'only properties.desired can be patched');
      }
    } else {
      refuse([key], 'only tags and properties.desired can be patched');
    }
  }
  return patch as TwinPatch;
}

/** An empty desired or reported section created at `nowMs` (both start at `$version` 1). */
export function emptySection(nowMs: number, withVersionMetadata: boolean): TwinSection {
  const $metadata: TwinMetadata = { $lastUpdated: isoTime(nowMs) };
  if (withVersionMetadata) $metadata.$lastUpdatedVersion = 1;
  return { $metadata, $version: 1 };
}

/**
 * Merges a validated patch into `state` (not mutated) at `nowMs`, applies the section size limits to the result, and
 * reports what changed. Throws `BAD_REQUEST` when a section would exceed its size limit.
 */
export function applyTwinPatch(state: BackEndState, patch: TwinPatch, nowMs: number): PatchOutcome {
  const now = isoTime(nowMs);
  let tags = state.tags;
  let tagsChanged = false;
  if (patch.tags) {
    const next = structuredClone(state.tags);
    const changed: string[] = [];
    if (mergeInto(next, undefined, patch.tags, [], { $lastUpdated: now }, changed)) {
      const size = objectSize(next);
      if (size > MAX_TAGS_BYTES) refuse(['tags'], `size ${size} bytes exceeds the ${MAX_TAGS_BYTES}-byte limit`);
      tags = next;
      tagsChanged = true;
    }
  }

  let desired = state.desired;
  let desiredChanged = false;
  const changedDesired: string[] = [];
  const desiredPatch = patch.properties?.desired;
  if (desiredPatch) {
    const version = state.desired.$version + 1;
    const { values, metadata } = splitSection(state.desired);
    if (mergeInto(values, metadata, desiredPatch, [], { $lastUpdated: now, $lastUpdatedVersion: version }, changedDesired)) {
      const size = objectSize(values);
      if (size > MAX_DESIRED_BYTES) refuse(['properties', 'desired'], `size ${size} bytes exceeds the ${MAX_DESIRED_BYTES}-byte limit`);
      desired = { ...values, $metadata: metadata, $version: version };
      desiredChanged = true;
    }
  }

  const tagIndex = tagsChanged ? diffLeaves(tagLeaves(state.tags), tagLeaves(tags)) : { removed: [], added: [] };
  return { tags, desired, tagsChanged, desiredChanged, changedDesired, tagIndex };
}

/** Every primitive leaf of a tags object, as index entries (`tags.location.plant` = `"Redmond43"`). */
export function tagLeaves(tags: TwinObject): TagLeaf[] {
  const out: TagLeaf[] = [];
  forEachLeaf(tags, ['tags'], (path, value) => out.push({ path: path.join('.'), value: JSON.stringify(value) }));
  return out;
}

/**
 * The patch that turns `current` into `next` (keys missing from `next` become `null`), so a replace (PUT, Azure IoT Hub device twins doc)
 * runs through the same merge, metadata and atomicity as a patch.
 */
export function replacementPatch(current: TwinObject, next: PatchObject): PatchObject {
  const out: PatchObject = { ...next };
  for (const [key, value] of Object.entries(current)) {
    const replacement = next[key];
    if (replacement === undefined || replacement === null) out[key] = null;
    else if (isObject(value) && isObject(replacement)) out[key] = replacementPatch(value, replacement);
  }
  return out;
}

/** Splits a section into a mutable deep copy of its values and of its metadata. */
function splitSection(section: TwinSection): { values: TwinObject; metadata: TwinMetadata } {
  const values: TwinObject = {};
  for (const [key, value] of Object.entries(section)) {
    if (!key.startsWith('$')) values[key] = structuredClone(value) as TwinObject[string];
  }
  return { values, metadata: structuredClone(section.$metadata) };
}

type Stamp = { $lastUpdated: string; $lastUpdatedVersion?: number };

/**
 * Merges `patch` into `target` in place; with `meta`, keeps metadata in step. Appends changed leaf paths to
 * `changed` and returns whether anything changed.
 */
function mergeInto(target: TwinObject, meta: TwinMetadata | undefined, patch: PatchObject, path: string[], stamp: Stamp, changed: string[]): boolean {
  let any = false;
  for (const [key, value] of Object.entries(patch)) {
    const here = [...path, key];
    const exists = Object.hasOwn(target, key);
    const current = target[key];
    if (value === null) {
      if (!exists) continue;
      collectLeaves(current, here, changed);
      delete target[key];
      if (meta) delete meta[key];
      any = true;
    } else if (isObject(value)) {
      if (exists && isObject(current)) {
        let childMeta: TwinMetadata | undefined;
        if (meta) childMeta = isObject(meta[key]) ? (meta[key] as TwinMetadata) : (meta[key] = { ...stamp });
        if (mergeInto(current, childMeta, value, here, stamp, changed)) any = true;
        continue;
      }
      const node: TwinObject = {};
      const nodeMeta: TwinMetadata | undefined = meta ? { ...stamp } : undefined;
      const added = mergeInto(node, nodeMeta, value, here, stamp, changed);
      // `{}` creates an empty object; a patch object holding only nulls creates nothing.
      if (!added && Object.keys(value).length > 0) continue;
      if (exists) changed.push(here.join('.'));
      target[key] = node;
      if (meta && nodeMeta) meta[key] = nodeMeta;
      any = true;
    } else {
      if (exists && current === value) continue;
      if (exists && isObject(current)) collectLeaves(current, here, changed);
      changed.push(here.join('.'));
      target[key] = value;
      if (meta) meta[key] = { ...stamp };
      any = true;
    }
  }
  if (any && meta) Object.assign(meta, stamp);
  return any;
}

function collectLeaves(value: TwinObject[string] | undefined, path: string[], out: string[]): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    out.push(path.join('.'));
    return;
  }
  forEachLeaf(value, path, (p) => out.push(p.join('.')));
}

function forEachLeaf(obj: TwinObject, path: string[], visit: (path: string[], value: JsonPrimitive) => void): void {
  for (const [key, value] of Object.entries(obj)) {
    if (isObject(value)) forEachLeaf(value, [...path, key], visit);
    else visit([...path, key], value);
  }
}

function diffLeaves(before: TagLeaf[], after: TagLeaf[]): { removed: TagLeaf[]; added: TagLeaf[] } {
  const old = new Map(before.map((l) => [l.path, l.value]));
  const now = new Map(after.map((l) => [l.path, l.value]));
  return {
    removed: before.filter((l) => now.get(l.path) !== l.value),
    added: after.filter((l) => old.get(l.path) !== l.value),
  };
}
