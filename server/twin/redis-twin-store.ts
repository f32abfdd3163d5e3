/**
 * The twin store on Redis (ioredis v6), a single Redis or a Redis Cluster with the same code. Layout
 * (server/store/keys.ts):
 * - `twin(ep)`: hash, the header (twin-record.ts `HeaderField`: version, tags JSON, desired JSON, ...) and the
 *   desired-sync records (`sync:<property>`);
 * - `twinReported(ep)`: hash, one field per reported leaf, `[value, timestampMs, source]` (reported-fields.ts);
 * - `twinSortedIndex(shard)`: the device ids of one index shard in lexicographic order; queries merge the shards;
 * - `twinValueIndex(shard, 'tags.<path>', JSON(value))`: the shard's devices per tag leaf value;
 * - `twinNumberIndex(shard, path)`: the numeric range index of one leaf path under tags / desired / reported
 *   (number-index.ts; only paths under the `rangeIndex` prefixes), kept the same way as the tag index;
 * - `twinChanges()`: pub/sub channel of `TwinChange` messages, published by the scripts in the same atomic step as
 *   the write (PUBLISH reaches every node of a cluster).
 * Every write of a device is one Lua script on its two `{ep}` keys (server/twin/lua, header comments list KEYS and
 * ARGV), so it is atomic on one cluster slot. Back-end patches are computed here and committed with a
 * compare-and-set on the header's back-end counter, retried when a concurrent patch won. The index shards are hints
 * kept around the scripts: entries are added before a twin or tag appears and removed after it is gone, and a query
 * re-checks every candidate against the twin it loads, so the index may hold extra entries (after a crash) but never
 * misses one. `get` is one MULTI; query scans load each twin with one script call, pipelined.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ServerError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { ALL_SHARDS, indexShard, type RedisKeys } from '../store/keys.ts';
import type { RedisClient } from '../store/redis-client.ts';
import { applyTwinPatch, tagLeaves, validateTwinPatch, type TagLeaf, type TwinPatch } from './twin-patch.ts';
import { MAX_REPORTED_BYTES } from './twin-limits.ts';
import { prepareReportedUpdates, type ReportedUpdate } from './reported-fields.ts';
import { assembleTwin, HeaderField, newTwinHeader, SYNC_FIELD_PREFIX } from './twin-record.ts';
import { desiredProperty, reportedLeaf, reportedNode, tagsProperty } from './twin-property.ts';
import { runQuery, type QueryOptions, type QueryPage, type QueryPageRequest, type QuerySource, type TwinQuery } from './twin-query.ts';
import { RedisChangeFeed } from './redis-change-feed.ts';
import type { RangeHint } from '../query/index-hints.ts';
import { isNumberJson, missingFrom, NumberIndex, REPORTED_PREFIX, sectionNumbers, twinNumbers, type NumberEntry } from './number-index.ts';
import { canonicalPaths, DEFAULT_RANGE_INDEX_PATHS } from './range-index-paths.ts';
import { checkEndpoint, checkSyncStatus, deletedLeaves, initialTags, notFound, preconditionFailed } from './twin-store-checks.ts';
import type {
  ApplyResult,
  DesiredSyncStatus,
  DeviceApplyResult,
  PatchOptions,
  PatchResult,
  PropertyValue,
  TwinChange,
  TwinChangeSection,
  TwinSectionName,
  TwinStore,
} from './twin-store.ts';
import { etagMatches, formatEtag, isoTime, type ConnectionState, type ObservationSyncRecord, type Twin, type TwinObject, type TwinSection, type TwinStatus } from './twin.ts';

export interface RedisTwinStoreOptions {
  /** The caller's connection to a single Redis or a cluster (not closed by the store). The change-feed subscriber is a duplicate of it. */
  redis: RedisClient;
  keys: RedisKeys;
  /** Clock, ms since the epoch. @defaultValue Date.now */
  now?: () => number;
  /** Query batching and scan budget (twin-query.ts). */
  query?: QueryOptions;
  /** Attempts of a patch or delete that keeps losing to concurrent patches. @defaultValue 16 */
  maxAttempts?: number;
  /** Where change-feed connection problems are reported. @defaultValue none (dropped) */
  logger?: Logger;
  /**
   * Canonical twin path prefixes whose numeric leaves the range index keeps (number-index.ts, range-index-paths.ts);
   * empty: off. Range queries on other paths scan. Give every store on one deployment the same list (the server's
   * `--twin-range-index`). @defaultValue tags and desired (`DEFAULT_RANGE_INDEX_PATHS`, the server's default)
   */
  rangeIndex?: readonly string[];
}

type ScriptName = 'applyReported' | 'patch' | 'ensure' | 'delete' | 'setHeader' | 'recordSync' | 'loadTwin';
const SCRIPT_FILES: Record<ScriptName, string> = {
  applyReported: 'apply-reported-2.lua',
  patch: 'patch-1.lua',
  ensure: 'ensure-1.lua',
  delete: 'delete-2.lua',
  setHeader: 'set-header-1.lua',
  recordSync: 'record-sync-1.lua',
  loadTwin: 'load-twin-2.lua',
};
const SCRIPTS: Record<ScriptName, string> = Object.fromEntries(
  Object.entries(SCRIPT_FILES).map(([name, file]) => [name, readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8')]),
) as Record<ScriptName, string>;

/** Commands are registered under this prefix on the caller's client (ioredis `defineCommand`). */
const COMMAND_PREFIX = 'lwtwin_twin_';

export class RedisTwinStore implements TwinStore {
  readonly instanceId = randomUUID();
  private readonly now: () => number;
  private readonly maxAttempts: number;
  private readonly queryOptions: QueryOptions;
  private readonly feed: RedisChangeFeed;
  private readonly backEndWrites = new Map<string, Promise<void>>();

  private readonly redis: RedisClient;
  private readonly keys: RedisKeys;
  private readonly numbers: NumberIndex | undefined;

  constructor(options: RedisTwinStoreOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.now = options.now ?? Date.now;
    this.maxAttempts = options.maxAttempts ?? 16;
    this.queryOptions = options.query ?? {};
    this.feed = new RedisChangeFeed(this.redis, this.keys.twinChanges(), options.logger);
    const paths = canonicalPaths(options.rangeIndex ?? DEFAULT_RANGE_INDEX_PATHS);
    this.numbers = paths.length === 0 ? undefined : new NumberIndex(this.redis, this.keys, paths);
    // numberOfKeys from the file name: the keys then come first, which is what ioredis routes a cluster command by
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      this.redis.defineCommand(COMMAND_PREFIX + name, { lua, numberOfKeys: Number(/-(\d+)\.lua$/.exec(SCRIPT_FILES[name as ScriptName])![1]) });
    }
  }

  async get(ep: string): Promise<Twin | undefined> {
    const replies = await this.redis.multi().hgetall(this.keys.twin(ep)).hgetall(this.keys.twinReported(ep)).exec();
    const [header, reported] = results<Record<string, string>>(replies, 2, ep);
    return Object.keys(header).length === 0 ? undefined : assembleTwin(ep, header, reported);
  }

  async ensure(ep: string, init: { tags?: TwinObject } = {}): Promise<Twin> {
    checkEndpoint(ep);
    const now = this.now();
    const existing = await this.get(ep);
    if (existing) return existing;
    const tags = initialTags(init.tags, now);
    const { header, tagLeaves: leaves } = newTwinHeader(now, tags);
    await Promise.all([this.indexAdd(ep, leaves), this.numbers?.add(sectionNumbers(ep, 'tags', tags))]);
    const args = [this.keys.twinChanges(), this.message(ep, ['created'], 1), ...Object.entries(header).flat()];
    await this.script('ensure', [this.keys.twin(ep)], args);
    const twin = await this.get(ep);
    if (!twin) throw ServerError.internal(`twin of ${ep} vanished right after it was created`);
    return twin;
  }

  delete(ep: string): Promise<boolean> {
    return this.serialized(ep, () => this.deleteNow(ep));
  }

  private async deleteNow(ep: string): Promise<boolean> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const [tags, bver, desired] = await this.redis.hmget(this.keys.twin(ep), HeaderField.tags, HeaderField.backEndVersion, HeaderField.desired);
      if (tags === null || bver === null) return false;
      const leaves = tagLeaves(JSON.parse(tags) as TwinObject);
      const keys = [this.keys.twin(ep), this.keys.twinReported(ep)];
      const reply = (await this.script('delete', keys, [bver, this.keys.twinChanges(), this.message(ep, ['deleted'], 0)])) as (number | string)[];
      const done = Number(reply[0]);
      if (done === -1) return false;
      if (done === 1) {
        const reported: [string, string][] = [];
        for (let i = 1; i + 1 < reply.length; i += 2) reported.push([String(reply[i]), String(reply[i + 1])]);
        const shard = indexShard(ep);
        await Promise.all([
          this.redis.zrem(this.keys.twinSortedIndex(shard), ep),
          ...leaves.map((l) => this.redis.srem(this.indexKey(ep, l), ep)),
          this.numbers?.remove(twinNumbers(ep, tags, desired, reported)),
        ]);
        return true;
      }
    }
    throw ServerError.overloaded(`twin of ${ep} is changing too fast to delete; retry`);
  }

  async patch(ep: string, patch: TwinPatch, opts: PatchOptions = {}): Promise<PatchResult> {
    validateTwinPatch(patch);
    return this.serialized(ep, () => this.patchNow(ep, patch, opts));
  }

  private async patchNow(ep: string, patch: TwinPatch, opts: PatchOptions): Promise<PatchResult> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) await backoff(attempt);
      const [version, created, bver, tags, desired] = await this.redis.hmget(
        this.keys.twin(ep),
        HeaderField.version,
        HeaderField.created,
        HeaderField.backEndVersion,
        HeaderField.tags,
        HeaderField.desired,
      );
      if (version === null || created === null || bver === null || tags === null || desired === null) throw notFound(ep);
      const etag = formatEtag(Number(created), Number(version));
      if (opts.ifMatch !== undefined && !etagMatches(opts.ifMatch, etag)) throw preconditionFailed(ep, opts.ifMatch, etag);

      const now = this.now();
      const outcome = applyTwinPatch({ tags: JSON.parse(tags) as TwinObject, desired: JSON.parse(desired) as TwinSection }, patch, now);
      if (!outcome.tagsChanged && !outcome.desiredChanged) {
        const twin = await this.get(ep);
        if (!twin) throw notFound(ep);
        return { twin, changedDesired: [] };
      }
      const sections: TwinChangeSection[] = [...(outcome.tagsChanged ? ['tags' as const] : []), ...(outcome.desiredChanged ? ['desired' as const] : [])];
      const { removed, added } = outcome.tagIndex;
      const numbersBefore = !this.numbers ? [] : [...sectionNumbers(ep, 'tags', JSON.parse(tags) as TwinObject), ...sectionNumbers(ep, 'properties.desired', JSON.parse(desired) as TwinObject)];
      const numbersAfter = !this.numbers ? [] : [...sectionNumbers(ep, 'tags', outcome.tags), ...sectionNumbers(ep, 'properties.desired', outcome.desired as TwinObject)];
      const staleNumbers = missingFrom(numbersAfter, numbersBefore);
      // new index entries before the commit, old ones removed after it: the indexes never miss a current value
      await Promise.all([this.indexAdd(ep, added, false), this.numbers?.add(missingFrom(numbersBefore, numbersAfter))]);
      const args = [
        bver,
        opts.ifMatch !== undefined ? version : '',
        outcome.tagsChanged ? JSON.stringify(outcome.tags) : '',
        outcome.desiredChanged ? JSON.stringify(outcome.desired) : '',
        String(now),
        this.keys.twinChanges(),
        this.messagePrefix(ep, sections),
        ...deletedLeaves(outcome.desired, outcome.changedDesired).map((p) => SYNC_FIELD_PREFIX + p),
      ];
      const [status] = (await this.script('patch', [this.keys.twin(ep)], args)) as number[];
      if (status === -1) throw notFound(ep);
      if (status === 1) {
        if (removed.length > 0 || staleNumbers.length > 0) await this.indexRemoveStale(ep, removed, staleNumbers);
        const twin = await this.get(ep);
        if (!twin) throw notFound(ep);
        return { twin, changedDesired: outcome.changedDesired };
      }
    }
    throw ServerError.overloaded(`twin of ${ep} is changing too fast to patch; retry`);
  }

  async applyReported(updates: readonly ReportedUpdate[]): Promise<ApplyResult> {
    const groups = prepareReportedUpdates(updates);
    if (groups.size === 0) return { devices: [] };
    const channel = this.keys.twinChanges();
    const maxSize = String(MAX_REPORTED_BYTES);
    // numeric range index: the members of the new numbers before the scripts, the ones they report gone after them
    const fresh = new Map<string, NumberEntry[]>();
    for (const [ep, { prepared }] of this.numbers?.coversReported ? groups : []) {
      const entries: NumberEntry[] = [];
      for (const u of prepared) {
        if (isNumberJson(u.valueJson) && this.numbers!.covers(REPORTED_PREFIX + u.field)) entries.push({ ep, path: REPORTED_PREFIX + u.field, value: u.valueJson, ts: String(u.ts) });
      }
      if (entries.length > 0) fresh.set(ep, entries);
    }
    if (fresh.size > 0) await this.numbers?.add([...fresh.values()].flat());
    // one script call per device, each on its own slot; issued in one tick, so an auto-pipelined client sends them
    // together (per cluster node)
    const replies = [...groups].map(([ep, { prepared }]) => {
      const args: string[] = [channel, this.messagePrefix(ep, ['reported']), maxSize, String(prepared.length)];
      for (const u of prepared) args.push(u.field, u.valueJson, String(u.ts), u.source, String(u.size));
      return this.script('applyReported', [this.keys.twin(ep), this.keys.twinReported(ep)], args).then(
        (reply) => ({ reply }),
        (err: Error) => ({ err }),
      );
    });
    const devices: DeviceApplyResult[] = [];
    const gone: NumberEntry[] = [];
    let failure: Error | undefined;
    let i = 0;
    for (const [ep, { rejected }] of groups) {
      const outcome = await replies[i++];
      if ('err' in outcome) {
        failure ??= ServerError.internal(`applyReported failed for ${ep}: ${outcome.err.message}`, outcome.err);
        continue;
      }
      const reply = outcome.reply as (number | string)[];
      devices.push(parseApplyReply(ep, reply, rejected));
      if (!this.numbers?.coversReported) continue;
      if (Number(reply[0]) === 0) gone.push(...(fresh.get(ep) ?? []));
      else gone.push(...goneNumbers(ep, reply));
    }
    if (gone.length > 0) await this.numbers?.remove(gone);
    if (failure) throw failure;
    return { devices };
  }

  async getProperty(ep: string, section: TwinSectionName, property: readonly string[]): Promise<PropertyValue | undefined> {
    const twinKey = this.keys.twin(ep);
    if (section === 'reported') {
      if (property.length > 0) {
        const leaf = reportedLeaf(await this.redis.hget(this.keys.twinReported(ep), property.join('.')));
        if (leaf) return leaf;
      }
      return reportedNode(await this.redis.hgetall(this.keys.twinReported(ep)), property);
    }
    if (section === 'desired') {
      const desired = await this.redis.hget(twinKey, HeaderField.desired);
      return desired === null ? undefined : desiredProperty(JSON.parse(desired) as TwinSection, property);
    }
    const [tags, updated] = await this.redis.hmget(twinKey, HeaderField.tags, HeaderField.tagsUpdated);
    return tags === null ? undefined : tagsProperty(JSON.parse(tags) as TwinObject, isoTime(Number(updated)), property);
  }

  async setConnection(ep: string, state: ConnectionState, lastActivityTime?: number): Promise<void> {
    await this.setHeader(ep, ['connection'], lastActivityTime, [HeaderField.connection, state]);
  }

  async setObservationState(ep: string, state: Readonly<Record<string, ObservationSyncRecord>>): Promise<void> {
    await this.setHeader(ep, ['observation'], undefined, [HeaderField.observation, JSON.stringify(state)]);
  }

  async setStatus(ep: string, status: TwinStatus): Promise<void> {
    if (status !== 'enabled' && status !== 'disabled') throw ServerError.badRequest(`status: expected enabled or disabled, got ${JSON.stringify(status)}`);
    await this.setHeader(ep, ['status'], undefined, [HeaderField.status, status]);
  }

  async recordDesiredSync(ep: string, property: readonly string[], status: DesiredSyncStatus): Promise<boolean> {
    const record = checkSyncStatus(property, status, this.now());
    const args = [SYNC_FIELD_PREFIX + property.join('.'), JSON.stringify(record), String(record.desiredVersion), this.keys.twinChanges(), this.messagePrefix(ep, ['desiredSync'])];
    const done = Number(await this.script('recordSync', [this.keys.twin(ep)], args));
    if (done === -1) throw notFound(ep);
    return done === 1;
  }

  query(query: TwinQuery, page: QueryPageRequest): Promise<QueryPage> {
    return runQuery(this.querySource(), query, page, this.queryOptions);
  }

  async count(): Promise<number> {
    const counts = await Promise.all(ALL_SHARDS.map((shard) => this.redis.zcard(this.keys.twinSortedIndex(shard))));
    return counts.reduce((a, b) => a + b, 0);
  }

  async listIds(cursor: string | undefined, count: number): Promise<{ ids: string[]; cursor?: string }> {
    if (!Number.isInteger(count) || count < 1) throw ServerError.badRequest(`count must be a positive integer, got ${String(count)}`);
    const ids = await this.idsAfter(cursor, count);
    return ids.length === count ? { ids, cursor: ids[ids.length - 1] } : { ids };
  }

  onChange(listener: (change: TwinChange) => void): Promise<() => void> {
    return this.feed.listen(listener);
  }

  close(): Promise<void> {
    return this.feed.close();
  }

  // --- internals -----------------------------------------------------------------------------------------------

  /**
   * Runs back-end writes of one device one after another within this process, so that compare-and-set retries only
   * happen between processes.
   */
  private serialized<T>(ep: string, run: () => Promise<T>): Promise<T> {
    const previous = this.backEndWrites.get(ep) ?? Promise.resolve();
    const result = previous.then(run, run);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.backEndWrites.set(ep, settled);
    void settled.then(() => {
      if (this.backEndWrites.get(ep) === settled) this.backEndWrites.delete(ep);
    });
    return result;
  }

  private async setHeader(ep: string, sections: TwinChangeSection[], lastActivity: number | undefined, fields: string[]): Promise<void> {
    if (lastActivity !== undefined && (!Number.isSafeInteger(lastActivity) || lastActivity < 0)) {
      throw ServerError.badRequest(`lastActivityTime must be ms since the epoch, got ${String(lastActivity)}`);
    }
    const args = [this.keys.twinChanges(), this.messagePrefix(ep, sections), lastActivity === undefined ? '' : String(lastActivity), ...fields];
    const version = Number(await this.script('setHeader', [this.keys.twin(ep)], args));
    if (version === -1) throw notFound(ep);
  }

  private script(name: ScriptName, keys: string[], args: string[]): Promise<unknown> {
    const command = (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[COMMAND_PREFIX + name];
    return command.call(this.redis, ...keys, ...args);
  }

  private indexKey(ep: string, leaf: TagLeaf): string {
    return this.keys.twinValueIndex(indexShard(ep), leaf.path, leaf.value);
  }

  /** Adds `ep` to its shard's sorted id index (unless `withId` is false) and to the tag index of `leaves`. */
  private async indexAdd(ep: string, leaves: readonly TagLeaf[], withId = true): Promise<void> {
    const redis = this.redis;
    await Promise.all([...(withId ? [redis.zadd(this.keys.twinSortedIndex(indexShard(ep)), 0, ep)] : []), ...leaves.map((l) => redis.sadd(this.indexKey(ep, l), ep))]);
  }

  /**
   * After a committed patch: removes `ep` from the tag entries of the leaves it no longer has and the numeric index
   * members of tags / desired numbers it no longer holds, then re-adds every entry of its tags and desired as they
   * are now, so a concurrent patch from another process (which added its entries before committing) cannot lose an
   * entry to this removal.
   */
  private async indexRemoveStale(ep: string, removed: readonly TagLeaf[], staleNumbers: readonly NumberEntry[]): Promise<void> {
    await Promise.all([...removed.map((l) => this.redis.srem(this.indexKey(ep, l), ep)), this.numbers?.remove(staleNumbers)]);
    const [tags, desired] = await this.redis.hmget(this.keys.twin(ep), HeaderField.tags, HeaderField.desired);
    if (tags === null) return;
    await Promise.all([this.indexAdd(ep, tagLeaves(JSON.parse(tags) as TwinObject), false), this.numbers?.add(twinNumbers(ep, tags, desired, []))]);
  }

  private messagePrefix(ep: string, sections: TwinChangeSection[]): string {
    return `{"ep":${JSON.stringify(ep)},"origin":${JSON.stringify(this.instanceId)},"sections":${JSON.stringify(sections)},"version":`;
  }

  private message(ep: string, sections: TwinChangeSection[], version: number): string {
    return `${this.messagePrefix(ep, sections)}${version}}`;
  }

  /** The first `limit` ids after `after` over all shards: each shard's first `limit`, merged in Redis's byte order. */
  private async idsAfter(after: string | undefined, limit: number): Promise<string[]> {
    const min = after === undefined ? '-' : `(${after}`;
    const perShard = await Promise.all(ALL_SHARDS.map((shard) => this.redis.zrangebylex(this.keys.twinSortedIndex(shard), min, '+', 'LIMIT', 0, limit)));
    return perShard
      .flat()
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
      .slice(0, limit);
  }

  private querySource(): QuerySource {
    return {
      idsAfter: (after, limit) => this.idsAfter(after, limit),
      tagCandidates: async (path, values) => {
        if (values.length === 0) return [];
        const perShard = await Promise.all(
          ALL_SHARDS.map((shard) => {
            const keys = values.map((v) => this.keys.twinValueIndex(shard, path, v));
            return keys.length === 1 ? this.redis.smembers(keys[0]) : this.redis.sunion(...keys);
          }),
        );
        return perShard.flat();
      },
      ...(this.numbers ? { rangeCandidates: (hint: RangeHint) => this.numbers!.candidates(hint) } : {}),
      load: async (ids) => {
        const rows = await Promise.all(ids.map((id) => this.script('loadTwin', [this.keys.twin(id), this.keys.twinReported(id)], []) as Promise<string>));
        return ids.map((id, i) => unpackTwin(id, rows[i]));
      },
    };
  }
}

/** Decodes one row of load-twin-2.lua. */
function unpackTwin(ep: string, row: string): Twin | undefined {
  const split = row.indexOf('\x01');
  if (split <= 0) return undefined;
  const header: Record<string, string> = {};
  const h = row.slice(0, split).split('\0');
  for (let i = 0; i < h.length; i += 2) header[h[i]] = h[i + 1];
  const reported = new Map<string, string>();
  if (split < row.length - 1) {
    const r = row.slice(split + 1).split('\0');
    for (let i = 0; i < r.length; i += 2) reported.set(r[i], r[i + 1]);
  }
  return assembleTwin(ep, header, reported);
}

/** The numeric leaf values apply-reported-2.lua reports gone (after its changed and rejected lists). */
function goneNumbers(ep: string, reply: (number | string)[]): NumberEntry[] {
  let at = 4 + Number(reply[3]);
  at += 1 + 2 * Number(reply[at]);
  const count = Number(reply[at++]);
  const out: NumberEntry[] = [];
  for (let j = 0; j < count; j++, at += 3) out.push({ ep, path: REPORTED_PREFIX + String(reply[at]), value: String(reply[at + 1]), ts: String(reply[at + 2]) });
  return out;
}

/** A short random pause before retrying a lost compare-and-set (grows with the attempt, at most ~50 ms). */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
}

/** Unpacks `count` replies of a pipeline or MULTI starting at `offset`, turning a failed command into a ServerError. */
function results<T>(replies: [Error | null, unknown][] | null, count: number, ep: string, offset = 0): T[] {
  if (!replies) throw ServerError.internal(`twin store: the transaction for ${ep} was discarded`);
  const out: T[] = [];
  for (let i = offset; i < offset + count; i++) {
    const [err, value] = replies[i];
    if (err) throw ServerError.internal(`twin store: reading ${ep} failed: ${err.message}`, err);
    out.push(value as T);
  }
  return out;
}

function parseApplyReply(ep: string, reply: (number | string)[], rejectedBefore: DeviceApplyResult['rejected']): DeviceApplyResult {
  if (Number(reply[0]) === 0) return { ep, exists: false, changed: false, version: 0, changedProperties: [], rejected: rejectedBefore };
  const changedCount = Number(reply[3]);
  const changedProperties = reply.slice(4, 4 + changedCount).map(String);
  const rejectedCount = Number(reply[4 + changedCount]);
  const rejected = [...rejectedBefore];
  for (let j = 0; j < rejectedCount; j++) {
    const at = 5 + changedCount + j * 2;
    rejected.push({ property: String(reply[at]), reason: String(reply[at + 1]) });
  }
  return { ep, exists: true, changed: Number(reply[1]) === 1, version: Number(reply[2]), changedProperties, rejected };
}
