/**
 * One token bucket: `rate` tokens a second up to `burst`, starting full. No timers; the caller passes the clock, so one
 * bucket can stand alone (a socket's budget) or one per key (server/lwm2m/rate-limiter.ts).
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  /** Takes one token: 0 when taken, else the seconds until one is there (more than 0). */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.rate;
  }
}
