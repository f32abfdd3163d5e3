/**
 * Watches the Redis this process depends on, so health answers at once and data loss is noticed:
 * - a PING every `intervalMs`, bounded by `timeoutMs`: Redis is `unreachable` from the first failed check until one
 *   succeeds again (the health route reads this state; it never waits on Redis for longer than its own bound);
 * - a marker key, written at start and checked with every PING: when it is gone while Redis answers, Redis lost its
 *   data (FLUSHALL, a restart without persistence, a fail-over to an empty replica). `onDataLoss` runs once per loss,
 *   the marker is written again, and health reports the loss for `dataLossReportMs`.
 */
import { ServerError } from '../errors.ts';
import type { RedisClient } from './redis-client.ts';

export interface RedisHealthOptions {
  redis: RedisClient;
  /** The marker key (see `RedisKeys.marker`). */
  markerKey: string;
  /** Identity written into the marker (which process wrote it, when). */
  serverId: string;
  /** Period of the checks, ms. @defaultValue 1000 */
  intervalMs?: number;
  /** Longest a check waits for Redis, ms. @defaultValue 500 */
  timeoutMs?: number;
  /** How long health reports a data loss after it was found, ms. @defaultValue 600000 */
  dataLossReportMs?: number;
  /** Runs when the marker was found missing (after it has been written again). */
  onDataLoss?: (at: number) => void;
  /** Runs when Redis becomes reachable again after being unreachable. */
  onRecovered?: () => void;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface RedisHealthState {
  status: 'ok' | 'degraded';
  redis: 'ok' | 'unreachable' | 'data-lost';
  /** Human-readable reasons when degraded (`redis unreachable since 2026-...: connect ECONNREFUSED`). */
  reasons: string[];
}

export class RedisHealth {
  private timer?: NodeJS.Timeout;
  private checking = false;
  private unreachableSince?: number;
  private lastError = '';
  private dataLostAt?: number;
  private losses = 0;
  private readonly now: () => number;

  constructor(private readonly opts: RedisHealthOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Writes the marker (Redis must be reachable) and starts the periodic checks. */
  async start(): Promise<void> {
    await this.writeMarker();
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** True unless the last check failed. */
  get reachable(): boolean {
    return this.unreachableSince === undefined;
  }

  /** How many data losses this process has found. */
  get dataLosses(): number {
    return this.losses;
  }

  state(): RedisHealthState {
    const reasons: string[] = [];
    let redis: RedisHealthState['redis'] = 'ok';
    if (this.unreachableSince !== undefined) {
      redis = 'unreachable';
      reasons.push(`redis unreachable since ${new Date(this.unreachableSince).toISOString()}${this.lastError ? `: ${this.lastError}` : ''}`);
    }
    if (this.dataLostAt !== undefined && this.now() - this.dataLostAt < (this.opts.dataLossReportMs ?? 600_000)) {
      if (redis === 'ok') redis = 'data-lost';
      reasons.push(`redis lost its data at ${new Date(this.dataLostAt).toISOString()} (marker key missing); registrations held in memory were written back, devices re-register at their next message`);
    }
    return { status: reasons.length > 0 ? 'degraded' : 'ok', redis, reasons };
  }

  /** One check now (also run periodically): PING and the marker, bounded by `timeoutMs`. */
  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const exists = await withTimeout(this.opts.redis.exists(this.opts.markerKey), this.opts.timeoutMs ?? 500);
      const wasDown = this.unreachableSince !== undefined;
      this.unreachableSince = undefined;
      this.lastError = '';
      if (exists === 0) {
        this.losses++;
        this.dataLostAt = this.now();
        await this.writeMarker().catch(() => undefined);
        this.opts.onDataLoss?.(this.dataLostAt);
      }
      if (wasDown) this.opts.onRecovered?.();
    } catch (err) {
      this.unreachableSince ??= this.now();
      this.lastError = (err as Error)?.message ?? String(err);
    } finally {
      this.checking = false;
    }
  }

  private async writeMarker(): Promise<void> {
    await this.opts.redis.set(this.opts.markerKey, JSON.stringify({ serverId: this.opts.serverId, at: new Date(this.now()).toISOString() }));
  }
}

/** Rejects with TIMEOUT when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new ServerError('TIMEOUT', `redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(t);
        reject(err);
      },
    );
  });
}

/** True for the errors ioredis raises while Redis cannot be reached (so callers can answer 503 rather than 500). */
export function isRedisUnavailableError(err: unknown): boolean {
  for (let e = err as { name?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.name === 'MaxRetriesPerRequestError') return true;
    if (typeof e.message === 'string' && /Connection is closed|Stream isn't writeable|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|max retries per request/i.test(e.message)) return true;
  }
  return false;
}
