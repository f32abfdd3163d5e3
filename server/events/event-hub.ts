/**
 * Server-wide events for `GET /api/events` (registrations, notifications, twin changes, jobs). Every process publishes
 * into one Redis channel and every process fans the channel out to its SSE clients, so a client sees the events of
 * the whole fleet whichever process it is connected to. Publishing is batched (one PUBLISH per flush interval) so a
 * 50,000 notifications/s stream costs a few Redis commands per second; a process with no listener of its own does
 * not parse the batches that come back to it, so with no subscriber anywhere the stream costs the batch build and
 * one PUBLISH per interval. Each event is published once, by the process that produced it. On a Redis Cluster the channel
 * is a sharded one (SPUBLISH/SSUBSCRIBE, Redis 7): only the master owning its slot carries the events, where PUBLISH
 * would copy every batch to every master over the cluster bus.
 */
import { publishTo, subscribeTo, type RedisClient } from '../store/redis-client.ts';

export interface ServerEvent {
  type: string;
  deviceId?: string;
  time: string;
  data: Record<string, unknown>;
}

export type EventListener = (event: ServerEvent) => void;

export interface EventHubOptions {
  redis: RedisClient;
  channel: string;
  /** @defaultValue 50 */
  flushIntervalMs?: number;
  /** Events buffered between flushes beyond which new ones are dropped (counted). @defaultValue 10000 */
  maxBuffered?: number;
}

export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private buffer: ServerEvent[] = [];
  private subscriber?: RedisClient;
  private timer?: NodeJS.Timeout;
  private dropped = 0;

  constructor(private readonly opts: EventHubOptions) {}

  async start(): Promise<void> {
    this.subscriber = await subscribeTo(
      this.opts.redis,
      this.opts.channel,
      (message) => {
        // Every process's batches come back to it as well: with no local listener (no SSE client here) skip the parse.
        if (this.listeners.size === 0) return;
        let events: ServerEvent[];
        try {
          events = JSON.parse(message);
        } catch {
          return;
        }
        if (!Array.isArray(events)) return;
        for (const e of events) for (const l of this.listeners) l(e);
      },
      () => undefined,
    );
    this.timer = setInterval(() => void this.flush(), this.opts.flushIntervalMs ?? 50);
    this.timer.unref();
  }

  /** Queues an event for every subscriber of every process. */
  publish(type: string, data: Record<string, unknown>, deviceId?: string): void {
    if (this.buffer.length >= (this.opts.maxBuffered ?? 10_000)) {
      this.dropped++;
      return;
    }
    this.buffer.push({ type, ...(deviceId !== undefined ? { deviceId } : {}), time: new Date().toISOString(), data });
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): { listeners: number; dropped: number } {
    return { listeners: this.listeners.size, dropped: this.dropped };
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await publishTo(this.opts.redis, this.opts.channel, JSON.stringify(batch));
    } catch {
      this.dropped += batch.length;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
    if (this.subscriber) {
      this.subscriber.disconnect();
      this.subscriber = undefined;
    }
  }
}
