import { ServerError } from '../errors.ts';
import type { Registration } from './registration.ts';
import { DEFAULT_EXPIRE_LIMIT, type RegistrationStore } from './registration-store.ts';

/** Structured logger: pino's and Fastify's loggers fit. */
export interface RegistrationExpiryLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

export interface RegistrationExpiryOptions {
  readonly store: RegistrationStore;
  /** Receives each batch of expired registrations (their observations and queued requests are the caller's to drop). */
  readonly onExpired: (expired: Registration[]) => void | Promise<void>;
  readonly logger: RegistrationExpiryLogger;
  /** Time between sweeps. @defaultValue 1000 */
  readonly intervalMs?: number;
  /**
   * Extra time a registration survives past its `expiresAt` before a sweep removes it: covers clock skew between
   * server processes. The lifetime grace itself is already in expiresAt (computeExpiresAt). @defaultValue 0
   */
  readonly graceMs?: number;
  /** Most registrations removed per store call; a sweep repeats calls until a batch comes back short. @defaultValue DEFAULT_EXPIRE_LIMIT */
  readonly batchSize?: number;
  /** Most store calls per sweep, so one sweep cannot run for ever. @defaultValue 100 */
  readonly maxBatchesPerSweep?: number;
  /** Clock (ms since epoch). @defaultValue Date.now */
  readonly now?: () => number;
  /**
   * Whether this process runs the periodic sweep now (several nodes: only the fleet lease holder, see
   * server/fleet/fleet-coordinator.ts). A direct `sweep()` call always runs. @defaultValue always
   */
  readonly shouldSweep?: () => boolean;
}

/**
 * Removes registrations whose lifetime ran out without an Update (OMA TS Core 1.1 §6.2.1 Register) by calling
 * `store.removeExpired` periodically, and hands them to `onExpired`. Safe to run in every server process: the store
 * gives each expired registration to one caller only. Errors are logged, never thrown out of the timer.
 */
export class RegistrationExpiry {
  readonly #store: RegistrationStore;
  readonly #onExpired: RegistrationExpiryOptions['onExpired'];
  readonly #logger: RegistrationExpiryLogger;
  readonly #intervalMs: number;
  readonly #graceMs: number;
  readonly #batchSize: number;
  readonly #maxBatches: number;
  readonly #now: () => number;
  readonly #shouldSweep: () => boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #started = false;

  constructor(options: RegistrationExpiryOptions) {
    this.#store = options.store;
    this.#onExpired = options.onExpired;
    this.#logger = options.logger;
    this.#intervalMs = positiveInteger(options.intervalMs ?? 1000, 'intervalMs');
    this.#graceMs = nonNegativeInteger(options.graceMs ?? 0, 'graceMs');
    this.#batchSize = positiveInteger(options.batchSize ?? DEFAULT_EXPIRE_LIMIT, 'batchSize');
    this.#maxBatches = positiveInteger(options.maxBatchesPerSweep ?? 100, 'maxBatchesPerSweep');
    this.#now = options.now ?? Date.now;
    this.#shouldSweep = options.shouldSweep ?? (() => true);
  }

  /** Starts sweeping every intervalMs (the first sweep after one interval). Idempotent. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  /** Stops sweeping and waits for a sweep in progress to finish. Idempotent. */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Runs one sweep now and resolves how many registrations it expired; errors are logged, not thrown. A sweep already
   * in progress is awaited instead of starting a second one.
   */
  async sweep(): Promise<number> {
    if (this.#running) {
      await this.#running;
      return 0;
    }
    let total = 0;
    const run = (async () => {
      for (let batch = 0; batch < this.#maxBatches; batch++) {
        let expired: Registration[];
        try {
          expired = await this.#store.removeExpired(this.#now() - this.#graceMs, this.#batchSize);
        } catch (err) {
          this.#log({ err }, 'registration expiry: removeExpired failed');
          return;
        }
        total += expired.length;
        if (expired.length > 0) {
          try {
            await this.#onExpired(expired);
          } catch (err) {
            this.#log({ err, endpoints: expired.map((r) => r.endpoint) }, 'registration expiry: onExpired failed');
          }
        }
        if (expired.length < this.#batchSize) return;
      }
    })();
    this.#running = run;
    try {
      await run;
    } finally {
      this.#running = undefined;
    }
    return total;
  }

  /** Logs without ever throwing: a failing logger must not stop the sweeps. */
  #log(obj: Record<string, unknown>, msg: string): void {
    try {
      this.#logger.error(obj, msg);
    } catch {
      // nothing left to report to
    }
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void (this.#shouldSweep() ? this.sweep() : Promise.resolve(0)).finally(() => {
        if (this.#started) this.#schedule();
      });
    }, this.#intervalMs);
    this.#timer.unref();
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw ServerError.badRequest(`RegistrationExpiry: ${name} must be a positive integer, got ${value}`, { option: name });
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw ServerError.badRequest(`RegistrationExpiry: ${name} must be a non-negative integer, got ${value}`, { option: name });
  return value;
}
