/**
 * Writes devices' reported values into twins in batches (the notify hot path), and keeps them while Redis cannot take
 * them: a batch that fails stays at the head of a backlog and is retried with back-off, later batches wait behind it,
 * so values reach Redis oldest first once it answers again. The backlog is bounded by bytes (`maxBufferBytes`):
 * nothing is dropped below the bound; above it the oldest waiting batches are dropped and counted
 * (`lwtwin_notify_buffer_dropped_total`), since a twin wants the newest values most. Values the twin store refuses
 * (an invalid key or value, or one that would take the reported section over its 32 KB limit) are counted
 * (`lwtwin_reported_rejected_total`) and logged at most once per interval with the last device, property and reason.
 */
import type { EventHub } from '../events/event-hub.ts';
import { ThrottledLog, type Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { ReportedUpdate } from '../twin/reported-fields.ts';
import type { ApplyResult, TwinStore } from '../twin/twin-store.ts';

export interface ReportedWriterOptions {
  twins: TwinStore;
  logger: Logger;
  metrics?: Metrics;
  events?: EventHub;
  /** Longest a reported value waits in the batch, ms. @defaultValue 5 */
  flushDelayMs?: number;
  /** Batch size that triggers an immediate flush. @defaultValue 2000 */
  maxBatch?: number;
  /** Bytes of values waiting for Redis beyond which the oldest are dropped. @defaultValue 67108864 (64 MiB) */
  maxBufferBytes?: number;
  /** First retry of a failed batch, ms; doubles up to 5 s. @defaultValue 250 */
  retryMs?: number;
  /**
   * Devices of a written batch that had no twin (Redis lost it): may restore them and return the updates to write
   * again (once). Updates not returned are dropped.
   */
  onMissingTwins?: (eps: string[], updates: ReportedUpdate[]) => Promise<ReportedUpdate[]>;
}

interface Batch {
  updates: ReportedUpdate[];
  receivedAt: number[];
  bytes: number;
  /** Already written once and given back by onMissingTwins: never given back again. */
  replay: boolean;
}

/** A rough size of one update in memory, bytes: enough to bound the backlog, cheap enough for the hot path. */
function sizeOf(u: ReportedUpdate): number {
  let n = 64 + u.ep.length;
  for (const p of u.property) n += p.length + 8;
  n += typeof u.value === 'string' ? u.value.length * 2 : 16;
  return n;
}

export class ReportedWriter {
  private batch: Batch = emptyBatch();
  private readonly backlog: Batch[] = [];
  private bytes = 0;
  private flushTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private inFlight?: Batch;
  private retryTimer?: { timer: NodeJS.Timeout; wake: () => void };
  private closed = false;
  private readonly failures: ThrottledLog;
  private readonly refusals: ThrottledLog;
  private readonly maxBufferBytes: number;

  constructor(private readonly opts: ReportedWriterOptions) {
    this.maxBufferBytes = opts.maxBufferBytes ?? 64 * 1024 * 1024;
    this.failures = new ThrottledLog(opts.logger, 'twin sync: writing reported values failed; keeping them until Redis answers');
    this.refusals = new ThrottledLog(opts.logger, 'twin sync: the twin refused reported values a device sent (err names the last one)');
  }

  /** Bytes of values waiting (batched or in the backlog). */
  get bufferedBytes(): number {
    return this.bytes;
  }

  push(updates: readonly ReportedUpdate[], receivedAt: number): void {
    if (this.closed) return;
    for (const u of updates) {
      const size = sizeOf(u);
      this.batch.updates.push(u);
      this.batch.receivedAt.push(receivedAt);
      this.batch.bytes += size;
      this.bytes += size;
    }
    if (this.bytes > this.maxBufferBytes) this.shed();
    if (this.batch.updates.length >= (this.opts.maxBatch ?? 2000)) void this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => void this.flush(), this.opts.flushDelayMs ?? 5);
  }

  /** Hands the current batch to the backlog; resolves once the backlog is empty (written, or dropped by `close`). */
  flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.batch.updates.length > 0) {
      this.backlog.push(this.batch);
      this.batch = emptyBatch();
    }
    this.opts.metrics?.notifyBufferBytes.set(this.bytes);
    if (this.backlog.length === 0) return this.running ?? Promise.resolve();
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      this.opts.metrics?.notifyBufferBytes.set(this.bytes);
    });
    return this.running;
  }

  /**
   * Writes what is waiting for at most `deadlineMs`, then stops: anything still waiting (Redis unreachable) is dropped,
   * counted and logged.
   */
  async close(deadlineMs: number): Promise<void> {
    const done = this.flush();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)))]);
    clearTimeout(timer);
    this.closed = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer.timer);
      this.retryTimer.wake();
    }
    const left = this.backlog.reduce((n, b) => n + b.updates.length, 0) + this.batch.updates.length;
    if (left > 0) {
      this.opts.metrics?.notifyBufferDropped.inc(left);
      this.opts.logger.error({ values: left, bytes: this.bytes }, 'twin sync: stopping with reported values Redis did not take; they are lost');
    }
  }

  private async drain(): Promise<void> {
    let delay = this.opts.retryMs ?? 250;
    while (!this.closed && this.backlog.length > 0) {
      const b = this.backlog[0];
      this.inFlight = b;
      let result: ApplyResult;
      try {
        result = await this.opts.twins.applyReported(b.updates);
      } catch (err) {
        this.inFlight = undefined;
        this.failures.error(err);
        await this.sleep(delay);
        delay = Math.min(delay * 2, 5000);
        continue;
      }
      this.inFlight = undefined;
      delay = this.opts.retryMs ?? 250;
      if (this.backlog[0] === b) this.backlog.shift();
      this.bytes -= b.bytes;
      this.written(b, result);
      const missing = result.devices.filter((d) => !d.exists).map((d) => d.ep);
      if (missing.length > 0 && !b.replay && this.opts.onMissingTwins) await this.replayMissing(missing, b);
    }
  }

  private written(b: Batch, result: ApplyResult): void {
    const now = Date.now();
    const m = this.opts.metrics;
    let refused = 0;
    for (const d of result.devices) {
      for (const r of d.rejected) {
        refused++;
        this.refusals.error(`${d.ep}: ${r.property}: ${r.reason}`);
      }
      if (d.changed) this.opts.events?.publish('reported', { version: d.version, properties: d.changedProperties }, d.ep);
    }
    if (m) {
      m.twinWrites.inc({ source: 'device' }, b.updates.length - refused);
      if (refused > 0) m.reportedRejected.inc(refused);
      for (const t of b.receivedAt) m.notifyToTwin.observe((now - t) / 1000);
    }
  }

  private async replayMissing(missing: string[], b: Batch): Promise<void> {
    const set = new Set(missing);
    const lost = b.updates.filter((u) => set.has(u.ep));
    let again: ReportedUpdate[] = [];
    try {
      again = await this.opts.onMissingTwins!(missing, lost);
    } catch (err) {
      this.opts.logger.warn({ err, devices: missing.length }, 'twin sync: restoring devices without a twin failed');
    }
    if (again.length === 0) return;
    const replay: Batch = { updates: again, receivedAt: again.map(() => Date.now()), bytes: again.reduce((n, u) => n + sizeOf(u), 0), replay: true };
    this.bytes += replay.bytes;
    this.backlog.unshift(replay);
  }

  /** Drops the oldest waiting batches (never the one being written) until the backlog fits its bound again. */
  private shed(): void {
    let dropped = 0;
    while (this.bytes > this.maxBufferBytes) {
      const i = this.backlog.findIndex((b) => b !== this.inFlight);
      if (i >= 0) {
        const [b] = this.backlog.splice(i, 1);
        this.bytes -= b.bytes;
        dropped += b.updates.length;
        continue;
      }
      // Only the current batch is left: drop its oldest values.
      const u = this.batch.updates.shift();
      if (!u) break;
      this.batch.receivedAt.shift();
      const size = sizeOf(u);
      this.batch.bytes -= size;
      this.bytes -= size;
      dropped++;
    }
    if (dropped > 0) {
      this.opts.metrics?.notifyBufferDropped.inc(dropped);
      this.failures.error(new Error(`reported-value buffer over ${this.maxBufferBytes} bytes: dropped the ${dropped} oldest values`));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryTimer = undefined;
        resolve();
      }, ms);
      this.retryTimer = { timer, wake: resolve };
    });
  }
}

function emptyBatch(): Batch {
  return { updates: [], receivedAt: [], bytes: 0, replay: false };
}
