/** Object definitions from `GET /api/objects`, fetched once per page load, and twin property names of paths. */
import type { LwTwinApi, Schemas } from '../../api/lwtwin-api.ts';

export type ObjectDefinition = Schemas['ObjectDefinition'];
let cache: Promise<Map<number, ObjectDefinition>> | undefined;

export function objectDefinitions(api: LwTwinApi): Promise<Map<number, ObjectDefinition>> {
  cache ??= api.call('get', '/api/objects').then((list) => new Map(list.items.map((o) => [o.id, o])));
  cache.catch(() => (cache = undefined));
  return cache;
}

/**
 * The twin property segments of `/o/i/r`, as the server names them: a known single-instance object drops the
 * instance (`device.batteryLevel`), a multi-instance one keeps it (`temperature.0.sensorValue`), unknown ids stay numeric.
 */
export function propertySegments(objectId: number, def: ObjectDefinition | undefined, instanceId: number, resourceId: number): string[] {
  if (!def || (!def.multiple && instanceId !== 0)) return [String(objectId), String(instanceId), String(resourceId)];
  const res = def.resources.find((r) => r.id === resourceId);
  const tail = res ? res.name : String(resourceId);
  return def.multiple ? [def.name, String(instanceId), tail] : [def.name, tail];
}

/** The value and metadata at `segments` of a reported section. */
export function reportedAt(reported: Record<string, any> | undefined, segments: string[]): { value: unknown; lastUpdated?: string; source?: string } | undefined {
  let node: any = reported;
  let meta: any = reported?.$metadata;
  for (const s of segments) {
    if (node === null || typeof node !== 'object' || !(s in node)) return undefined;
    node = node[s];
    meta = meta?.[s];
  }
  return { value: node, lastUpdated: meta?.$lastUpdated, source: meta?.$source };
}
