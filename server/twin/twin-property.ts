/**
 * Shallow reads (docs/twin-model.md#shallow-and-deep-reads): one property out of a section, with its freshness. Shared by both stores.
 */
import { assembleReported, type ReportedFields } from './reported-document.ts';
import { decodeLeaf } from './reported-fields.ts';
import type { PropertyValue } from './twin-store.ts';
import { isObject, type TwinMetadata, type TwinObject, type TwinSection, type TwinValue } from './twin.ts';

/** A property of `desired` (with its `$metadata`). */
export function desiredProperty(section: TwinSection, property: readonly string[]): PropertyValue | undefined {
  let value: unknown = sectionValues(section);
  let meta: unknown = section.$metadata;
  for (const key of property) {
    if (!isObject(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
    meta = isObject(meta) ? meta[key] : undefined;
  }
  const m = (isObject(meta) ? meta : section.$metadata) as TwinMetadata;
  return {
    value: value as TwinValue,
    lastUpdated: m.$lastUpdated,
    ...(m.$lastUpdatedVersion !== undefined ? { lastUpdatedVersion: m.$lastUpdatedVersion } : {}),
  };
}

/** A property of `tags`; tags keep no per-leaf metadata, so `lastUpdated` is the last change of any tag. */
export function tagsProperty(tags: TwinObject, tagsUpdated: string, property: readonly string[]): PropertyValue | undefined {
  let value: unknown = tags;
  for (const key of property) {
    if (!isObject(value) || !Object.hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return { value: value as TwinValue, lastUpdated: tagsUpdated };
}

/** A reported leaf from its stored field, or undefined when absent or deleted (then try `reportedNode`). */
export function reportedLeaf(raw: string | undefined | null): PropertyValue | undefined {
  if (raw === undefined || raw === null) return undefined;
  const leaf = decodeLeaf(raw);
  if (leaf.value === null) return undefined;
  return { value: leaf.value, lastUpdated: new Date(leaf.ts).toISOString(), source: leaf.source };
}

/**
 * A reported node: the values below `property` assembled into an object, `lastUpdated` = the latest timestamp below
 * it (deletions included). Undefined when nothing live is below it. `[]` is the whole section.
 */
export function reportedNode(fields: ReportedFields, property: readonly string[]): PropertyValue | undefined {
  const prefix = property.length === 0 ? '' : property.join('.') + '.';
  const below = new Map<string, string>();
  for (const [field, raw] of fields instanceof Map ? fields : Object.entries(fields)) {
    if (field.startsWith(prefix)) below.set(field.slice(prefix.length), raw);
  }
  const section = assembleReported(below, 0, 0);
  const value = sectionValues(section);
  if (Object.keys(value).length === 0) return undefined;
  return { value, lastUpdated: section.$metadata.$lastUpdated };
}

/** The values of a section without its `$` elements. */
export function sectionValues(section: TwinSection): TwinObject {
  const out: TwinObject = {};
  for (const [key, value] of Object.entries(section)) if (!key.startsWith('$')) out[key] = value as TwinValue;
  return out;
}
