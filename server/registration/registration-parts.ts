/** One object or object instance announced in the Register/Update payload (OMA TS Core §6.2.1, `</3/0>;ver=1.1`). */
export interface ObjectLink {
  readonly objectId: number;
  readonly instanceId?: number;
  /** Object version from `ver=`, absent for 1.0 objects. */
  readonly version?: string;
}

/**
 * One copy of the parts registrations repeat across a fleet: devices of one type announce the same object links and
 * content formats, and every registration names the same few bindings, versions, root paths and server ids. The
 * registration records this process keeps (cache, store reads) point at the shared, frozen copy instead of holding
 * their own. Each table is bounded: past its bound a value is still returned, just not shared.
 */
class Interner<V> {
  private readonly values = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get(key: string, make: () => V): V {
    const known = this.values.get(key);
    if (known !== undefined) return known;
    const value = make();
    if (this.values.size < this.maxEntries) this.values.set(key, value);
    return value;
  }
}

/** Distinct object-link sets shared (device types times firmware versions, in practice a few dozen). */
const MAX_LINK_SETS = 4096;
/** Distinct strings shared per kind (bindings, versions, root paths, server ids, content-format lists). */
const MAX_STRINGS = 1024;

const linkSets = new Interner<readonly ObjectLink[]>(MAX_LINK_SETS);
const formatLists = new Interner<readonly number[]>(MAX_STRINGS);
const strings = new Interner<string>(MAX_STRINGS);

/** The object links as stored: `3/0@1.1,4/0,5` (versions URI-encoded). The key of a link set, too. */
export function encodeObjectLinks(links: readonly ObjectLink[]): string {
  let out = '';
  for (const link of links) {
    if (out) out += ',';
    out += link.objectId;
    if (link.instanceId !== undefined) out += `/${link.instanceId}`;
    if (link.version !== undefined) out += `@${encodeURIComponent(link.version)}`;
  }
  return out;
}

/** The shared, frozen link set `encodeObjectLinks` wrote as `text`. */
export function decodeObjectLinks(text: string): readonly ObjectLink[] {
  return linkSets.get(text, () => Object.freeze(text === '' ? [] : text.split(',').map(decodeLink)));
}

/** The shared, frozen copy of `links`. */
export function sharedObjectLinks(links: readonly ObjectLink[]): readonly ObjectLink[] {
  const key = encodeObjectLinks(links);
  return linkSets.get(key, () => Object.freeze(links.map((l) => objectLink(l.objectId, l.instanceId, l.version))));
}

/** The shared, frozen copy of a content-format list. */
export function sharedContentFormats(formats: readonly number[]): readonly number[] {
  return formatLists.get(formats.join(' '), () => Object.freeze([...formats]));
}

/** The shared copy of a string registrations repeat (binding, version, root path, server id, security). */
export function sharedString<S extends string>(value: S): S {
  return strings.get(value, () => value) as S;
}

function decodeLink(entry: string): ObjectLink {
  const at = entry.indexOf('@');
  const ids = at < 0 ? entry : entry.slice(0, at);
  const slash = ids.indexOf('/');
  return objectLink(Number(slash < 0 ? ids : ids.slice(0, slash)), slash < 0 ? undefined : Number(ids.slice(slash + 1)), at < 0 ? undefined : decodeURIComponent(entry.slice(at + 1)));
}

/** A frozen link with only the fields it has, each made in one literal (no property added after creation). */
function objectLink(objectId: number, instanceId: number | undefined, version: string | undefined): ObjectLink {
  if (instanceId === undefined) return Object.freeze(version === undefined ? { objectId } : { objectId, version });
  return Object.freeze(version === undefined ? { objectId, instanceId } : { objectId, instanceId, version });
}
