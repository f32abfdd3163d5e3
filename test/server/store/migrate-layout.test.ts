import { afterEach, describe, expect, it } from 'vitest';
import { compileQuery } from '../../../server/query/evaluate.ts';
import { registrationToFields } from '../../../server/registration/registration-hash.ts';
import { RedisRegistrationStore } from '../../../server/registration/redis-registration-store.ts';
import { indexShard, RedisKeys } from '../../../server/store/keys.ts';
import { migrateLayout } from '../../../server/store/migrate-layout.ts';
import type { RedisClient } from '../../../server/store/redis-client.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import { deleteKeysWithPrefix as deletePrefix, keysWithPrefix, testRedisClient, uniquePrefix } from '../../helpers/redis.ts';
import { sampleRegistration } from '../registration/registration-store.contract.ts';

/** Writes a registration the way the previous version did: unsharded expiry set, peer entry holding the endpoint. */
async function writeLegacyRegistration(redis: RedisClient, keys: RedisKeys, reg: ReturnType<typeof sampleRegistration>): Promise<void> {
  const f = registrationToFields(reg);
  const idKey = keys.registrationId(reg.registrationId);
  const peerKey = keys.registrationPeer(reg.peer.address, reg.peer.port);
  await redis.hset(keys.registration(reg.endpoint), 'd', f.blob, 'id', f.registrationId, 'lt', f.lifetime, 'lu', f.lastUpdate, 'ex', reg.expiresAt, 'ik', idKey, 'pk', peerKey);
  await redis.set(idKey, reg.endpoint);
  await redis.set(peerKey, reg.endpoint);
  await redis.zadd(keys.legacy.registrationExpiry(), reg.expiresAt, reg.endpoint);
}

describe('migrateLayout: data of the previous (single-Redis) key layout', () => {
  const clients: RedisClient[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      for (const p of prefixes) await deletePrefix(c, p);
      await c.quit();
    }
    prefixes.length = 0;
  });

  it('moves registrations, twin indexes, tag indexes and job keys once; the stores then read everything', async () => {
    const redis = testRedisClient('single');
    clients.push(redis);
    const prefix = uniquePrefix('migrate');
    prefixes.push(prefix);
    const keys = new RedisKeys(prefix);

    const T0 = Date.now();
    const regs = Array.from({ length: 40 }, (_, i) => sampleRegistration(`old-${i}`, { now: T0, lifetime: 100 + i, peer: { address: '10.20.0.1', port: 4000 + i } }));
    for (const r of regs) await writeLegacyRegistration(redis, keys, r);
    // twins written by the new store, then their index entries put back where the previous version kept them
    const twins = new RedisTwinStore({ redis, keys });
    for (let i = 0; i < 30; i++) await twins.ensure(`old-${i}`, { tags: { plant: i % 3 === 0 ? 'Oslo' : 'Bergen' } });
    for (const k of await keysWithPrefix(redis, `${prefix}twin:index:`)) await redis.del(k);
    for (const k of await keysWithPrefix(redis, `${prefix}twin:tag:`)) await redis.del(k);
    for (let i = 0; i < 30; i++) {
      await redis.sadd(keys.legacy.twinIndex(), `old-${i}`);
      await redis.zadd(keys.legacy.twinSortedIndex(), 0, `old-${i}`);
      await redis.sadd(`${keys.legacy.twinValueIndexPrefix()}tags.plant=${JSON.stringify(i % 3 === 0 ? 'Oslo' : 'Bergen')}`, `old-${i}`);
    }
    const oldJobs = keys.legacy.jobsPrefix();
    await redis.hset(`${oldJobs}:job:j1`, 'type', 'deepRead', 'status', 'running');
    await redis.rpush(`${oldJobs}:jobs-control:wait`, 'j1~dispatch');

    const report = await migrateLayout(redis, keys);
    expect(report).toEqual({ registrations: 40, twins: 60, tagEntries: 30, jobKeys: 2 });
    expect(await migrateLayout(redis, keys)).toEqual({ registrations: 0, twins: 0, tagEntries: 0, jobKeys: 0 });

    const store = new RedisRegistrationStore({ redis, keys });
    expect(await store.count()).toBe(40);
    expect(await store.getByPeer(regs[7].peer)).toEqual(regs[7]);
    expect(await store.getById(regs[8].registrationId)).toEqual(regs[8]);
    const listed = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ count: 7, ...(cursor ? { cursor } : {}) });
      listed.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    expect(listed.map((r) => r.endpoint)).toEqual(regs.map((r) => r.endpoint));
    // an Update rewrites the peer entry in the new form and the old one is dropped
    await store.update(regs[0].registrationId, { peer: { address: '10.20.0.2', port: 1 }, lastUpdate: T0 + 1000, graceMs: 0 });
    expect(await redis.exists(keys.registrationPeer(regs[0].peer.address, regs[0].peer.port))).toBe(0);
    expect((await store.removeExpired(T0 + 120_000)).length).toBe(21); // lifetimes 100 s to 120 s

    expect(await twins.count()).toBe(30);
    const oslo = await twins.query(compileQuery("SELECT deviceId FROM devices WHERE tags.plant = 'Oslo'"), { pageSize: 100 });
    expect(oslo.items.map((i) => i.deviceId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `old-${i * 3}`).sort());
    expect(await redis.zscore(keys.twinSortedIndex(indexShard('old-1')), 'old-1')).toBe('0');

    expect(await redis.hget(`${keys.jobsPrefix()}:job:j1`, 'status')).toBe('running');
    expect(await redis.lrange(`${keys.jobsPrefix()}:jobs-control:wait`, 0, -1)).toEqual(['j1~dispatch']);
    expect(await keysWithPrefix(redis, `${oldJobs}:`)).toEqual([]);
    await twins.close();
    await store.close();
  });
});
