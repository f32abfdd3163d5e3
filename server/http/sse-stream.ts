import type { ServerResponse } from 'node:http';

export interface SseStreamOptions {
  /** Bytes written but not yet taken by the client (response + socket buffers) beyond which it is disconnected. */
  readonly maxBufferedBytes: number;
  /** Comment line sent when nothing else was, ms. @defaultValue 15000 */
  readonly keepAliveMs?: number;
  /** After the final event, how long a slow client gets to read it before the connection is destroyed, ms. @defaultValue 2000 */
  readonly closeGraceMs?: number;
  /** Called once when the stream ends, with why (`client` when the client left). */
  readonly onClose: (reason: 'client' | 'slow' | 'server') => void;
}

/**
 * One server-sent-events response (WHATWG HTML "Server-sent events") with backpressure: every write counts the bytes
 * the client has not taken yet; past `maxBufferedBytes` (see `write`) the client is sent a final `event: disconnect` saying why, the
 * response ends, and the connection is destroyed if it does not drain within `closeGraceMs`. When the stream ends
 * for any reason its timers stop and `onClose` runs once (the caller unsubscribes there), so nothing of a departed
 * client is retained.
 */
export class SseStream {
  private closed = false;
  /** Bytes written during the current event-loop turn (a batch of events is written at once, before any drains). */
  private turnBytes = 0;
  private readonly keepAlive: NodeJS.Timeout;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: SseStreamOptions,
  ) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': lwtwin events\n\n');
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000);
    this.keepAlive.unref();
    res.on('close', () => this.finish('client'));
    res.on('error', () => this.finish('client'));
  }

  /** Bytes written to this client and not yet sent to the network. */
  get bufferedBytes(): number {
    return this.res.writableLength + (this.res.socket?.writableLength ?? 0);
  }

  /** Sends one event; a client that has fallen `maxBufferedBytes` behind is disconnected instead. */
  send(type: string, data: unknown): void {
    this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream from the server side (shutdown). */
  close(): void {
    if (this.closed) return;
    this.res.end();
    this.finish('server');
  }

  /**
   * A client is too slow when what it left unread from earlier turns exceeds the bound — the writes of the current
   * turn cannot have drained yet — or when everything buffered exceeds four times the bound (one huge batch).
   */
  private write(chunk: string): void {
    if (this.closed) return;
    const size = Buffer.byteLength(chunk);
    const buffered = this.bufferedBytes;
    if (buffered - this.turnBytes > this.opts.maxBufferedBytes || buffered + size > 4 * this.opts.maxBufferedBytes) {
      this.disconnectSlow();
      return;
    }
    if (this.turnBytes === 0) setImmediate(() => (this.turnBytes = 0));
    this.turnBytes += size;
    this.res.write(chunk);
  }

  private disconnectSlow(): void {
    const reason = `the client read too slowly: more than ${this.opts.maxBufferedBytes} bytes of events were waiting for it`;
    // The stream ends with the connection (not kept alive for another request).
    const socket = this.res.socket;
    this.res.end(`event: disconnect\ndata: ${JSON.stringify({ reason: 'slow-consumer', message: reason })}\n\n`, () => socket?.end());
    this.finish('slow');
    // A client that does not read will not take the final event either: free its buffers after a grace period.
    this.graceTimer = setTimeout(() => socket?.destroy(), this.opts.closeGraceMs ?? 2000);
    this.graceTimer.unref();
    socket?.once('close', () => clearTimeout(this.graceTimer));
  }

  private finish(reason: 'client' | 'slow' | 'server'): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    this.opts.onClose(reason);
  }
}
