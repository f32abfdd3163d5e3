/**
 * The Redis side of the twin change feed: one subscriber connection (a duplicate of the store's client, since a
 * subscribed connection can run no other command) on `RedisKeys.twinChanges()`, fanning `TwinChange` messages out to
 * local listeners. The messages are published by the store's Lua scripts, in the same atomic step as each write; on
 * a Redis Cluster PUBLISH reaches every node, so the subscriber may sit on any of them.
 */
import { duplicateClient, type RedisClient } from '../store/redis-client.ts';
import { ThrottledLog, type Logger } from '../logger.ts';
import type { TwinChange } from './twin-store.ts';

export class RedisChangeFeed {
  private readonly listeners = new Set<(change: TwinChange) => void>();
  private subscriber?: RedisClient;
  private subscribed?: Promise<void>;

  constructor(
    private readonly redis: RedisClient,
    private readonly channel: string,
    private readonly logger?: Logger,
  ) {}

  /** Adds a listener; resolves, once the subscription is active, to its removal function. */
  async listen(listener: (change: TwinChange) => void): Promise<() => void> {
    this.listeners.add(listener);
    await this.subscribe();
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.subscribed = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private subscribe(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    // Subscribing waits for the connection (the caller's client may have its offline queue off).
    const subscriber = duplicateClient(this.redis, { enableOfflineQueue: true, commandTimeout: undefined });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      let change: TwinChange;
      try {
        change = JSON.parse(message) as TwinChange;
      } catch {
        return;
      }
      this.emit(change);
    });
    // ioredis re-subscribes by itself after a reconnect, but messages published meanwhile are lost: tell listeners.
    let connected = false;
    subscriber.on('ready', () => {
      if (connected) this.emit({ ep: '*', sections: ['resync'], version: 0 });
      connected = true;
    });
    const errors = this.logger ? new ThrottledLog(this.logger, 'twin change feed: subscriber connection error') : undefined;
    subscriber.on('error', (err: Error) => errors?.error(err));
    this.subscribed = subscriber.subscribe(this.channel).then(() => undefined);
    return this.subscribed;
  }

  private emit(change: TwinChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
