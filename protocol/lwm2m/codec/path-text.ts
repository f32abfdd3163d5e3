import { LwM2mPath, ROOT_PATH } from '../path.ts';

/**
 * Paths parsed from names in payloads (SenML `bn`+`n`, LwM2M JSON), cached because a fleet repeats the same few
 * hundred names in every notification. `LwM2mPath` is immutable, so sharing is safe. Bounded: cleared when full.
 */
const CACHE = new Map<string, LwM2mPath>();
const CACHE_LIMIT = 8192;

/**
 * Parses `/O[/I[/R[/RI]]]` (or `/`) without regular expressions; `undefined` when `text` is not a valid LwM2M path
 * (OMA TS Core 1.1 §7.3 Identifiers: ids in 0..65535, at most 4 levels). With `leadingSlash: 'optional'`, `3/0/9` is accepted too.
 * No trailing slash, no empty segment.
 */
export function parsePathText(text: string, leadingSlash: 'required' | 'optional' = 'required'): LwM2mPath | undefined {
  const cached = CACHE.get(text);
  if (cached !== undefined) return cached;
  const path = parseUncached(text, leadingSlash);
  // Only names with the leading slash are cached: they parse the same in both modes.
  if (path !== undefined && text.charCodeAt(0) === 0x2f) {
    if (CACHE.size >= CACHE_LIMIT) CACHE.clear();
    CACHE.set(text, path);
  }
  return path;
}

function parseUncached(text: string, leadingSlash: 'required' | 'optional'): LwM2mPath | undefined {
  const len = text.length;
  if (text === '/') return ROOT_PATH;
  let i = 0;
  if (len > 0 && text.charCodeAt(0) === 0x2f) i = 1;
  else if (leadingSlash === 'required') return undefined;
  const ids: number[] = [];
  while (true) {
    let digits = 0;
    let id = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      id = id * 10 + (c - 0x30);
      digits++;
      i++;
    }
    if (digits === 0 || digits > 5 || id > 65535) return undefined;
    ids.push(id);
    if (ids.length > 4) return undefined;
    if (i === len) return new LwM2mPath(...ids);
    if (text.charCodeAt(i) !== 0x2f) return undefined;
    i++;
  }
}

/** `/3/0` + `/3/0/6/1` -> `6/1`: the ids of `path` below `base`, joined by `/` (empty when equal). */
export function relativeName(base: LwM2mPath, path: LwM2mPath): string {
  const ids = path.ids();
  return ids.slice(base.length).join('/');
}
