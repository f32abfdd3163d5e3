import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_LEASE_MS, RedisSecurityStore } from '../../../server/security/redis-security-store.ts';
import { SecurityConflictError } from '../../../server/security/security-store.ts';
import { RedisKeys } from '../../../server/store/keys.ts';
import { deleteKeysWithPrefix, REDIS_MODES, testRedisClient, testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { securityStoreContract } from './security-store.contract.ts';

const SECRET = 'test-server-secret-0123456789abcdef';

for (const mode of REDIS_MODES) {
  securityStoreContract(`RedisSecurityStore (${mode} Redis)`, async () => {
    const prefix = uniquePrefix('sec');
    const keys = new RedisKeys(prefix);
    const a = testRedisClient(mode, { enableAutoPipelining: true });
    const b = testRedisClient(mode);
    const store = new RedisSecurityStore({ redis: a, keys, namespace: 'dm', serverSecret: SECRET });
    const other = new RedisSecurityStore({ redis: b, keys, namespace: 'dm', serverSecret: SECRET });
    return {
      store,
      other,
      cleanup: async () => {
        await deleteKeysWithPrefix(a, prefix);
        await Promise.all([a.quit(), b.quit()]);
      },
    };
  });
}

describe('RedisSecurityStore', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  function setup(serverSecret: string | undefined = SECRET) {
    const prefix = uniquePrefix('sec');
    prefixes.push(prefix);
    const redis = new Redis(testRedisUrl());
    clients.push(redis);
    const keys = new RedisKeys(prefix);
    const store = (ns: 'dm' | 'bootstrap' = 'dm', secret = serverSecret) => new RedisSecurityStore({ redis, keys, namespace: ns, ...(secret ? { serverSecret: secret } : {}) });
    return { redis, keys, store, prefix };
  }
  afterEach(async () => {
    for (const [i, c] of clients.entries()) {
      await deleteKeysWithPrefix(c, prefixes[i]!);
      await c.quit();
    }
    clients.length = 0;
    prefixes.length = 0;
  });

  it('stores PSK keys encrypted, bound to their entry, and refuses to open them with another secret', async () => {
    const { redis, keys, store } = setup();
    const key = randomBytes(16);
    await store().put('dev', { mode: 'psk', identity: 'dev-id', key });
    const raw = await redis.hget(keys.security('dm', 'dev'), 'k');
    expect(raw).toMatch(/^g1:/);
    expect(Buffer.from(raw!.slice(3), 'base64').includes(key)).toBe(false);
    expect(raw).not.toContain(key.toString('hex'));
    await expect(store('dm', 'another-secret-0123456789abcdefghij').get('dev')).rejects.toMatchObject({ code: 'INTERNAL' });
    // A sealed key moved into another endpoint's entry does not open there.
    await store().put('thief', { mode: 'psk', identity: 'thief-id', key: randomBytes(16) });
    await redis.hset(keys.security('dm', 'thief'), 'k', raw!);
    await expect(store().get('thief')).rejects.toThrow(/does not open/);
  });

  it('keeps keys readable when a secret is configured after they were stored without one', async () => {
    const { store } = setup();
    const key = randomBytes(20);
    await store('dm', undefined).put('dev', { mode: 'psk', identity: 'i', key });
    expect(await store('dm', SECRET).findByPskIdentity('i')).toEqual({ endpoint: 'dev', key });
  });

  it('keeps DM and bootstrap credentials apart', async () => {
    const { store } = setup();
    const dmKey = randomBytes(16);
    const bsKey = randomBytes(16);
    await store('dm').put('dev', { mode: 'psk', identity: 'same', key: dmKey });
    await store('bootstrap').put('dev', { mode: 'psk', identity: 'same', key: bsKey });
    await store('bootstrap').put('other', { mode: 'x509' });
    expect(await store('dm').findByPskIdentity('same')).toEqual({ endpoint: 'dev', key: dmKey });
    expect(await store('bootstrap').findByPskIdentity('same')).toEqual({ endpoint: 'dev', key: bsKey });
    expect(await store('bootstrap').delete('dev')).toBe(true);
    expect(await store('dm').get('dev')).toMatchObject({ identity: 'same' });
    expect((await store('dm').list()).items.map((s) => s.endpoint)).toEqual(['dev']);
  });

  it('hash-tags every per-device key with the endpoint; index keys by the hash of the credential', async () => {
    const { keys } = setup();
    expect(keys.security('dm', 'ep-1')).toMatch(/\{ep-1\}$/);
    expect(keys.securityPskIndex('dm', 'id {x}')).toMatch(/:psk:\{[0-9a-f]{64}\}$/);
  });

  it('takes over an identity claim abandoned by a put that died half-way, but not a fresh one', async () => {
    const { redis, keys, store } = setup();
    const idx = keys.securityPskIndex('dm', 'orphan');
    await redis.set(idx, `tok\n${Date.now()}\nghost`);
    await expect(store().put('dev', { mode: 'psk', identity: 'orphan', key: randomBytes(16) })).rejects.toBeInstanceOf(SecurityConflictError);
    expect(await store().findByPskIdentity('orphan')).toBeUndefined();
    await redis.set(idx, `tok\n${Date.now() - CLAIM_LEASE_MS - 1}\nghost`);
    const key = randomBytes(16);
    await store().put('dev', { mode: 'psk', identity: 'orphan', key });
    expect(await store().findByPskIdentity('orphan')).toEqual({ endpoint: 'dev', key });
  });

  it('does not resolve an identity whose index points at an entry that no longer holds it', async () => {
    const { redis, keys, store } = setup();
    await store().put('dev', { mode: 'psk', identity: 'x', key: randomBytes(16) });
    await redis.set(keys.securityPskIndex('dm', 'y'), `t\n0\ndev`);
    expect(await store().findByPskIdentity('y')).toBeUndefined();
  });
});
