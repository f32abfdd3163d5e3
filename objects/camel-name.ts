/**
 * Stable camelCase names for objects and resources, derived from the DDF `<Name>` (docs/twin-model.md#property-names: twin properties are
 * named from the object model). The result only ever contains ASCII letters and digits, so it is always a valid twin
 * key (no `.`, `$`, space or control characters) and can never be confused with a numeric id.
 *
 *   "Device" -> "device", "LwM2M Server" -> "lwm2mServer", "Package URI" -> "packageUri",
 *   "SignalSNR" -> "signalSnr", "On/Off" -> "onOff", "SMS Binding Secret Key(s)" -> "smsBindingSecretKeys".
 */

/**
 * One word inside a token, tried in order:
 *   LwM2M spelt any way; an acronym with a version (`IPv4`); a plural acronym (`IDs`, `APNs`);
 *   an acronym not followed by a lower-case letter (`URI`, the `SNR` of `SignalSNR`, the `XML` of `XMLParser`);
 *   a capitalised or lower-case word; a run of digits.
 */
const WORD = /[Ll][Ww][Mm]2[Mm]|[A-Z]+v\d+|[A-Z]+s(?![a-z])|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

/**
 * The camelCase form of a DDF name, or `''` when the name has no usable letters or would be all digits (the caller
 * then falls back to an id-based name, see {@link fallbackName}).
 */
export function toCamelName(ddfName: string): string {
  const cleaned = ddfName
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // drop accents: "Humidité" -> "Humidite"
    .replace(/['’()]/g, ''); // "Key(s)" -> "Keys", "Client's" -> "Clients"
  const words: string[] = [];
  for (const token of cleaned.split(/[^A-Za-z0-9]+/)) {
    if (token !== '') words.push(...(token.match(WORD) ?? []));
  }
  const name = words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('');
  return /^\d*$/.test(name) ? '' : name;
}

/** The name used when a DDF name yields nothing usable: `object31024`, `resource5`. */
export function fallbackName(kind: 'object' | 'resource', id: number): string {
  return `${kind}${id}`;
}

/**
 * Assigns every item a unique name: items are taken in ascending id order; the first to claim a name keeps it and
 * each later one gets its id appended (`sensorValue`, `sensorValue5702`). Returns id -> name.
 */
export function uniqueNames(items: Iterable<{ id: number; name: string }>): Map<number, string> {
  const sorted = [...items].sort((a, b) => a.id - b.id);
  const taken = new Set<string>();
  const result = new Map<number, string>();
  for (const { id, name } of sorted) {
    let candidate = name;
    while (taken.has(candidate)) candidate = `${candidate}${id}`;
    taken.add(candidate);
    result.set(id, candidate);
  }
  return result;
}
