/**
 * Which twin leaves the numeric range index (number-index.ts) covers: a list of path prefixes in the query
 * language's spelling (`tags`, `properties.desired`, `properties.reported.device.batteryLevel`). A prefix covers
 * the leaf of that path and every leaf below it. The empty list is "off"; `ALL_RANGE_INDEX_PATHS` is every numeric
 * leaf. Lists are kept canonical (`canonicalPaths`: no prefix covered by another, sorted), so two settings that
 * cover the same leaves compare equal as text, which is what the index's ready mark records.
 */

/** The three sections with numeric leaves: the whole twin. */
export const ALL_RANGE_INDEX_PATHS: readonly string[] = ['properties.desired', 'properties.reported', 'tags'];
/** The default: tags and desired (written rarely); reported leaves only where the operator names them. */
export const DEFAULT_RANGE_INDEX_PATHS: readonly string[] = ['properties.desired', 'tags'];

const ROOTS = ['tags', 'properties.desired', 'properties.reported'];
/** One key of a path: what the query language reads as a path segment, without `$` (metadata keys are not indexed). */
const SEGMENT = /^[\p{L}\p{N}\p{M}_]+$/u;

/** Why `prefix` is not a valid index path, or undefined when it is. */
export function invalidPathReason(prefix: string): string | undefined {
  const root = ROOTS.find((r) => prefix === r || prefix.startsWith(`${r}.`));
  if (root === undefined) return `${JSON.stringify(prefix)} does not start with tags, properties.desired or properties.reported`;
  if (prefix === root) return undefined;
  const bad = prefix.slice(root.length + 1).split('.').find((s) => !SEGMENT.test(s));
  if (bad !== undefined) return `${JSON.stringify(prefix)} has ${bad === '' ? 'an empty segment' : `the segment ${JSON.stringify(bad)} (letters, digits and _ only)`}`;
  return undefined;
}

/** True when the leaf `path` is `prefix` or lies below it. */
export function coveredBy(prefix: string, path: string): boolean {
  return path === prefix || (path.length > prefix.length && path.startsWith(prefix) && path.charCodeAt(prefix.length) === 46);
}

/** True when one of `prefixes` covers `path`. */
export function covers(prefixes: readonly string[], path: string): boolean {
  return prefixes.some((p) => coveredBy(p, path));
}

/** The same coverage with no prefix covered by another, sorted and without duplicates. */
export function canonicalPaths(prefixes: readonly string[]): string[] {
  const unique = [...new Set(prefixes)].sort();
  return unique.filter((p) => !unique.some((q) => q !== p && coveredBy(q, p)));
}

/** The leaves both lists cover, canonical. */
export function intersectPaths(a: readonly string[], b: readonly string[]): string[] {
  return canonicalPaths([...a.filter((p) => covers(b, p)), ...b.filter((p) => covers(a, p))]);
}

/** The prefixes of `wanted` whose leaves `have` does not (all) cover: what a backfill must add. */
export function missingPaths(wanted: readonly string[], have: readonly string[]): string[] {
  return canonicalPaths(wanted).filter((p) => !covers(have, p));
}
