/**
 * Assembles the nested `properties.reported` section (Azure IoT Hub device twins doc; docs/twin-model.md) from the flat stored fields of
 * reported-fields.ts. This runs for every twin a query scans, so the common path is one allocation-light pass that
 * decodes each field straight into the values and the `$metadata` trees.
 *
 * Metadata: a leaf has `$lastUpdated` and `$source`; a node's `$lastUpdated` is the latest timestamp of anything below
 * it, deletions (tombstones) included; the root's is at least the twin's creation time.
 */
import { decodeLeaf, parseValue, type StoredLeaf } from './reported-fields.ts';
import { cachedIsoTime, type TwinMetadata, type TwinObject, type TwinSection } from './twin.ts';

/** Stored reported fields: dotted property -> `[value, ts, source]` JSON. */
export type ReportedFields = Record<string, string> | ReadonlyMap<string, string>;

/** A metadata node while being built: `$lastUpdated` is still a number (ms). */
interface RawMeta {
  $lastUpdated: number | string;
  $source?: string;
  [child: string]: RawMeta | number | string | undefined;
}

export function assembleReported(fields: ReportedFields, version: number, createdMs: number): TwinSection {
  const built = placeAll(fields, createdMs) ?? placeNewestLast(fields, createdMs);
  return Object.assign(built.values, { $metadata: built.metadata, $version: version }) as unknown as TwinSection;
}

function forEachField(fields: ReportedFields, visit: (field: string, raw: string) => boolean | void): boolean {
  if (fields instanceof Map) {
    for (const [field, raw] of fields) if (visit(field, raw) === false) return false;
  } else {
    const record = fields as Record<string, string>;
    for (const field in record) if (visit(field, record[field]) === false) return false;
  }
  return true;
}

/**
 * One pass over the fields in stored order. Undefined when a leaf and a node collide (the store prevents that, see
 * reported-fields.ts, but stored data is not trusted to be perfect).
 */
function placeAll(fields: ReportedFields, createdMs: number): { values: TwinObject; metadata: TwinMetadata } | undefined {
  const values: TwinObject = {};
  const metadata: RawMeta = { $lastUpdated: createdMs };
  const tombstones: { field: string; ts: number }[] = [];
  const ok = forEachField(fields, (field, raw) => {
    // `[<value JSON>,<ts>,"<source>"]`, read from the end (see decodeLeaf).
    const srcStart = raw.lastIndexOf('"', raw.length - 3) + 1;
    const tsStart = raw.lastIndexOf(',', srcStart - 3) + 1;
    const ts = Number(raw.slice(tsStart, srcStart - 2));
    const valueJson = raw.slice(1, tsStart - 1);
    if (valueJson === 'null') {
      tombstones.push({ field, ts });
      return true;
    }
    let node = values;
    let meta = metadata;
    if (ts > (meta.$lastUpdated as number)) meta.$lastUpdated = ts;
    let start = 0;
    for (let dot = field.indexOf('.'); dot !== -1; dot = field.indexOf('.', start)) {
      const key = field.slice(start, dot);
      const next = node[key];
      if (next === undefined) {
        node = node[key] = {};
        meta = meta[key] = { $lastUpdated: ts };
      } else if (typeof next === 'object') {
        node = next;
        meta = meta[key] as RawMeta;
        if (ts > (meta.$lastUpdated as number)) meta.$lastUpdated = ts;
      } else {
        return false;
      }
      start = dot + 1;
    }
    const key = start === 0 ? field : field.slice(start);
    if (typeof node[key] === 'object') return false;
    node[key] = parseValue(valueJson) as TwinObject[string];
    meta[key] = { $lastUpdated: ts, $source: raw.slice(srcStart, raw.length - 2) };
    return true;
  });
  if (!ok) return undefined;
  for (const { field, ts } of tombstones) touchAncestors(metadata, field, ts);
  return { values, metadata: finish(metadata) };
}

/** The collision-proof path: leaves placed oldest first, so the newer of a colliding leaf and node wins. */
function placeNewestLast(fields: ReportedFields, createdMs: number): { values: TwinObject; metadata: TwinMetadata } {
  const leaves: { field: string; segments: string[]; leaf: StoredLeaf }[] = [];
  forEachField(fields, (field, raw) => {
    leaves.push({ field, segments: field.split('.'), leaf: decodeLeaf(raw) });
  });
  leaves.sort((a, b) => a.leaf.ts - b.leaf.ts);
  const values: TwinObject = {};
  for (const { segments, leaf } of leaves) {
    if (leaf.value === null) continue;
    let node = values;
    for (let i = 0; i < segments.length - 1; i++) {
      const next = node[segments[i]];
      node = typeof next === 'object' ? next : (node[segments[i]] = {});
    }
    node[segments[segments.length - 1]] = leaf.value;
  }
  // Metadata follows the surviving values; every stored field (tombstones and losers included) moves its ancestors.
  const byField = new Map(leaves.map((l) => [l.field, l.leaf]));
  const build = (node: TwinObject, path: string): RawMeta => {
    const meta: RawMeta = { $lastUpdated: 0 };
    for (const key of Object.keys(node)) {
      const value = node[key];
      const childPath = path === '' ? key : `${path}.${key}`;
      if (typeof value === 'object') {
        meta[key] = build(value, childPath);
      } else {
        const leaf = byField.get(childPath)!;
        meta[key] = { $lastUpdated: leaf.ts, $source: leaf.source };
      }
    }
    return meta;
  };
  const metadata = build(values, '');
  metadata.$lastUpdated = createdMs;
  for (const { field, leaf } of leaves) touchAncestors(metadata, field, leaf.ts);
  return { values, metadata: finish(metadata) };
}

/** Raises `$lastUpdated` of the root and of every existing node above `field` to `ts`. */
function touchAncestors(root: RawMeta, field: string, ts: number): void {
  let meta: RawMeta | undefined = root;
  let start = 0;
  while (meta) {
    if (ts > (meta.$lastUpdated as number)) meta.$lastUpdated = ts;
    const dot = field.indexOf('.', start);
    if (dot === -1) return;
    const child: RawMeta | number | string | undefined = meta[field.slice(start, dot)];
    meta = typeof child === 'object' && child.$source === undefined ? child : undefined;
    start = dot + 1;
  }
}

/** Turns the numeric `$lastUpdated` stamps into ISO 8601 strings, in place. */
function finish(meta: RawMeta): TwinMetadata {
  meta.$lastUpdated = cachedIsoTime(meta.$lastUpdated as number);
  for (const key in meta) {
    const child = meta[key];
    if (typeof child === 'object') finish(child);
  }
  return meta as unknown as TwinMetadata;
}
