import { createSocket, type Socket } from 'node:dgram';
import { afterEach } from 'vitest';
import { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import type { CoapEndpointOptions } from '../../../protocol/coap/endpoint-options.ts';
import { decodeMessage, encodeMessage } from '../../../protocol/coap/message.ts';
import type { CoapMessage, Peer } from '../../../protocol/coap/types.ts';

/**
 * Test transmission parameters: an ACK timeout long enough that a loaded test machine does not retransmit by
 * accident; tests about retransmission pass a much smaller one.
 */
export const FAST = { ackTimeoutMs: 200, ackRandomFactor: 1.5, maxRetransmit: 4, requestTimeoutMs: 3000 };

/** Binds an endpoint on 127.0.0.1 with fast parameters; collects its warnings. */
export async function endpoint(opts: CoapEndpointOptions = {}): Promise<CoapEndpoint & { warnings: unknown[] }> {
  const ep = (await CoapEndpoint.bind({ ...opts, params: { ...FAST, ...opts.params } })) as CoapEndpoint & { warnings: unknown[] };
  ep.warnings = [];
  ep.on('warning', (err) => ep.warnings.push(err));
  return ep;
}

/** A plain UDP socket speaking raw datagrams, to play a misbehaving or scripted peer. */
export class RawPeer {
  private readonly queue: { buf: Buffer; from: Peer }[] = [];
  private waiters: ((d: { buf: Buffer; from: Peer }) => void)[] = [];

  private constructor(readonly socket: Socket, readonly address: Peer) {
    socket.on('message', (buf, rinfo) => {
      const d = { buf, from: { address: rinfo.address, port: rinfo.port } };
      const w = this.waiters.shift();
      if (w) w(d);
      else this.queue.push(d);
    });
  }

  static async bind(): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const a = socket.address();
    return new RawPeer(socket, { address: a.address, port: a.port });
  }

  sendRaw(buf: Buffer, to: Peer): void {
    this.socket.send(buf, to.port, to.address);
  }

  send(msg: CoapMessage, to: Peer): void {
    this.sendRaw(encodeMessage(msg), to);
  }

  /** The next datagram, or rejects after `ms`. */
  nextRaw(ms = 1000): Promise<{ buf: Buffer; from: Peer }> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no datagram within ${ms} ms`));
      }, ms);
      const waiter = (d: { buf: Buffer; from: Peer }): void => {
        clearTimeout(timer);
        resolve(d);
      };
      this.waiters.push(waiter);
    });
  }

  async next(ms = 1000): Promise<CoapMessage> {
    return decodeMessage((await this.nextRaw(ms)).buf);
  }

  /** The next message matching `pred`, skipping others (e.g. retransmissions on a loaded machine). */
  async nextWhere(pred: (m: CoapMessage) => boolean, ms = 2000): Promise<CoapMessage> {
    const end = Date.now() + ms;
    for (;;) {
      const m = await this.next(Math.max(1, end - Date.now()));
      if (pred(m)) return m;
    }
  }

  /** True when no datagram arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    try {
      await this.nextRaw(ms);
      return false;
    } catch {
      return true;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Registers an `afterEach` in the calling test file that closes every endpoint or peer handed to the returned
 * `track` during the test. `track` awaits the opening and returns what it opened.
 */
export function closeAfterEach(): <T extends { close(): Promise<void> }>(opening: Promise<T>) => Promise<T> {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((x) => x.close()));
  });
  return async (opening) => {
    const v = await opening;
    open.push(v);
    return v;
  };
}

/** The rejection reason of `p`; throws if `p` resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
