/**
 * Query execution over a twin store (Azure IoT Hub query language doc), shared by both stores: they differ only in the `QuerySource` that
 * lists ids, narrows candidates by index and loads twins. Evaluation is server/query's `CompiledQuery`; tokens are
 * its `ContinuationCodec` (bound to the query, tamper-evident) and page sizes its `resolvePageSize`, so errors about
 * either are `QueryError`s (400 at the HTTP edge), as for every other query problem.
 *
 * Plan:
 * - Candidates: with `tags.*` or `deviceId` equality hints, the index (intersection over hints, union over each hint's
 *   values); with numeric range hints and a store that has a range index (`rangeCandidates`), intersected with
 *   those too unless the equality hints already left few candidates; sorted by deviceId (server/query
 *   `compareDeviceIds`). Without either, every id, in pages from the sorted id index. Other hints (connectionState,
 *   desired and reported equality on non-numbers) have no index here and are left to `matches`.
 * - Non-aggregate queries: candidates after the token's deviceId are loaded in batches (the next `inFlight` batches
 *   are fetched while the current one is evaluated), filtered with `matches` and projected until the page is full, TOP is
 *   reached, or the scan budget is spent. The token records the last deviceId consumed, so pages stay stable while
 *   twins come and go. A full page always carries a token, so the last page may come back empty; a page cut short by
 *   the budget carries one too, so callers must follow tokens rather than stop at a short page.
 * - Aggregate queries: every candidate is loaded (memory grows with the matching twins), aggregated once, and the
 *   rows paged by offset.
 */
import type { CompiledQuery } from '../query/evaluate.ts';
import type { IndexHint, RangeHint } from '../query/index-hints.ts';
import { compareDeviceIds, ContinuationCodec, pageAggregateRows, resolvePageSize } from '../query/paging.ts';
import type { Twin } from './twin.ts';

/** The compiled query the store runs (server/query/evaluate.ts). */
export type TwinQuery = CompiledQuery;

export interface QueryPageRequest {
  /** Items per page (Azure IoT Hub query language doc `x-ms-max-item-count`), capped by server/query `MAX_PAGE_SIZE`. */
  pageSize: number;
  /** The token from the previous page (`x-ms-continuation`). */
  continuationToken?: string;
}

export interface QueryPage {
  items: Record<string, unknown>[];
  /** Present while more rows may follow. */
  continuationToken?: string;
}

/** What a store provides to run queries. */
export interface QuerySource {
  /** Up to `limit` device ids in ascending order, strictly after `after`. */
  idsAfter(after: string | undefined, limit: number): Promise<string[]>;
  /** Ids of twins whose tag leaf `path` (`tags.a.b`) equals one of `values` (JSON-encoded); any order. */
  tagCandidates(path: string, values: readonly string[]): Promise<string[]>;
  /**
   * Ids of twins whose leaf `hint.path` may be a number within the hint's bounds, any order, no duplicates; undefined
   * when the store cannot narrow by it (no range index, or one still being built). Optional.
   */
  rangeCandidates?(hint: RangeHint): Promise<string[] | undefined>;
  /** The twins of `ids`, in the same order (undefined where a twin vanished). */
  load(ids: readonly string[]): Promise<(Twin | undefined)[]>;
}

export interface QueryOptions {
  /** Most twins loaded per batch (one Redis script call: ~20 µs of Redis time per twin). @defaultValue 250 */
  batchSize?: number;
  /** Batches loading while one is evaluated (memory: up to `inFlight + 1` batches of twins). @defaultValue 4 */
  inFlight?: number;
  /** Twins one page call may load before it returns what it has, with a token. @defaultValue 100000 */
  scanBudget?: number;
  /**
   * Equality-index candidates up to this many are loaded as they are; above it, range hints narrow them further (a
   * range lookup reads every member in range, which costs more than loading a few twins). @defaultValue 1000
   */
  fewCandidates?: number;
  /** Token codec; give every process the same secret. @defaultValue a codec with server/query's built-in key */
  codec?: ContinuationCodec;
}

const defaultCodec = new ContinuationCodec();

/** Runs one page of `query` against `source`. */
export async function runQuery(source: QuerySource, query: TwinQuery, page: QueryPageRequest, options: QueryOptions = {}): Promise<QueryPage> {
  const batchSize = options.batchSize ?? 250;
  const scanBudget = options.scanBudget ?? 100_000;
  const inFlight = Math.max(1, options.inFlight ?? 4);
  const codec = options.codec ?? defaultCodec;
  const pageSize = resolvePageSize(page.pageSize);
  const state = page.continuationToken === undefined || page.continuationToken === '' ? { returned: 0 } : codec.decode(query, page.continuationToken);
  const candidates = await indexedCandidates(source, query.indexHints, query.rangeHints, options.fewCandidates ?? 1000);

  if (query.isAggregate) {
    const twins: Twin[] = [];
    for await (const batch of batches(source, candidates, undefined, inFlight, batchSize)) {
      for (const { twin } of batch) if (twin && query.matches(twin)) twins.push(twin);
    }
    const page = pageAggregateRows(query, query.aggregate(twins), state.returned, pageSize, codec);
    return page.continuation === undefined ? { items: page.items } : { items: page.items, continuationToken: page.continuation };
  }

  const remaining = query.top === undefined ? Infinity : query.top - state.returned;
  const limit = Math.min(pageSize, remaining);
  const items: Record<string, unknown>[] = [];
  if (limit <= 0) return { items };
  let scanned = 0;
  let last: string | undefined;
  for await (const batch of batches(source, candidates, state.after, inFlight, batchSize, limit + 1)) {
    for (const { id, twin } of batch) {
      last = id;
      if (!twin || !query.matches(twin)) continue;
      items.push(query.project(twin));
      if (items.length === limit) {
        const returned = state.returned + items.length;
        return returned >= (query.top ?? Infinity) ? { items } : { items, continuationToken: codec.encode(query, { after: id, returned }) };
      }
    }
    scanned += batch.length;
    if (scanned >= scanBudget && last !== undefined) {
      return { items, continuationToken: codec.encode(query, { after: last, returned: state.returned + items.length }) };
    }
  }
  return { items };
}

/** Sorted candidate ids from the index hints, or undefined when no hint can use an index (full scan). */
async function indexedCandidates(source: QuerySource, hints: readonly IndexHint[], ranges: readonly RangeHint[], few: number): Promise<string[] | undefined> {
  let result: Set<string> | undefined;
  const narrow = (ids: Iterable<string>): void => {
    const set = ids instanceof Set ? (ids as Set<string>) : new Set(ids);
    result = result === undefined ? set : new Set([...result].filter((id) => set.has(id)));
  };
  for (const hint of hints) {
    if (hint.path === 'deviceId') narrow(hint.values.filter((v): v is string => typeof v === 'string'));
    else if (hint.path.startsWith('tags.')) narrow(await source.tagCandidates(hint.path, hint.values.map((v) => JSON.stringify(v))));
    if (result?.size === 0) return [];
  }
  if (source.rangeCandidates && (result === undefined || result.size > few)) {
    for (const range of ranges) {
      const ids = await source.rangeCandidates(range);
      if (ids === undefined) break;
      narrow(ids);
      if (result!.size === 0) return [];
    }
  }
  return result === undefined ? undefined : [...(result as Set<string>)].sort(compareDeviceIds);
}

/** Candidates after `after` in batches, loading the next `inFlight` batches while one is being evaluated. */
async function* batches(
  source: QuerySource,
  candidates: string[] | undefined,
  after: string | undefined,
  inFlight: number,
  maxSize: number,
  firstSize = maxSize,
): AsyncGenerator<{ id: string; twin: Twin | undefined }[]> {
  let position = candidates === undefined || after === undefined ? 0 : upperBound(candidates, after);
  let cursor = after;
  // Batches start at about one page and double up to maxSize: a page that fills at once loads little extra.
  let size = Math.max(1, Math.min(firstSize, maxSize));
  const nextIds = async (): Promise<string[]> => {
    const take = size;
    size = Math.min(maxSize, size * 2);
    if (candidates) {
      const ids = candidates.slice(position, position + take);
      position += ids.length;
      return ids;
    }
    const ids = await source.idsAfter(cursor, take);
    if (ids.length > 0) cursor = ids[ids.length - 1];
    return ids;
  };
  // ids are taken one batch after the other (a scan's cursor moves with each), their twins load concurrently
  let idsTaken: Promise<unknown> = Promise.resolve();
  const fetch = (): Promise<{ id: string; twin: Twin | undefined }[]> => {
    const ids = idsTaken.then(nextIds);
    idsTaken = ids.catch(() => undefined);
    const loaded = ids.then(async (list) => (list.length === 0 ? [] : zip(list, await source.load(list))));
    // A consumer that stops early leaves prefetches in flight; keep their failures from going unhandled.
    loaded.catch(() => undefined);
    return loaded;
  };
  // The first batch alone (a page often fills from it); from the second on, `inFlight` batches load during evaluation.
  const queue: Promise<{ id: string; twin: Twin | undefined }[]>[] = [];
  for (let n = 0; ; n++) {
    const batch = await (queue.shift() ?? fetch());
    if (batch.length === 0) return;
    if (n > 0 || firstSize >= maxSize) while (queue.length < inFlight) queue.push(fetch());
    yield batch;
  }
}

function zip(ids: string[], twins: (Twin | undefined)[]): { id: string; twin: Twin | undefined }[] {
  return ids.map((id, i) => ({ id, twin: twins[i] }));
}

/** Index of the first element greater than `after` in sorted `ids`. */
function upperBound(ids: string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareDeviceIds(ids[mid], after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
