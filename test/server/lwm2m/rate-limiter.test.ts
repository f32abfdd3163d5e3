import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../../server/lwm2m/rate-limiter.ts';

describe('TokenBucketLimiter', () => {
  it('allows the burst, then refuses with a retry time, and refills at the rate', () => {
    const clock = { t: 0 };
    const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, now: () => clock.t });
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    clock.t = 499;
    expect(limiter.take('a').allowed).toBe(false);
    clock.t = 1000;
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('keeps one bucket per key', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, now: () => 0 });
    expect(limiter.take('10.0.0.1').allowed).toBe(true);
    expect(limiter.take('10.0.0.1').allowed).toBe(false);
    expect(limiter.take('10.0.0.2').allowed).toBe(true);
  });

  it('bounds memory: a forgotten key starts again with a full bucket', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 2, now: () => 0 });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.take('a').allowed).toBe(true);
  });

  it('refuses a non-positive rate', () => {
    expect(() => new TokenBucketLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});
