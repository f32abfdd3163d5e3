import { afterEach, describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from '../../../protocol/dtls/session-snapshot.ts';
import { MemoryDtlsSessionStore } from '../../../server/security/memory-dtls-session-store.ts';
import { RedisDtlsSessionStore } from '../../../server/security/redis-dtls-session-store.ts';
import { RedisKeys } from '../../../server/store/keys.ts';
import type { RedisClient } from '../../../server/store/redis-client.ts';
import { deleteKeysWithPrefix, REDIS_MODES, testRedisClient, uniquePrefix } from '../../helpers/redis.ts';
import { dtlsSessionStoreContract, sessionSnapshot } from './dtls-session-store.contract.ts';

const SECRET = 'test-server-secret-0123456789abcdef';

dtlsSessionStoreContract('MemoryDtlsSessionStore', async () => {
  const store = new MemoryDtlsSessionStore();
  return { store, other: store, cleanup: () => store.close() };
});

for (const mode of REDIS_MODES) {
  dtlsSessionStoreContract(`RedisDtlsSessionStore (${mode} Redis)`, async () => {
    const prefix = uniquePrefix('dtlss');
    const keys = new RedisKeys(prefix);
    const a = testRedisClient(mode, { enableAutoPipelining: true });
    const b = testRedisClient(mode);
    return {
      store: new RedisDtlsSessionStore({ redis: a, keys, serverSecret: SECRET }),
      other: new RedisDtlsSessionStore({ redis: b, keys, serverSecret: SECRET }),
      cleanup: async () => {
        await deleteKeysWithPrefix(a, prefix);
        await Promise.all([a.quit(), b.quit()]);
      },
    };
  });
}

describe('session snapshots', () => {
  it('round-trip through bytes and refuse malformed ones', () => {
    const s = sessionSnapshot({ identity: { kind: 'x509', commonName: 'dev', certificate: Buffer.from([1, 2, 3]) }, cidIn: undefined });
    expect(decodeSnapshot(encodeSnapshot(s))).toEqual(s);
    const bad = JSON.parse(encodeSnapshot(s).toString()) as Record<string, unknown>;
    for (const [k, v] of [['master', 'AAAA'], ['readSeq', 2 ** 49], ['v', 2], ['identity', { kind: 'nope' }], ['peer', null]] as const) {
      expect(() => decodeSnapshot(Buffer.from(JSON.stringify({ ...bad, [k]: v })))).toThrow(/session snapshot/);
    }
    expect(() => decodeSnapshot(Buffer.from('{'))).toThrow(/not JSON/);
  });
});

describe('RedisDtlsSessionStore', () => {
  const opened: { redis: RedisClient; prefix: string }[] = [];
  afterEach(async () => {
    for (const { redis, prefix } of opened.splice(0)) {
      await deleteKeysWithPrefix(redis, prefix);
      await redis.quit();
    }
  });
  function setup() {
    const prefix = uniquePrefix('dtlss');
    const redis = testRedisClient('single');
    opened.push({ redis, prefix });
    const keys = new RedisKeys(prefix);
    return { redis, keys, store: (secret = SECRET) => new RedisDtlsSessionStore({ redis, keys, serverSecret: secret }) };
  }

  it('stores the snapshot sealed: no secret in clear, refused with another secret or when tampered with', async () => {
    const { redis, keys, store } = setup();
    const s = sessionSnapshot();
    await store().persist(s, { fromSeq: 0, block: 10 }, 60_000);
    const raw = await redis.hget(keys.dtlsSession(s.handle), 'b');
    expect(raw).toMatch(/^g1:/);
    const bytes = Buffer.from(raw!.slice(3), 'base64');
    expect(bytes.includes(s.master)).toBe(false);
    expect(raw).not.toContain(s.master.toString('base64'));
    await expect(store('another-server-secret-0123456789abcdef').findByCid(s.cidIn!)).rejects.toMatchObject({ code: 'INTERNAL' });
    bytes[bytes.length - 1] ^= 1;
    await redis.hset(keys.dtlsSession(s.handle), 'b', 'g1:' + bytes.toString('base64'));
    await expect(store().findByCid(s.cidIn!)).rejects.toMatchObject({ code: 'INTERNAL' });
    // A sealed snapshot copied under another handle does not open either.
    const t = sessionSnapshot();
    await store().persist(t, { fromSeq: 0, block: 10 }, 60_000);
    await redis.hset(keys.dtlsSession(t.handle), 'b', raw!);
    await expect(store().findByAddress(t.peer.address, t.peer.port)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('refuses to run without a server secret', () => {
    const { redis, keys } = setup();
    expect(() => new RedisDtlsSessionStore({ redis, keys, serverSecret: '' })).toThrow(/server secret/);
  });
});
