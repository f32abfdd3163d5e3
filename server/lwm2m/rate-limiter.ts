import { LRUCache } from 'lru-cache';
import { TokenBucket } from '../../protocol/token-bucket.ts';

/** Options of {@link TokenBucketLimiter}. */
export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number;
  /** Bucket size (the allowed burst). @defaultValue `ratePerSecond` */
  burst?: number;
  /** Keys tracked at once; the least recently used key is forgotten (it starts again with a full bucket). @defaultValue 100000 */
  maxKeys?: number;
  /** Clock, ms. @defaultValue `Date.now` */
  now?: () => number;
}

/** The outcome of one {@link TokenBucketLimiter.take}. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A token bucket per key (the source address of Register requests), so one flooding address is answered 5.03 while
 * every other address keeps its own budget. Memory is bounded by `maxKeys`; no timers.
 */
export class TokenBucketLimiter {
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly buckets: LRUCache<string, TokenBucket>;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${opts.ratePerSecond}`);
    this.rate = opts.ratePerSecond;
    this.burst = Math.max(1, opts.burst ?? opts.ratePerSecond);
    this.now = opts.now ?? Date.now;
    this.buckets = new LRUCache({ max: opts.maxKeys ?? 100_000 });
  }

  /** Takes one token for `key`; when none is left, says how many seconds until one is. */
  take(key: string): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.rate, this.burst, now);
      this.buckets.set(key, bucket);
    }
    const wait = bucket.take(now);
    return wait === 0 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}
