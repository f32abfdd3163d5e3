import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { findNginx, NginxUdpBalancer, type Backend } from './nginx-udp-balancer.ts';

/**
 * A UDP load balancer with the behaviour of nginx's stream proxy configured as in deploy/nginx/lwtwin-coap.conf
 * (`hash $remote_addr consistent`, a long `proxy_timeout`, no `proxy_responses` limit), for tests on machines without
 * nginx's stream module (see `startUdpBalancer`): each client source address picks a backend by a consistent hash over the live backends; a
 * session (one upstream socket per client address and port) carries datagrams both ways for as long as it is used, so
 * the server's own requests (Observe notifications' counterpart, job requests) reach the device through it; a backend
 * whose socket answers with ICMP port unreachable (its process died) is marked down and the client's sessions move to
 * the next backend on the ring with its next datagram.
 */
export class UdpBalancer {
  readonly kind = 'node-stand-in' as const;
  readonly #socket = dgram.createSocket('udp4');
  readonly #sessions = new Map<string, { upstream: dgram.Socket; backend: number; pending?: Buffer[] }>();
  readonly #down = new Set<number>();
  readonly #ring: { point: bigint; backend: number }[];

  private constructor(readonly backends: readonly { address: string; port: number }[]) {
    // 160 points per backend, like nginx's ketama-style consistent hash
    this.#ring = backends
      .flatMap((_, backend) => Array.from({ length: 160 }, (__, i) => ({ point: hash(`${backend}-${i}`), backend })))
      .sort((a, b) => (a.point < b.point ? -1 : a.point > b.point ? 1 : 0));
  }

  static async start(backends: readonly { address: string; port: number }[]): Promise<UdpBalancer> {
    const lb = new UdpBalancer(backends);
    lb.#socket.on('message', (msg, rinfo) => lb.#fromClient(msg, rinfo));
    await new Promise<void>((resolve) => lb.#socket.bind(0, '127.0.0.1', resolve));
    return lb;
  }

  get address(): { address: string; port: number } {
    return { address: '127.0.0.1', port: this.#socket.address().port };
  }

  /** The backend a client address maps to now (the first live one clockwise from its hash). */
  backendFor(clientAddress: string): number {
    const h = hash(clientAddress);
    let i = this.#ring.findIndex((p) => p.point >= h);
    if (i < 0) i = 0;
    for (let n = 0; n < this.#ring.length; n++) {
      const { backend } = this.#ring[(i + n) % this.#ring.length];
      if (!this.#down.has(backend)) return backend;
    }
    return this.#ring[i].backend;
  }

  async close(): Promise<void> {
    for (const s of this.#sessions.values()) s.upstream.close();
    this.#sessions.clear();
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #fromClient(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let session = this.#sessions.get(key);
    if (session && this.#down.has(session.backend)) {
      session.upstream.close();
      this.#sessions.delete(key);
      session = undefined;
    }
    if (!session) {
      const backend = this.backendFor(rinfo.address);
      const upstream = dgram.createSocket('udp4');
      const created: { upstream: dgram.Socket; backend: number; pending?: Buffer[] } = { upstream, backend, pending: [msg] };
      upstream.on('message', (reply) => this.#socket.send(reply, rinfo.port, rinfo.address));
      upstream.on('error', (err: NodeJS.ErrnoException) => {
        // a connected UDP socket reports the peer's ICMP port unreachable as ECONNREFUSED: the backend is gone
        if (err.code === 'ECONNREFUSED') this.#down.add(created.backend);
        if (this.#sessions.get(key) === created) this.#sessions.delete(key);
        upstream.close();
      });
      const target = this.backends[backend];
      upstream.connect(target.port, target.address, () => {
        for (const m of created.pending ?? []) upstream.send(m);
        created.pending = undefined;
      });
      this.#sessions.set(key, created);
      return;
    }
    if (session.pending) session.pending.push(msg);
    else session.upstream.send(msg);
  }
}

function hash(text: string): bigint {
  return createHash('md5').update(text).digest().readBigUInt64BE(0);
}

/** A running balancer of either kind. */
export type AnyUdpBalancer = UdpBalancer | NginxUdpBalancer;

/**
 * The deployment example's nginx in front of `backends` when nginx and its stream module are installed, else this
 * Node stand-in; `fallback` says why the stand-in was used (callers print it: a run without nginx is visible).
 */
export async function startUdpBalancer(backends: readonly Backend[], listenPort: number): Promise<{ balancer: AnyUdpBalancer; fallback?: string }> {
  const found = findNginx();
  if ('missing' in found) return { balancer: await UdpBalancer.start(backends), fallback: found.missing };
  return { balancer: await NginxUdpBalancer.start(backends, listenPort) };
}
