import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { isServerError } from '../../../server/errors.ts';
import { MemoryRegistrationStore } from '../../../server/registration/memory-registration-store.ts';
import { RedisRegistrationStore } from '../../../server/registration/redis-registration-store.ts';
import type { Registration } from '../../../server/registration/registration.ts';
import { RegistrationExpiry } from '../../../server/registration/registration-expiry.ts';
import type { RegistrationStore } from '../../../server/registration/registration-store.ts';
import { RedisKeys } from '../../../server/store/keys.ts';
import { testRedisUrl, uniquePrefix } from '../../helpers/redis.ts';
import { sampleRegistration } from './registration-store.contract.ts';

const T0 = 1_800_000_000_000;

function recordingLogger() {
  const entries: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { entries, error: (obj: Record<string, unknown>, msg: string) => void entries.push({ obj, msg }) };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function storeWith(...regs: Registration[]): Promise<MemoryRegistrationStore> {
  const store = new MemoryRegistrationStore();
  for (const r of regs) await store.add(r);
  return store;
}

describe('RegistrationExpiry', () => {
  it('removes expired registrations and hands them to onExpired', async () => {
    const old = sampleRegistration('old', { now: T0, lifetime: 10, peer: { address: '10.0.0.1', port: 1 } });
    const fresh = sampleRegistration('fresh', { now: T0, lifetime: 100, peer: { address: '10.0.0.1', port: 2 } });
    const store = await storeWith(old, fresh);
    const delivered: Registration[][] = [];
    const expiry = new RegistrationExpiry({ store, onExpired: (regs) => void delivered.push(regs), logger: recordingLogger(), now: () => T0 + 10_000 });
    expect(await expiry.sweep()).toBe(1);
    expect(delivered).toEqual([[old]]);
    expect(await store.getByEndpoint('fresh')).toEqual(fresh);
    expect(await store.getByEndpoint('old')).toBeUndefined();
    expect(await expiry.sweep()).toBe(0);
    expect(delivered).toHaveLength(1);
  });

  it('waits graceMs past expiresAt', async () => {
    const reg = sampleRegistration('dev', { now: T0, lifetime: 10 });
    const store = await storeWith(reg);
    let now = T0 + 10_000;
    const expiry = new RegistrationExpiry({ store, onExpired: () => {}, logger: recordingLogger(), graceMs: 2000, now: () => now });
    expect(await expiry.sweep()).toBe(0);
    now += 2000;
    expect(await expiry.sweep()).toBe(1);
  });

  it('drains in batches within one sweep', async () => {
    const regs = Array.from({ length: 5 }, (_, i) => sampleRegistration(`d${i}`, { now: T0, lifetime: 1 + i, peer: { address: '10.0.0.2', port: i + 1 } }));
    const store = await storeWith(...regs);
    const batches: string[][] = [];
    const expiry = new RegistrationExpiry({ store, onExpired: (r) => void batches.push(r.map((x) => x.endpoint)), logger: recordingLogger(), batchSize: 2, now: () => T0 + 60_000 });
    expect(await expiry.sweep()).toBe(5);
    expect(batches).toEqual([['d0', 'd1'], ['d2', 'd3'], ['d4']]);
  });

  it('sweeps on its timer once started, and no more once stopped', async () => {
    const store = new MemoryRegistrationStore();
    const delivered: string[] = [];
    const expiry = new RegistrationExpiry({ store, onExpired: (r) => void delivered.push(...r.map((x) => x.endpoint)), logger: recordingLogger(), intervalMs: 10, now: () => T0 + 60_000 });
    expiry.start();
    expiry.start();
    await store.add(sampleRegistration('a', { now: T0, lifetime: 1 }));
    await until(() => delivered.length === 1);
    await store.add(sampleRegistration('b', { now: T0, lifetime: 1, peer: { address: '10.0.0.3', port: 1 } }));
    await until(() => delivered.length === 2);
    await expiry.stop();
    await store.add(sampleRegistration('c', { now: T0, lifetime: 1, peer: { address: '10.0.0.3', port: 2 } }));
    await new Promise((r) => setTimeout(r, 60));
    expect(delivered).toEqual(['a', 'b']);
    expect(await store.count()).toBe(1);
  });

  it('logs a failing store or callback and keeps sweeping', async () => {
    const inner = new MemoryRegistrationStore();
    let failures = 1;
    const flaky: RegistrationStore = Object.assign(Object.create(inner) as RegistrationStore, {
      removeExpired: async (now: number, limit?: number) => {
        if (failures-- > 0) throw new Error('redis down');
        return inner.removeExpired(now, limit);
      },
    });
    const logger = recordingLogger();
    let calls = 0;
    const expiry = new RegistrationExpiry({
      store: flaky,
      onExpired: () => {
        calls++;
        throw new Error('listener bug');
      },
      logger,
      intervalMs: 5,
      now: () => T0 + 60_000,
    });
    await inner.add(sampleRegistration('a', { now: T0, lifetime: 1 }));
    expiry.start();
    await until(() => calls === 1);
    await inner.add(sampleRegistration('b', { now: T0, lifetime: 1, peer: { address: '10.0.0.4', port: 1 } }));
    await until(() => calls === 2);
    await expiry.stop();
    expect(logger.entries.map((e) => e.msg)).toEqual([
      'registration expiry: removeExpired failed',
      'registration expiry: onExpired failed',
      'registration expiry: onExpired failed',
    ]);
    expect(logger.entries[0].obj.err).toMatchObject({ message: 'redis down' });
    expect(logger.entries[1].obj.endpoints).toEqual(['a']);
  });

  it('survives a logger that throws', async () => {
    const store = await storeWith(sampleRegistration('a', { now: T0, lifetime: 1 }));
    const expiry = new RegistrationExpiry({
      store,
      onExpired: () => Promise.reject(new Error('x')),
      logger: { error: () => { throw new Error('logger broken'); } },
      now: () => T0 + 60_000,
    });
    expect(await expiry.sweep()).toBe(1);
  });

  it('refuses invalid options with BAD_REQUEST', () => {
    const base = { store: new MemoryRegistrationStore(), onExpired: () => {}, logger: recordingLogger() };
    for (const bad of [{ intervalMs: 0 }, { graceMs: -1 }, { batchSize: 1.5 }, { maxBatchesPerSweep: 0 }]) {
      let error: unknown;
      try {
        new RegistrationExpiry({ ...base, ...bad });
      } catch (err) {
        error = err;
      }
      expect(isServerError(error, 'BAD_REQUEST')).toBe(true);
    }
  });

  it('delivers each expired registration once when two server processes sweep the same Redis', async () => {
    const keys = new RedisKeys(uniquePrefix('expiry'));
    const clients = [new Redis(testRedisUrl(), { enableAutoPipelining: true }), new Redis(testRedisUrl())];
    const stores = clients.map((redis) => new RedisRegistrationStore({ redis, keys }));
    const now = Date.now();
    const regs = Array.from({ length: 300 }, (_, i) => sampleRegistration(`r${i}`, { now, lifetime: 1, peer: { address: '10.1.1.1', port: 1000 + i } }));
    await Promise.all(regs.map((r) => stores[0].add(r)));
    const delivered: string[] = [];
    const services = stores.map(
      (store) => new RegistrationExpiry({ store, onExpired: (r) => void delivered.push(...r.map((x) => x.endpoint)), logger: recordingLogger(), intervalMs: 5, batchSize: 7, now: () => now + 1000 }),
    );
    try {
      for (const s of services) s.start();
      await until(() => delivered.length >= 300);
      await Promise.all(services.map((s) => s.stop()));
      expect(delivered).toHaveLength(300);
      expect(new Set(delivered).size).toBe(300);
      expect(await stores[1].count()).toBe(0);
    } finally {
      await Promise.all(services.map((s) => s.stop()));
      await Promise.all(clients.map((c) => c.quit()));
    }
  });
});
