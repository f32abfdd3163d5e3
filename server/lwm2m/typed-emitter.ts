import { EventEmitter } from 'node:events';

/**
 * A small typed event emitter: `E` maps each event name to its payload. A listener that throws is reported through
 * `onListenerError` and never breaks the emitter (the protocol handler that emitted keeps running).
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown }> {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onListenerError: (event: string, err: unknown) => void = () => {}) {
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): this {
    this.emitter.once(event, listener);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** Resolves with the next payload of `event` (for tests and one-shot waits). */
  next<K extends keyof E & string>(event: K, filter: (payload: E[K]) => boolean = () => true): Promise<E[K]> {
    return new Promise((resolve) => {
      const listener = (payload: E[K]): void => {
        if (!filter(payload)) return;
        this.emitter.off(event, listener);
        resolve(payload);
      };
      this.emitter.on(event, listener);
    });
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.emitter.listenerCount(event);
  }

  /** Calls every listener of `event` in order; a throwing listener is reported and the rest still run. */
  emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    for (const listener of this.emitter.rawListeners(event) as ((p: E[K]) => void)[]) {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }
}
