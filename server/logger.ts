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
