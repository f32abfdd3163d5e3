import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** URL of the test run's redis-server (started by test/global-setup.ts). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix unique to one test, so tests never see each other's keys. */
export function uniquePrefix(name = 't'): string {
  return `test:${name}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key starting with `prefix` (SCAN, so it never blocks the shared Redis). */
export async function deleteKeysWithPrefix(redis: import('ioredis').Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (batch.length > 0) await redis.unlink(...batch);
    cursor = next;
  } while (cursor !== '0');
}
