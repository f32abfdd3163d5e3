import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CompiledQuery } from './evaluate.ts';
import { QueryError } from './query-error.ts';

/**
 * Paging of query results (Azure IoT Hub query language doc and the REST "Query IoT Hub" operation: page size from `x-ms-max-item-count`, the next page asked for with the
 * `x-ms-continuation` token of the previous response).
 */

/** Page size when the client asks for none. @defaultValue 100 (the current IoT Hub default). */
export const DEFAULT_PAGE_SIZE = 100;
/** Largest page served; larger requests are capped to it (the 2016 IoT Hub query language doc). */
export const MAX_PAGE_SIZE = 1000;
/** Longest token accepted; anything longer is rejected before decoding. */
const MAX_TOKEN_LENGTH = 4096;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/;
/** Key used when no secret is configured: detects corrupted or edited tokens, but not deliberate forgery. */
const DEFAULT_SECRET = 'lwtwin/query-continuation/v1';

/**
 * Resolves a requested page size: absent or empty -> DEFAULT_PAGE_SIZE; a positive integer (number or decimal
 * string, as from an HTTP header) -> itself, capped to MAX_PAGE_SIZE. Anything else throws QUERY_BAD_PAGE_SIZE.
 */
export function resolvePageSize(requested?: unknown): number {
  if (requested === undefined || requested === null || requested === '') return DEFAULT_PAGE_SIZE;
  const n = typeof requested === 'string' && /^\s*\d+\s*$/.test(requested) ? Number(requested) : requested;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new QueryError('QUERY_BAD_PAGE_SIZE', `expected a whole number from 1 to ${MAX_PAGE_SIZE}, got ${describe(requested)}`);
  }
  return Math.min(n, MAX_PAGE_SIZE);
}

/** Where the next page starts. */
export interface ContinuationState {
  /** deviceId of the last twin returned (absent for aggregate queries, which page by row offset). */
  readonly after?: string;
  /** Rows returned so far over all pages: enforces TOP n, and is the row offset for aggregate queries. */
  readonly returned: number;
}

/**
 * Encodes and checks continuation tokens: `base64url(JSON {v, q, a, n}) "." mac`, where `q` is the query's hash (so a
 * token only continues the query that issued it), `a` the last deviceId, `n` the rows returned so far, and `mac` an
 * HMAC-SHA256 of the payload. Give every server process the same `secret` so tokens survive restarts and load
 * balancing and cannot be forged; without one, tampering and corruption are still detected. A token only skips
 * ahead in results the caller may query anyway, so it carries no authority.
 */
export class ContinuationCodec {
  private readonly secret: string | Buffer;

  constructor(secret?: string | Buffer) {
    this.secret = secret === undefined || secret.length === 0 ? DEFAULT_SECRET : secret;
  }

  encode(query: CompiledQuery, state: ContinuationState): string {
    const body: Record<string, unknown> = { v: 1, q: query.hash, n: state.returned };
    if (state.after !== undefined) body.a = state.after;
    const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** Returns the state in `token`; throws QUERY_BAD_CONTINUATION if it is malformed, altered or from another query. */
  decode(query: CompiledQuery, token: unknown): ContinuationState {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) {
      throw bad('the token is malformed');
    }
    const dot = token.indexOf('.');
    const payload = token.slice(0, dot);
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(token.slice(dot + 1));
    if (!timingSafeEqual(expected, given)) throw bad('the token has been altered');
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw bad('the token is malformed');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('the token is malformed');
    const { v, q, a, n } = body as Record<string, unknown>;
    if (v !== 1) throw bad('unknown token version');
    if (q !== query.hash) throw bad('the token was issued for another query');
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw bad('the token is malformed');
    if (a !== undefined && typeof a !== 'string') throw bad('the token is malformed');
    return a === undefined ? { returned: n } : { after: a, returned: n };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url').slice(0, 22);
  }
}

const defaultCodec = new ContinuationCodec();

/** Order of deviceIds in paged results: UTF-16 code-unit order (JavaScript `<`). Stores must sort twins by it. */
export function compareDeviceIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface QueryPage {
  readonly items: Record<string, unknown>[];
  /** Present when more rows may follow: send it back to get the next page. */
  readonly continuation?: string;
}

export interface QueryPageOptions {
  /** Requested page size (see resolvePageSize). */
  readonly pageSize?: unknown;
  /** The token from the previous page. */
  readonly continuation?: string;
  /** Codec holding the deployment's secret. @defaultValue a codec with the built-in key */
  readonly codec?: ContinuationCodec;
}

/**
 * One page of an aggregate query's rows, served by row offset: the rows after the `returned` ones already served,
 * and a continuation while more rows follow. Shared by every query runner.
 */
export function pageAggregateRows(query: CompiledQuery, rows: Record<string, unknown>[], returned: number, size: number, codec: ContinuationCodec): QueryPage {
  const items = rows.slice(returned, returned + size);
  const next = returned + items.length;
  return next < rows.length ? { items, continuation: codec.encode(query, { returned: next }) } : { items };
}

/**
 * Runs one page of `query` over in-memory twins.
 * - Non-aggregate queries: `twins` must be sorted by deviceId (compareDeviceIds); twins up to and including the
 *   token's deviceId are skipped, so a twin added or removed between pages neither repeats nor shifts the others.
 *   Twins without a string deviceId are ignored. TOP n bounds the total over all pages.
 * - Aggregate queries: all groups are computed and served by row offset.
 * A continuation is returned only when another matching row exists.
 */
export function runQueryPage(query: CompiledQuery, twins: Iterable<object>, options: QueryPageOptions = {}): QueryPage {
  const codec = options.codec ?? defaultCodec;
  const size = resolvePageSize(options.pageSize);
  const state: ContinuationState =
    options.continuation === undefined || options.continuation === '' ? { returned: 0 } : codec.decode(query, options.continuation);

  if (query.isAggregate) {
    return pageAggregateRows(query, query.aggregate(twins), state.returned, size, codec);
  }

  const remaining = query.top === undefined ? Infinity : query.top - state.returned;
  const pageLimit = Math.min(size, remaining);
  const items: Record<string, unknown>[] = [];
  let last: string | undefined;
  let more = false;
  if (pageLimit > 0) {
    for (const twin of twins) {
      const id = (twin as { deviceId?: unknown }).deviceId;
      if (typeof id !== 'string') continue;
      if (state.after !== undefined && compareDeviceIds(id, state.after) <= 0) continue;
      if (!query.matches(twin)) continue;
      if (items.length === pageLimit) {
        more = true;
        break;
      }
      items.push(query.project(twin));
      last = id;
    }
  }
  if (!more || last === undefined || items.length >= remaining) return { items };
  return { items, continuation: codec.encode(query, { after: last, returned: state.returned + items.length }) };
}

function bad(detail: string): QueryError {
  return new QueryError('QUERY_BAD_CONTINUATION', detail);
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : typeof v === 'number' ? String(v) : typeof v;
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}
