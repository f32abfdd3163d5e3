import type { RetryOptions } from './client-options.ts';

/**
 * Delay before retry number `attempt` (1-based) of a failed Register or Update: exponential from `baseMs`, capped at
 * `maxMs`, with jitter between half and all of the step so that devices that failed together do not retry together.
 */
export function backoffMs(attempt: number, retry: RetryOptions | undefined): number {
  const base = retry?.baseMs ?? 1000;
  const max = retry?.maxMs ?? 60_000;
  const step = Math.min(max, base * 2 ** Math.min(Math.max(attempt, 1) - 1, 20));
  return step * (0.5 + Math.random() * 0.5);
}
