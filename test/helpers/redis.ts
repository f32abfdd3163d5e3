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
