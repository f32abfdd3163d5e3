import { createSocket, type Socket } from 'node:dgram';

/**
 * A UDP relay between one client and one server, for tests that need to see, hold back, replay or re-address
 * datagrams on the wire: the client talks to `port`; the server sees the relay's upstream socket as the client.
 */
export class UdpProxy {
  /** Datagrams the client sent, in order. */
  readonly fromClient: Buffer[] = [];
  /** Return false to hold a client datagram back (it is still recorded in `fromClient`). */
  forwardToServer: (d: Buffer, index: number) => boolean = () => true;
  private clientPeer: { address: string; port: number } | undefined;

  private constructor(
    private readonly front: Socket,
    private upstream: Socket,
    private readonly server: { address: string; port: number },
  ) {
    front.on('message', (d, r) => {
      this.clientPeer = { address: r.address, port: r.port };
      const i = this.fromClient.push(d) - 1;
      if (this.forwardToServer(d, i)) this.toServer(d);
    });
    this.listenUpstream(upstream);
  }

  static async start(server: { address: string; port: number }): Promise<UdpProxy> {
    const front = await bound();
    return new UdpProxy(front, await bound(), server);
  }

  get port(): number {
    return this.front.address().port;
  }

  get upstreamPort(): number {
    return this.upstream.address().port;
  }

  private listenUpstream(s: Socket): void {
    s.on('message', (d) => {
      if (this.clientPeer !== undefined) this.front.send(d, this.clientPeer.port, this.clientPeer.address);
    });
  }

  /** Sends a datagram to the server from the current upstream address (a replay, or a held-back one). */
  toServer(d: Buffer): void {
    this.upstream.send(d, this.server.port, this.server.address);
  }

  /** The client's NAT mapping changes: from now on the server sees another source port. */
  async rebind(): Promise<void> {
    const old = this.upstream;
    this.upstream = await bound();
    this.listenUpstream(this.upstream);
    old.close();
  }

  close(): void {
    this.front.close();
    this.upstream.close();
  }
}

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s;
}
