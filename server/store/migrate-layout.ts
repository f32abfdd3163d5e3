/**
 * One-time move of data written by lwtwin versions before the cluster-safe key layout (server/store/keys.ts), run at
 * every start-up and a no-op once done:
 * - the unsharded registration expiry set `reg:expiry` → `reg:expiry:{idx:<n>}` by endpoint;
 * - the twin id indexes `twin:index` / `twin:index:sorted` → `twin:index:{idx:<n>}`;
 * - the tag index sets `twin:idx:<path>=<value>` → `twin:tag:{idx:<n>}:<path>=<value>`;
 * - every key under the old jobs prefix `<prefix>jobs:` (BullMQ queues and the job records) → `{<prefix>jobs}:` by
 *   RENAME, which keeps queued and delayed work (BullMQ stores job ids, not key names, in its lists and sets).
 * Registration hashes, id and peer entries and twin hashes keep their names. Old data only exists on a single Redis
 * (older versions did not run on a cluster), but the code SCANs every master either way. Processes starting together
 * take turns through a lock key; each step is idempotent, so a process killed half-way is finished by the next start.
 * Once done, `layoutVersion()` records it and later start-ups only read that key.
 */
import type { Logger } from '../logger.ts';
import { indexShard, type RedisKeys } from './keys.ts';
import { masters, type RedisClient } from './redis-client.ts';

const BATCH = 1000;
const LOCK_MS = 120_000;
const LAYOUT_VERSION = '2';

export interface MigrationReport {
  registrations: number;
  twins: number;
  tagEntries: number;
  jobKeys: number;
}

export async function migrateLayout(redis: RedisClient, keys: RedisKeys, logger?: Pick<Logger, 'info' | 'warn'>): Promise<MigrationReport> {
  const report: MigrationReport = { registrations: 0, twins: 0, tagEntries: 0, jobKeys: 0 };
  const legacy = keys.legacy;
  const tagPrefix = legacy.twinValueIndexPrefix();
  const oldJobs = `${legacy.jobsPrefix()}:`;
  if ((await redis.get(keys.layoutVersion())) === LAYOUT_VERSION) return report;
  const [expiry, index, sorted] = await Promise.all([redis.exists(legacy.registrationExpiry()), redis.exists(legacy.twinIndex()), redis.exists(legacy.twinSortedIndex())]);
  const tagKeys = await scanAll(redis, `${globEscape(tagPrefix)}*`);
  const jobKeys = await scanAll(redis, `${globEscape(oldJobs)}*`);
  if (expiry + index + sorted + tagKeys.length + jobKeys.length === 0) {
    await redis.set(keys.layoutVersion(), LAYOUT_VERSION);
    return report;
  }

  const lock = keys.lease('migrate-layout');
  const token = `${process.pid}-${Date.now()}`;
  while ((await redis.set(lock, token, 'PX', LOCK_MS, 'NX')) === null) await new Promise((r) => setTimeout(r, 200));
  try {
    logger?.info({ tagKeys: tagKeys.length, jobKeys: jobKeys.length }, 'migrating the Redis key layout to the cluster-safe one (once)');
    report.registrations = await moveSortedSet(redis, legacy.registrationExpiry(), (ep) => keys.registrationExpiry(indexShard(ep)));
    report.twins = await moveSortedSet(redis, legacy.twinSortedIndex(), (ep) => keys.twinSortedIndex(indexShard(ep)));
    // the plain set duplicated the sorted one; its members are moved too in case only it survived
    report.twins += await moveSet(redis, legacy.twinIndex(), (ep) => keys.twinSortedIndex(indexShard(ep)), 'zadd');
    for (const key of tagKeys) {
      const suffix = key.slice(tagPrefix.length);
      const eq = suffix.indexOf('=');
      if (eq < 0) continue;
      const [path, value] = [suffix.slice(0, eq), suffix.slice(eq + 1)];
      report.tagEntries += await moveSet(redis, key, (ep) => keys.twinValueIndex(indexShard(ep), path, value), 'sadd');
    }
    const newJobs = `${keys.jobsPrefix()}:`;
    for (const key of jobKeys) {
      try {
        if ((await redis.renamenx(key, newJobs + key.slice(oldJobs.length))) === 1) report.jobKeys++;
        else logger?.warn({ key }, 'layout migration: the new jobs key already exists; the old one is left in place');
      } catch (err) {
        // gone meanwhile (another process moved it), or a cluster refusing a cross-slot RENAME
        logger?.warn({ key, err: (err as Error).message }, 'layout migration: could not move a jobs key');
      }
    }
    await redis.set(keys.layoutVersion(), LAYOUT_VERSION);
    logger?.info({ ...report }, 'Redis key layout migrated');
  } finally {
    if ((await redis.get(lock)) === token) await redis.del(lock);
  }
  return report;
}

/** Every key matching `pattern` on every master. */
async function scanAll(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Moves a sorted set's members (with scores) to per-member target sets, then deletes it. */
async function moveSortedSet(redis: RedisClient, from: string, to: (member: string) => string): Promise<number> {
  let moved = 0;
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(from, cursor, 'COUNT', BATCH);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) writes.push(redis.zadd(to(flat[i]), flat[i + 1], flat[i]));
    await Promise.all(writes);
    moved += writes.length;
    cursor = next;
  } while (cursor !== '0');
  await redis.del(from);
  return moved;
}

/** Moves a set's members to per-member target sets (sorted sets get score 0), then deletes it. */
async function moveSet(redis: RedisClient, from: string, to: (member: string) => string, as: 'sadd' | 'zadd'): Promise<number> {
  let moved = 0;
  let cursor = '0';
  do {
    const [next, members] = await redis.sscan(from, cursor, 'COUNT', BATCH);
    await Promise.all(members.map((m) => (as === 'sadd' ? redis.sadd(to(m), m) : redis.zadd(to(m), 0, m))));
    moved += members.length;
    cursor = next;
  } while (cursor !== '0');
  await redis.del(from);
  return moved;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
