/**
 * The twin members a query path may start with (Azure IoT Hub device twins doc for the shape, docs/twin-model.md for the names). Root names are matched
 * case-insensitively and normalised to the spelling below; keys below the root are case-sensitive (Azure IoT Hub device twins doc).
 * `object` roots take members (`tags.location.plant`); `scalar` roots do not (`deviceId.x` is an error).
 */
export const TWIN_ROOT_FIELDS: Readonly<Record<string, 'object' | 'scalar'>> = Object.freeze({
  tags: 'object',
  properties: 'object',
  deviceId: 'scalar',
  etag: 'scalar',
  version: 'scalar',
  status: 'scalar',
  connectionState: 'scalar',
  lastActivityTime: 'scalar',
});

/** The sections under `properties` (Azure IoT Hub device twins doc). */
export const PROPERTY_SECTIONS: readonly string[] = Object.freeze(['desired', 'reported']);

const ROOT_BY_LOWER = new Map(Object.keys(TWIN_ROOT_FIELDS).map((k) => [k.toLowerCase(), k]));

/** The canonical spelling of a root field, or undefined when `name` is not one. */
export function canonicalRoot(name: string): string | undefined {
  return ROOT_BY_LOWER.get(name.toLowerCase());
}
