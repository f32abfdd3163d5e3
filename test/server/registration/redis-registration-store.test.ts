import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisRegistrationStore } from '../../../server/registration/redis-registration-store.ts';
import { indexShard, RedisKeys } from '../../../server/store/keys.ts';
import { deleteKeysWithPrefix as deletePrefix, keysWithPrefix, REDIS_MODES, testRedisClient, testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { registrationStoreContract, sampleRegistration } from './registration-store.contract.ts';

for (const mode of REDIS_MODES) {
  registrationStoreContract(`RedisRegistrationStore (${mode} Redis)`, async () => {
    const prefix = uniquePrefix('reg');
    const keys = new RedisKeys(prefix);
    const a = testRedisClient(mode, { enableAutoPipelining: true });
    const b = testRedisClient(mode);
    const store = new RedisRegistrationStore({ redis: a, keys });
    const other = new RedisRegistrationStore({ redis: b, keys });
    return {
      store,
      other,
      cleanup: async () => {
        await deletePrefix(a, prefix);
        await store.close();
        await other.close();
        await Promise.all([a.quit(), b.quit()]);
      },
    };
  });
}

describe('RedisRegistrationStore', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  function client(options: RedisOptions = {}): Redis {
    const redis = new Redis(testRedisUrl(), options);
    clients.push(redis);
    return redis;
  }
  function prefix(): string {
    const p = uniquePrefix('reg');
    prefixes.push(p);
    return p;
  }
  afterEach(async () => {
    const admin = new Redis(testRedisUrl());
    for (const p of prefixes.splice(0)) await deletePrefix(admin, p);
    await admin.quit();
    await Promise.all(clients.splice(0).map((c) => (c.status === 'end' ? undefined : c.quit())));
  });

  it('is seen whole by a second store over the same Redis (a restarted server)', async () => {
    const p = prefix();
    const first = new RedisRegistrationStore({ redis: testRedisUrl(), keys: new RedisKeys(p) });
    const regs = Array.from({ length: 30 }, (_, i) => sampleRegistration(`dev-${i}`, { peer: { address: '10.6.0.1', port: 1000 + i } }));
    await Promise.all(regs.map((r) => first.add(r)));
    await first.update(regs[0].registrationId, { peer: { address: '10.6.0.2', port: 9 }, lastUpdate: Date.now(), graceMs: 0, lifetime: 900 });
    const updated = await first.getById(regs[0].registrationId);
    await first.close();

    const restarted = new RedisRegistrationStore({ redis: testRedisUrl(), keys: new RedisKeys(p) });
    try {
      expect(await restarted.count()).toBe(30);
      expect(await restarted.getById(regs[0].registrationId)).toEqual(updated);
      expect(await restarted.getByPeer({ address: '10.6.0.2', port: 9 })).toEqual(updated);
      for (const r of regs.slice(1)) {
        expect(await restarted.getByEndpoint(r.endpoint)).toEqual(r);
        expect(await restarted.getByPeer(r.peer)).toEqual(r);
      }
      const page = await restarted.list({ count: 1000 });
      expect(page.items).toHaveLength(30);
    } finally {
      await restarted.close();
    }
  });

  it('gives the hash and both index keys the same expiry: expiresAt + key retention', async () => {
    const p = prefix();
    const keys = new RedisKeys(p);
    const redis = client();
    const store = new RedisRegistrationStore({ redis, keys, keyRetentionMs: 60_000 });
    const reg = sampleRegistration('dev', { now: Date.now(), lifetime: 120 });
    await store.add(reg);
    const expected = reg.expiresAt + 60_000;
    for (const key of [keys.registration('dev'), keys.registrationId(reg.registrationId), keys.registrationPeer(reg.peer.address, reg.peer.port)]) {
      expect(Number(await redis.call('PEXPIRETIME', key))).toBe(expected);
    }
    const lastUpdate = Date.now() + 1000;
    const moved = await store.update(reg.registrationId, { peer: { address: '10.7.0.1', port: 7 }, lastUpdate, graceMs: 500 });
    const expectedAfter = lastUpdate + 120_000 + 500 + 60_000;
    expect(moved?.current.expiresAt).toBe(lastUpdate + 120_500);
    for (const key of [keys.registration('dev'), keys.registrationId(reg.registrationId), keys.registrationPeer('10.7.0.1', 7)]) {
      expect(Number(await redis.call('PEXPIRETIME', key))).toBe(expectedAfter);
    }
    expect(Number(await redis.zscore(keys.registrationExpiry(indexShard('dev')), 'dev'))).toBe(lastUpdate + 120_500);
  });

  it('leaves no keys behind after replace, update and removal', async () => {
    const p = prefix();
    const keys = new RedisKeys(p);
    const redis = client();
    const store = new RedisRegistrationStore({ redis, keys });
    const a1 = sampleRegistration('a', { peer: { address: '10.8.0.1', port: 1 } });
    const a2 = sampleRegistration('a', { peer: { address: '10.8.0.1', port: 2 } });
    const b = sampleRegistration('b', { peer: { address: '10.8.0.2', port: 1 }, lifetime: 1 });
    await store.add(a1);
    await store.add(a2);
    await store.add(b);
    await store.update(a2.registrationId, { peer: { address: '10.8.0.1', port: 3 }, lastUpdate: Date.now(), graceMs: 0 });
    expect((await keysWithPrefix(redis, p)).sort()).toEqual(
      [keys.registration('a'), keys.registrationId(a2.registrationId), keys.registrationPeer('10.8.0.1', 3), keys.registration('b'), keys.registrationId(b.registrationId), keys.registrationPeer('10.8.0.2', 1), ...new Set([keys.registrationExpiry(indexShard('a')), keys.registrationExpiry(indexShard('b'))])].sort(),
    );
    await store.remove(a2.registrationId);
    expect(await store.removeExpired(b.expiresAt)).toHaveLength(1);
    expect(await keysWithPrefix(redis, p)).toEqual([]);
  });

  it('drops expiry entries whose keys Redis already expired, and repairs a stale score', async () => {
    const p = prefix();
    const keys = new RedisKeys(p);
    const redis = client();
    const store = new RedisRegistrationStore({ redis, keys });
    const gone = sampleRegistration('gone', { peer: { address: '10.9.0.1', port: 1 } });
    const alive = sampleRegistration('alive', { peer: { address: '10.9.0.1', port: 2 } });
    await store.add(gone);
    await store.add(alive);
    // as if 'gone' outlived its key retention with no server running, and 'alive' had a wrong score
    await redis.del(keys.registration('gone'));
    await redis.zadd(keys.registrationExpiry(indexShard('gone')), 1, 'gone');
    await redis.zadd(keys.registrationExpiry(indexShard('alive')), 1, 'alive');
    expect(await store.removeExpired(Date.now())).toEqual([]);
    expect(await redis.zscore(keys.registrationExpiry(indexShard('gone')), 'gone')).toBeNull();
    expect(await redis.zscore(keys.registrationExpiry(indexShard('alive')), 'alive')).toBe(String(alive.expiresAt));
    expect(await store.getByEndpoint('alive')).toEqual(alive);
  });

  it('works with a client that has its own keyPrefix', async () => {
    const p = prefix();
    const redis = client({ keyPrefix: `${p}client:` });
    const store = new RedisRegistrationStore({ redis, keys: new RedisKeys('lwtwin:') });
    const reg = sampleRegistration('dev');
    await store.add(reg);
    expect(await store.getById(reg.registrationId)).toEqual(reg);
    expect(await store.getByPeer(reg.peer)).toEqual(reg);
    expect((await store.list()).items).toEqual([reg]);
    expect(await store.update(reg.registrationId, { peer: reg.peer, lastUpdate: reg.lastUpdate + 1, graceMs: 0 })).toBeDefined();
    expect(await store.remove(reg.registrationId)).toMatchObject({ endpoint: 'dev' });
    expect(await store.count()).toBe(0);
  });

  it('closes a client it created from a URL but not a caller-owned one', async () => {
    const owned = client();
    const callerOwned = new RedisRegistrationStore({ redis: owned, keys: new RedisKeys(prefix()) });
    await callerOwned.close();
    expect(await owned.ping()).toBe('PONG');

    const fromUrl = new RedisRegistrationStore({ redis: testRedisUrl(), keys: new RedisKeys(prefix()) });
    expect(await fromUrl.count()).toBe(0);
    await fromUrl.close();
    await expect(fromUrl.count()).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
