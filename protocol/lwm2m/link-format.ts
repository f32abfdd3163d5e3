import { ProtocolError } from '../errors.ts';
import { ATTRIBUTE_NUMBER_TEXT, NOTIFICATION_ATTRIBUTE_NAMES, type NotificationAttributeValues } from './attributes.ts';
import { parsePathText } from './codec/path-text.ts';
import type { LwM2mPath } from './path.ts';

/**
 * CoRE Link Format (RFC 6690 §2) and the LwM2M uses of it: the Register/Update payload (OMA TS Core §6.2.1,
 * OMA TS Core 1.1 §6.2 Client Registration) and Discover answers (OMA TS Core 1.1 §6.3). Errors are `ProtocolError('LINK_FORMAT')`.
 */

/**
 * One link: the URI-reference between `<>` and its attributes; a bare attribute (`Q`, `obs`) is `true`. Parsed
 * attribute records have no prototype, so a parameter named `__proto__` is plain data.
 */
export interface Link {
  uri: string;
  attributes: Record<string, string | true>;
}

/** Input bounds: a payload larger than this, or with more links, is refused before any work. */
export const MAX_LINK_FORMAT_BYTES = 65536;
export const MAX_LINKS = 10000;

function fail(message: string): never {
  throw new ProtocolError('LINK_FORMAT', message);
}

/** RFC 5987 `attr-char`, the characters of a `parmname`. */
function isAttrChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x21 || c === 0x23 || c === 0x24 || c === 0x26 || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x5e || c === 0x5f || c === 0x60 || c === 0x7c || c === 0x7e
  );
}

/** RFC 6690 §2 `ptokenchar`. */
function isPtokenChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
    c === 0x21 || (c >= 0x23 && c <= 0x2b) || c === 0x2d || c === 0x2e || c === 0x2f || c === 0x3a || (c >= 0x3c && c <= 0x40) ||
    c === 0x5b || c === 0x5d || c === 0x5e || c === 0x5f || c === 0x60 || (c >= 0x7b && c <= 0x7e)
  );
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Parses `link-value-list` (RFC 6690 §2): `<uri>;a=1;b="x y";c,<uri2>`. Quoted values are unquoted (backslash
 * escapes resolved), a parameter without a value is `true`, and when a parameter repeats in one link the first
 * wins. Whitespace around `,` and `;` is tolerated. Empty text is an empty list. Refuses input over 64 KiB or with
 * more than 10,000 links.
 */
export function parseLinkFormat(text: string): Link[] {
  if (typeof text !== 'string') fail('link-format payload must be text');
  if (text.length > MAX_LINK_FORMAT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_LINK_FORMAT_BYTES) {
    fail(`link-format payload exceeds ${MAX_LINK_FORMAT_BYTES} bytes`);
  }
  const links: Link[] = [];
  const len = text.length;
  let i = 0;
  const skipWs = (): void => {
    while (i < len && isWs(text.charCodeAt(i))) i++;
  };
  skipWs();
  if (i === len) return links;
  while (true) {
    if (links.length >= MAX_LINKS) fail(`link-format payload has more than ${MAX_LINKS} links`);
    if (text.charCodeAt(i) !== 0x3c) fail(`link-format: expected '<' at offset ${i}, found ${JSON.stringify(text.slice(i, i + 10))}`);
    const close = text.indexOf('>', i + 1);
    if (close < 0) fail(`link-format: link starting at offset ${i} has no closing '>'`);
    const uri = text.slice(i + 1, close);
    for (let k = 0; k < uri.length; k++) {
      const c = uri.charCodeAt(k);
      if (c <= 0x20 || c === 0x3c || c === 0x22 || c === 0x7f) fail(`link-format: invalid character in URI-reference ${JSON.stringify(uri)} at offset ${i + 1 + k}`);
    }
    i = close + 1;
    const attributes: Record<string, string | true> = Object.create(null);
    skipWs();
    while (i < len && text.charCodeAt(i) === 0x3b) {
      i++;
      skipWs();
      const nameStart = i;
      while (i < len && isAttrChar(text.charCodeAt(i))) i++;
      if (i === nameStart) fail(`link-format: expected a parameter name at offset ${i} in link <${uri}>`);
      const name = text.slice(nameStart, i);
      let value: string | true = true;
      if (text.charCodeAt(i) === 0x3d) {
        i++;
        if (text.charCodeAt(i) === 0x22) {
          i++;
          let v = '';
          while (true) {
            if (i >= len) fail(`link-format: unterminated quoted value of ${name} in link <${uri}>`);
            const c = text.charCodeAt(i);
            if (c === 0x22) break;
            if (c === 0x5c && i + 1 < len) {
              v += text[i + 1];
              i += 2;
              continue;
            }
            v += text[i++];
          }
          i++;
          value = v;
        } else {
          const vStart = i;
          while (i < len && isPtokenChar(text.charCodeAt(i))) i++;
          if (i === vStart) fail(`link-format: expected a value for ${name} at offset ${i} in link <${uri}>`);
          value = text.slice(vStart, i);
        }
      }
      if (!(name in attributes)) attributes[name] = value;
      skipWs();
    }
    links.push({ uri, attributes });
    if (i === len) return links;
    if (text.charCodeAt(i) !== 0x2c) fail(`link-format: expected ',' or ';' at offset ${i} after link <${uri}>, found ${JSON.stringify(text[i])}`);
    i++;
    skipWs();
  }
}

/** True when `value` can be written without quotes and reads back as a number-like token (`60`, `1.1`, `-5`). */
function bareValue(value: string): boolean {
  if (value === '') return false;
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (!((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b)) return false;
  }
  return true;
}

/**
 * Writes links as RFC 6690 text. Numeric-looking values stay bare (`ver=1.1`, `ct=60`); anything else is quoted
 * (`rt="oma.lwm2m"`, `ct="60 110"`), `true` writes the bare parameter name.
 */
export function serializeLinkFormat(links: readonly Link[]): string {
  return links
    .map((l) => {
      if (l.uri.includes('>')) fail(`link-format: URI-reference ${JSON.stringify(l.uri)} contains '>'`);
      let s = `<${l.uri}>`;
      for (const [name, value] of Object.entries(l.attributes)) {
        for (let k = 0; k < name.length; k++) if (!isAttrChar(name.charCodeAt(k))) fail(`link-format: invalid parameter name ${JSON.stringify(name)}`);
        if (value === true) s += `;${name}`;
        else if (bareValue(value)) s += `;${name}=${value}`;
        else s += `;${name}="${value.replace(/["\\]/g, (c) => '\\' + c)}"`;
      }
      return s;
    })
    .join(',');
}

// --- registration ---------------------------------------------------------------------------------------------

/** An object or object instance announced at registration. */
export interface RegisteredObject {
  objectId: number;
  instanceId?: number;
  /** The object version from `ver` (OMA TS Core 1.1 §6.2.1), e.g. `"2.0"`; absent means 1.0. */
  version?: string;
}

export interface RegistrationLinks {
  /** `/` or the alternate root path marked `rt="oma.lwm2m"` (e.g. `/lwm2m`), without a trailing slash. */
  rootPath: string;
  /** Content formats from the root link's `ct`: one value (1.0) or a quoted space-separated list (1.1). */
  contentFormats: number[];
  objects: RegisteredObject[];
}

function hasToken(value: string | true | undefined, token: string): boolean {
  return typeof value === 'string' && value.split(/\s+/).includes(token);
}

function normalizeRoot(uri: string): string {
  const trimmed = uri.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : '/' + trimmed;
}

/**
 * Reads the Register/Update payload (OMA TS Core 1.1 §6.2.1), e.g.
 * `</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>,</3/0>,</5>,</6>;ver=2.0`.
 * Links that are not object or object-instance paths under the root are ignored, as are object 0 (Security,
 * which must never be listed) and duplicates; invalid `ct` tokens are skipped. Text that is not link-format at
 * all throws `LINK_FORMAT`.
 */
export function parseRegistrationLinks(text: string): RegistrationLinks {
  const links = parseLinkFormat(text);
  let rootPath = '/';
  let rootLink: Link | undefined;
  for (const l of links) {
    if (hasToken(l.attributes.rt, 'oma.lwm2m')) {
      rootLink = l;
      rootPath = normalizeRoot(l.uri);
      break;
    }
  }
  rootLink ??= links.find((l) => l.uri === '/' || l.uri === '');

  const contentFormats: number[] = [];
  const ct = rootLink?.attributes.ct;
  if (typeof ct === 'string') {
    for (const token of ct.trim().split(/\s+/)) {
      if (/^\d{1,5}$/.test(token) && Number(token) <= 65535 && !contentFormats.includes(Number(token))) contentFormats.push(Number(token));
    }
  }

  const prefix = rootPath === '/' ? '' : rootPath;
  const objects: RegisteredObject[] = [];
  const seen = new Set<string>();
  for (const l of links) {
    if (l === rootLink) continue;
    if (prefix !== '' && !l.uri.startsWith(prefix + '/')) continue;
    const rest = l.uri.slice(prefix.length);
    const path = parsePathText(rest);
    if (path === undefined || path.length < 1 || path.length > 2 || path.objectId === 0) continue;
    const key = path.toString();
    if (seen.has(key)) continue;
    seen.add(key);
    const entry: RegisteredObject = { objectId: path.objectId as number };
    if (path.objectInstanceId !== undefined) entry.instanceId = path.objectInstanceId;
    const ver = l.attributes.ver;
    if (typeof ver === 'string' && /^\d+\.\d+$/.test(ver)) entry.version = ver;
    objects.push(entry);
  }
  return { rootPath, contentFormats, objects };
}

// --- discover -------------------------------------------------------------------------------------------------

/**
 * Attributes a Discover answer may carry (OMA TS Core 1.1 §6.3 Discover, §5.1.2): numbers, except `ver` which stays text
 * because a version is not a number (`1.10` is not `1.1`).
 */
export interface DiscoverAttributes extends NotificationAttributeValues {
  dim?: number;
  ver?: string;
}

export interface DiscoverLink {
  path: LwM2mPath;
  attributes: DiscoverAttributes;
  /** Any other parameter, as parsed. */
  other: Record<string, string | true>;
}

const NUMERIC_ATTRIBUTES = ['dim', ...NOTIFICATION_ATTRIBUTE_NAMES] as const;

/**
 * Parses a Discover answer, e.g. `</3>;ver=1.1,</3/0>,</3/0/7>;dim=2;pmin=10,</3/0/9>;gt=50.5`. Every link must
 * be an LwM2M path (under `rootPath` when the client uses an alternate root); `dim` must be a non-negative
 * integer and the notification attributes numbers, else `LINK_FORMAT` naming the link.
 */
export function parseDiscoverLinks(text: string, rootPath = '/'): DiscoverLink[] {
  const prefix = normalizeRoot(rootPath) === '/' ? '' : normalizeRoot(rootPath);
  return parseLinkFormat(text).map((l) => {
    let uri = l.uri;
    if (prefix !== '' && (uri === prefix || uri.startsWith(prefix + '/'))) uri = uri.slice(prefix.length) || '/';
    const path = parsePathText(uri);
    if (path === undefined) return fail(`link-format: Discover link <${l.uri}> is not an LwM2M path`);
    const attributes: DiscoverAttributes = {};
    const other: Record<string, string | true> = Object.create(null);
    for (const [name, value] of Object.entries(l.attributes)) {
      if ((NUMERIC_ATTRIBUTES as readonly string[]).includes(name)) {
        if (value === true || !ATTRIBUTE_NUMBER_TEXT.test(value)) fail(`link-format: attribute ${name} of <${l.uri}> must be a number, got ${value === true ? 'no value' : JSON.stringify(value)}`);
        const n = Number(value);
        if (name === 'dim' && (!Number.isInteger(n) || n < 0)) fail(`link-format: dim of <${l.uri}> must be a non-negative integer, got ${value}`);
        attributes[name as (typeof NUMERIC_ATTRIBUTES)[number]] = n;
      } else if (name === 'ver') {
        if (value === true) fail(`link-format: ver of <${l.uri}> has no value`);
        attributes.ver = value;
      } else {
        other[name] = value;
      }
    }
    return { path, attributes, other };
  });
}
