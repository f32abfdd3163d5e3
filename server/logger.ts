import { pino, type Logger } from 'pino';

export type { Logger };

/** The server's structured logger (pino, JSON lines on stderr). */
export function createLogger(level: string, name = 'lwtwin'): Logger {
  return pino({ name, level }, pino.destination(2));
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Logs a repeated error once per `intervalMs` with the number of occurrences, instead of once per occurrence (a Redis
 * outage makes every connection emit 'error' many times a second). The first occurrence is logged at once.
 */
export class ThrottledLog {
  private count = 0;
  private last = 0;
  private lastMessage = '';

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  error(err: unknown): void {
    this.count++;
    this.lastMessage = (err as Error)?.message ?? String(err);
    const t = this.now();
    if (t - this.last < this.intervalMs) return;
    this.logger.warn({ err: this.lastMessage, occurrences: this.count, intervalMs: this.intervalMs }, this.message);
    this.count = 0;
    this.last = t;
  }
}
