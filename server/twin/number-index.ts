/**
 * The numeric range index of the Redis twin store: for every numeric leaf of tags, desired and reported under the
 * chosen path prefixes (see below), one sorted set per index shard and leaf path (`RedisKeys.twinNumberIndex`),
 * scored by the number, so that a range condition (`properties.reported.device.batteryLevel < 10`) reads its
 * candidates with ZRANGEBYSCORE instead of loading every twin.
 *
 * Members carry the identity of the value, not only the device: `<ep>\0<value JSON>` for tags and desired, and
 * `<ep>\0<value JSON>\0<timestamp ms>` for reported leaves. A device therefore has one member per value it held, and
 * the index is kept like the tag index (redis-twin-store.ts): a writer adds the member of the new value before its
 * script commits and removes the members of the values its script replaced after it (the scripts report exactly
 * which ones), so the index may hold extra members for a moment (or, after a crash, for good) but never lacks the
 * member of a twin's current value. The timestamp makes two writes of the same number distinguishable, so a late
 * removal of an old value never takes the member of a newer write of the same number with it. Readers re-check every
 * candidate against the twin they load (server/query/index-hints.ts).
 *
 * The index covers only the leaves under the operator's path prefixes (`--twin-range-index`, range-index-paths.ts):
 * `add` and `remove` drop every other entry, and `candidates` answers only for a covered path.
 *
 * The ready mark (`twinNumberIndexState()`) records which prefixes the index is complete for: the canonical list,
 * comma-separated (`properties.desired,tags`; `ready`, written by earlier versions, means every leaf). At start-up,
 * `backfillNumberIndex` first narrows the mark to the prefixes this process maintains (so nobody trusts a path no
 * process keeps any longer), then adds the existing twins' leaves under the prefixes the mark lacks and widens the
 * mark to them; until then queries on those paths scan. Members of paths no longer covered are left in place: they
 * are never read while the path is not covered, and if it is covered again, the backfill adds every current value
 * and the old members are only extra candidates. Upgrades stop the old processes first: a process of an older
 * version does not maintain the index.
 */
import type { Logger } from '../logger.ts';
import type { RangeHint } from '../query/index-hints.ts';
import { ALL_SHARDS, indexShard, type RedisKeys } from '../store/keys.ts';
import type { RedisClient } from '../store/redis-client.ts';
import { ALL_RANGE_INDEX_PATHS, canonicalPaths, coveredBy, DEFAULT_RANGE_INDEX_PATHS, covers, intersectPaths, missingPaths } from './range-index-paths.ts';
import { HeaderField } from './twin-record.ts';
import type { TwinObject, TwinValue } from './twin.ts';

/** One member of the index. */
export interface NumberEntry {
  readonly ep: string;
  /** Dotted twin path: `tags.a`, `properties.desired.a`, `properties.reported.a.b`. */
  readonly path: string;
  /** The number as JSON (also its score: Redis parses the same decimal text). */
  readonly value: string;
  /** Reported leaves: the leaf's timestamp (ms), part of the identity. */
  readonly ts?: string;
}

export const REPORTED_PREFIX = 'properties.reported.';
/** The mark of earlier versions: every leaf indexed. */
const READY_ALL = 'ready';
/** How long a process trusts the ready mark it read (a process started with fewer paths narrows it). */
const READY_RECHECK_MS = 5000;

/** The prefixes the ready mark `raw` says the index is complete for (absent: none). */
export function markedPaths(raw: string | null): string[] {
  if (raw === null || raw === '') return [];
  if (raw === READY_ALL) return [...ALL_RANGE_INDEX_PATHS];
  return raw.split(',');
}

function markOf(paths: readonly string[]): string {
  return paths.join(',');
}
/** Most members per ZADD / ZREM. */
const CHUNK = 1000;

/** True when `json` (a stored JSON value) is a number. */
export function isNumberJson(json: string): boolean {
  const c = json.charCodeAt(0);
  return c === 45 || (c >= 48 && c <= 57);
}

export function memberOf(e: NumberEntry): string {
  return e.ts === undefined ? `${e.ep}\0${e.value}` : `${e.ep}\0${e.value}\0${e.ts}`;
}

/** Numeric leaves of a tags object (`root` `tags`) or a desired section (`properties.desired`; `$` keys skipped). */
export function sectionNumbers(ep: string, root: string, obj: TwinObject | undefined): NumberEntry[] {
  const out: NumberEntry[] = [];
  const walk = (o: Record<string, TwinValue | unknown>, path: string): void => {
    for (const [key, value] of Object.entries(o)) {
      if (key.startsWith('$')) continue;
      if (typeof value === 'number') out.push({ ep, path: `${path}.${key}`, value: JSON.stringify(value) });
      else if (typeof value === 'object' && value !== null) walk(value as Record<string, unknown>, `${path}.${key}`);
    }
  };
  if (obj) walk(obj, root);
  return out;
}

/** Entries of `after` that `before` lacks (same ep): what a write adds, or with the arguments swapped, removes. */
export function missingFrom(before: readonly NumberEntry[], after: readonly NumberEntry[]): NumberEntry[] {
  const had = new Set(before.map((e) => `${e.path}\0${memberOf(e)}`));
  return after.filter((e) => !had.has(`${e.path}\0${memberOf(e)}`));
}

/** Stored reported leaf `[valueJson,ts,"source"]` (reported-fields.ts `encodeLeaf`): its value and timestamp. */
const STORED_LEAF = /^\[(.*),(\d+),"[a-zA-Z]+"\]$/s;

/** Numeric leaves of a reported hash (field → stored leaf). */
export function reportedNumbers(ep: string, fields: Iterable<[string, string]>): NumberEntry[] {
  const out: NumberEntry[] = [];
  for (const [field, raw] of fields) {
    const m = STORED_LEAF.exec(raw);
    if (m && isNumberJson(m[1])) out.push({ ep, path: REPORTED_PREFIX + field, value: m[1], ts: m[2] });
  }
  return out;
}

/** Every numeric leaf of a twin from its stored header (tags and desired JSON) and reported hash. */
export function twinNumbers(ep: string, tagsJson: string | null | undefined, desiredJson: string | null | undefined, reported: Iterable<[string, string]>): NumberEntry[] {
  return [
    ...sectionNumbers(ep, 'tags', tagsJson ? (JSON.parse(tagsJson) as TwinObject) : undefined),
    ...sectionNumbers(ep, 'properties.desired', desiredJson ? (JSON.parse(desiredJson) as TwinObject) : undefined),
    ...reportedNumbers(ep, reported),
  ];
}

/** Adds and removes index members of the covered paths, and reads candidates. */
export class NumberIndex {
  /** What the ready mark covered when last read, and when (ms): it is read again after READY_RECHECK_MS. */
  private ready: readonly string[] = [];
  private readyAt = -Infinity;
  /** Whether any reported leaf is covered (the notify path skips its numbers otherwise). */
  readonly coversReported: boolean;

  /** @param paths the canonical prefixes this process indexes (range-index-paths.ts), not empty */
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    readonly paths: readonly string[],
  ) {
    this.coversReported = paths.some((p) => coveredBy('properties.reported', p));
  }

  /** True when this process indexes the leaf `path`. */
  covers(path: string): boolean {
    return covers(this.paths, path);
  }

  async add(entries: readonly NumberEntry[]): Promise<void> {
    await Promise.all(
      [...this.group(entries)].flatMap(([key, list]) =>
        chunks(list).map((part) => this.redis.zadd(key, ...part.flatMap((e) => [e.value, memberOf(e)]))),
      ),
    );
  }

  async remove(entries: readonly NumberEntry[]): Promise<void> {
    await Promise.all([...this.group(entries)].flatMap(([key, list]) => chunks(list).map((part) => this.redis.zrem(key, ...part.map(memberOf)))));
  }

  /**
   * Ids of the twins whose leaf `hint.path` may be a number within the hint's bounds (any order, no duplicates), or
   * undefined when this process does not index the path or the index does not yet cover every twin's leaf there
   * (the caller scans).
   */
  async candidates(hint: RangeHint): Promise<string[] | undefined> {
    if (!covers(this.paths, hint.path)) return undefined;
    // a mark that covers the path is trusted for READY_RECHECK_MS; one that does not is read again each time
    if (Date.now() - this.readyAt > READY_RECHECK_MS || !covers(this.ready, hint.path)) {
      this.ready = markedPaths(await this.redis.get(this.keys.twinNumberIndexState()));
      this.readyAt = Date.now();
      if (!covers(this.ready, hint.path)) return undefined;
    }
    const min = hint.min === undefined ? '-inf' : `${hint.minInclusive ? '' : '('}${hint.min}`;
    const max = hint.max === undefined ? '+inf' : `${hint.maxInclusive ? '' : '('}${hint.max}`;
    const perShard = await Promise.all(ALL_SHARDS.map((shard) => this.redis.zrangebyscore(this.keys.twinNumberIndex(shard, hint.path), min, max)));
    const ids = new Set<string>();
    for (const members of perShard) for (const m of members) ids.add(m.slice(0, m.indexOf('\0')));
    return [...ids];
  }

  /** The covered entries by sorted-set key. */
  private group(entries: readonly NumberEntry[]): Map<string, NumberEntry[]> {
    const byKey = new Map<string, NumberEntry[]>();
    for (const e of entries) {
      if (!covers(this.paths, e.path)) continue;
      const key = this.keys.twinNumberIndex(indexShard(e.ep), e.path);
      const list = byKey.get(key);
      if (list) list.push(e);
      else byKey.set(key, [e]);
    }
    return byKey;
  }
}

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

export interface BackfillOptions {
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** The canonical prefixes this process indexes (range-index-paths.ts; empty: off). @defaultValue tags and desired (`DEFAULT_RANGE_INDEX_PATHS`) */
  paths?: readonly string[];
  /** Twins read per step. @defaultValue 500 */
  batch?: number;
  /** Stops the backfill between steps (the server's shutdown); it resumes from the start at the next start-up. */
  signal?: AbortSignal;
}

/**
 * Brings the ready mark to `options.paths`: narrows it to the prefixes both cover, then adds every existing twin's
 * numeric leaves under the prefixes it lacks and marks them. A no-op when the mark already says `paths`; on an empty
 * deployment it only sets the mark; off (no paths), it only removes the mark. Processes starting together take turns
 * through a lease (renewed while the backfill runs); one that finds the work done returns. Writers running meanwhile
 * maintain the index themselves, and anything the backfill adds that a writer has replaced in the meantime is only
 * an extra candidate. Returns the number of twins read.
 */
export async function backfillNumberIndex(redis: RedisClient, keys: RedisKeys, options: BackfillOptions = {}): Promise<number> {
  const state = keys.twinNumberIndexState();
  const lease = keys.lease('number-index-backfill');
  const token = `${process.pid}-${Date.now()}-${Math.random()}`;
  const paths = canonicalPaths(options.paths ?? DEFAULT_RANGE_INDEX_PATHS);
  const wanted = markOf(paths);
  const batch = options.batch ?? 500;
  const leaseMs = 60_000;
  while (markOf(markedPaths(await redis.get(state))) !== wanted) {
    if (options.signal?.aborted) return 0;
    if ((await redis.set(lease, token, 'PX', leaseMs, 'NX')) === null) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      // first stop trusting what this process does not keep, then build what it keeps and the mark lacks
      const kept = intersectPaths(markedPaths(await redis.get(state)), paths);
      await (kept.length > 0 ? redis.set(state, markOf(kept)) : redis.del(state));
      const missing = missingPaths(paths, kept);
      if (missing.length === 0) return 0;
      const done = await addExisting(redis, keys, new NumberIndex(redis, keys, missing), { ...options, batch, lease, leaseMs });
      if (done === undefined) return 0;
      await redis.set(state, wanted);
      if (done > 0) options.logger?.info({ twins: done, paths: missing }, 'numeric range index ready');
      return done;
    } finally {
      if ((await redis.get(lease)) === token) await redis.del(lease);
    }
  }
  return 0;
}

/** Adds the covered numeric leaves of every twin to `index`; undefined when aborted. */
async function addExisting(
  redis: RedisClient,
  keys: RedisKeys,
  index: NumberIndex,
  options: BackfillOptions & { batch: number; lease: string; leaseMs: number },
): Promise<number | undefined> {
  const total = (await Promise.all(ALL_SHARDS.map((s) => redis.zcard(keys.twinSortedIndex(s))))).reduce((a, b) => a + b, 0);
  if (total > 0) options.logger?.info({ twins: total, paths: index.paths }, 'building the numeric range index of existing twins');
  let done = 0;
  let lastLog = Date.now();
  for (const shard of ALL_SHARDS) {
    let after = '-';
    for (;;) {
      if (options.signal?.aborted) return undefined;
      const ids = await redis.zrangebylex(keys.twinSortedIndex(shard), after, '+', 'LIMIT', 0, options.batch);
      if (ids.length === 0) break;
      after = `(${ids[ids.length - 1]}`;
      const rows = await Promise.all(
        ids.map((ep) =>
          Promise.all([redis.hmget(keys.twin(ep), HeaderField.tags, HeaderField.desired), index.coversReported ? redis.hgetall(keys.twinReported(ep)) : Promise.resolve<Record<string, string>>({})]),
        ),
      );
      await index.add(rows.flatMap(([[tags, desired], reported], i) => twinNumbers(ids[i], tags, desired, Object.entries(reported))));
      done += ids.length;
      await redis.pexpire(options.lease, options.leaseMs);
      if (Date.now() - lastLog >= 5000) {
        options.logger?.info({ done, twins: total, paths: index.paths }, 'numeric range index: backfill progress');
        lastLog = Date.now();
      }
    }
  }
  return done;
}
