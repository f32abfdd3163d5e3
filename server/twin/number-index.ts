/**
 * The numeric range index of the Redis twin store: for every numeric leaf under tags, desired and reported, one sorted
 * set per index shard and leaf path (`RedisKeys.twinNumberIndex`), scored by the number, so that a range condition
 * (`properties.reported.device.batteryLevel < 10`) reads its candidates with ZRANGEBYSCORE instead of loading every
 * twin.
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
 * Twins written before the index existed are added by `backfillNumberIndex` once, at start-up; until it has finished
 * (`twinNumberIndexState()` = `ready`), queries do not use the index and scan. Upgrades stop the old processes
 * first: a process of an older version does not maintain the index.
 */
import type { Logger } from '../logger.ts';
import type { RangeHint } from '../query/index-hints.ts';
import { ALL_SHARDS, indexShard, type RedisKeys } from '../store/keys.ts';
import type { RedisClient } from '../store/redis-client.ts';
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
const READY = 'ready';
/** How long a process trusts the `ready` mark it read (a process started with the index off removes it). */
const READY_RECHECK_MS = 5000;
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

/** Adds and removes index members, and reads candidates. */
export class NumberIndex {
  /** When the index was last seen ready (ms): the mark is read again after READY_RECHECK_MS. */
  private readyAt = -Infinity;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

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
   * undefined while the index does not yet cover every twin (the caller scans).
   */
  async candidates(hint: RangeHint): Promise<string[] | undefined> {
    if (Date.now() - this.readyAt > READY_RECHECK_MS) {
      if ((await this.redis.get(this.keys.twinNumberIndexState())) !== READY) return undefined;
      this.readyAt = Date.now();
    }
    const min = hint.min === undefined ? '-inf' : `${hint.minInclusive ? '' : '('}${hint.min}`;
    const max = hint.max === undefined ? '+inf' : `${hint.maxInclusive ? '' : '('}${hint.max}`;
    const perShard = await Promise.all(ALL_SHARDS.map((shard) => this.redis.zrangebyscore(this.keys.twinNumberIndex(shard, hint.path), min, max)));
    const ids = new Set<string>();
    for (const members of perShard) for (const m of members) ids.add(m.slice(0, m.indexOf('\0')));
    return [...ids];
  }

  private group(entries: readonly NumberEntry[]): Map<string, NumberEntry[]> {
    const byKey = new Map<string, NumberEntry[]>();
    for (const e of entries) {
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
  /** Twins read per step. @defaultValue 500 */
  batch?: number;
  /** Stops the backfill between steps (the server's shutdown); it resumes from the start at the next start-up. */
  signal?: AbortSignal;
}

/**
 * Adds every existing twin's numeric leaves to the index, once per deployment, then marks the index `ready`. A no-op
 * when it is ready already; on an empty deployment it only sets the mark. Processes starting together take turns
 * through a lease (renewed while the backfill runs); one that finds the work done returns. Writers running meanwhile
 * maintain the index themselves, and anything the backfill adds that a writer has replaced in the meantime is only
 * an extra candidate. Returns the number of twins read.
 */
export async function backfillNumberIndex(redis: RedisClient, keys: RedisKeys, options: BackfillOptions = {}): Promise<number> {
  const state = keys.twinNumberIndexState();
  const lease = keys.lease('number-index-backfill');
  const token = `${process.pid}-${Date.now()}-${Math.random()}`;
  const batch = options.batch ?? 500;
  const leaseMs = 60_000;
  while ((await redis.get(state)) !== READY) {
    if (options.signal?.aborted) return 0;
    if ((await redis.set(lease, token, 'PX', leaseMs, 'NX')) === null) {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      const index = new NumberIndex(redis, keys);
      const total = (await Promise.all(ALL_SHARDS.map((s) => redis.zcard(keys.twinSortedIndex(s))))).reduce((a, b) => a + b, 0);
      if (total > 0) options.logger?.info({ twins: total }, 'building the numeric range index of existing twins (once)');
      let done = 0;
      let lastLog = Date.now();
      for (const shard of ALL_SHARDS) {
        let after = '-';
        for (;;) {
          if (options.signal?.aborted) return done;
          const ids = await redis.zrangebylex(keys.twinSortedIndex(shard), after, '+', 'LIMIT', 0, batch);
          if (ids.length === 0) break;
          after = `(${ids[ids.length - 1]}`;
          const rows = await Promise.all(
            ids.map((ep) => Promise.all([redis.hmget(keys.twin(ep), HeaderField.tags, HeaderField.desired), redis.hgetall(keys.twinReported(ep))])),
          );
          await index.add(rows.flatMap(([[tags, desired], reported], i) => twinNumbers(ids[i], tags, desired, Object.entries(reported))));
          done += ids.length;
          await redis.pexpire(lease, leaseMs);
          if (Date.now() - lastLog >= 5000) {
            options.logger?.info({ done, twins: total }, 'numeric range index: backfill progress');
            lastLog = Date.now();
          }
        }
      }
      await redis.set(state, READY);
      if (total > 0) options.logger?.info({ twins: done }, 'numeric range index ready');
      return done;
    } finally {
      if ((await redis.get(lease)) === token) await redis.del(lease);
    }
  }
  return 0;
}
