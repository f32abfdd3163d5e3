/**
 * One shared `/api/events` stream for the whole page, fanned out to the views. Reconnects with a growing delay when
 * the stream drops; views subscribe and unsubscribe as they mount and unmount.
 */
import type { ApiEvent, LwTwinApi } from '../../api/lwtwin-api.ts';

export interface LiveEvent {
  type: string;
  deviceId?: string;
  time: string;
  data: Record<string, any>;
}

type Listener = (event: LiveEvent) => void;

export class LiveEvents {
  private readonly listeners = new Set<Listener>();
  private readonly stopper = new AbortController();
  /** True while the stream is open (shown in the header). */
  connected = false;
  onStatus?: (connected: boolean) => void;

  constructor(private readonly api: LwTwinApi) {
    void this.run();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.stopper.abort();
  }

  private setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.onStatus?.(connected);
  }

  private async run(): Promise<void> {
    let delay = 500;
    while (!this.stopper.signal.aborted) {
      try {
        const stream = this.api.events({}, this.stopper.signal);
        this.setConnected(true);
        for await (const e of stream as AsyncGenerator<ApiEvent>) {
          delay = 500;
          const event = e.data as LiveEvent;
          if (event && typeof event === 'object') for (const l of this.listeners) l(event);
        }
      } catch {
        /* dropped or refused: retry below */
      }
      this.setConnected(false);
      if (this.stopper.signal.aborted) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
