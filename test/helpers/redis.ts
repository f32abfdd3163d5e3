import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createRedisClient, masters, whenReady, type NodeOptions, type RedisClient } from '../../server/store/redis-client.ts';

/** URL of the test run's redis-server (started by test/global-setup.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** Seed URLs (comma-separated) of the test run's 3-master Redis Cluster (started by test/global-setup.ts). */
export function testRedisClusterUrl(): string {
  return inject('redisClusterUrl');
}

/** The two Redis set-ups every store runs on: one Redis, and the 3-master cluster. */
export const REDIS_MODES = ['single', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

/** A new client of the test single Redis or of the test cluster (the caller quits it). */
export function testRedisClient(mode: RedisMode, options: NodeOptions = {}): RedisClient {
  return mode === 'cluster' ? createRedisClient({ url: testRedisClusterUrl(), cluster: true }, options) : createRedisClient({ url: testRedisUrl() }, options);
}

/** Every key starting with `prefix`, on every master. */
export async function keysWithPrefix(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  await whenReady(redis);
  for (const node of masters(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes every key starting with `prefix` (SCAN, so it never blocks the shared Redis; one UNLINK per key, so it works on a cluster too). */
export async function deleteKeysWithPrefix(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await keysWithPrefix(redis, prefix);
  await Promise.all(keys.map((k) => redis.unlink(k)));
}

/** A key prefix unique to one test, so tests never see each other's keys. */
export function uniquePrefix(name = 't'): string {
  return `test:${name}:${randomBytes(4).toString('hex')}:`;
}
