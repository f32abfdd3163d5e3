/**
 * The socket an LwM2M client talks through: plain CoAP or CoAP over DTLS 1.2 (coaps, RFC 7252 §9.1) with the
 * credentials of the server it talks to. A device that bootstraps over one transport and registers over another
 * (a plain or PSK bootstrap server, then a DM server with the PSK it was given, OMA LwM2M TS Core 1.1 §6.1 and
 * TS Transport 1.1.1 §5.2) gets a fresh socket for the new credentials; the previous one stays open for a short grace
 * so that its deduplication cache still answers a retransmitted request (e.g. Bootstrap-Finish whose 2.04 was lost).
 */
import { CoapEndpoint } from '../protocol/coap/endpoint.ts';
import type { IncomingRequest, OutgoingResponse, Peer, TransmissionParameters } from '../protocol/coap/types.ts';
import type { DtlsClientCredentials } from '../protocol/dtls/client-handshaker.ts';
import type { DtlsSocketOptions } from '../protocol/dtls/dtls-options.ts';
import { DtlsSocket } from '../protocol/dtls/dtls-socket.ts';

/** How long a replaced socket keeps answering retransmissions from its cache, ms (about EXCHANGE_LIFETIME's first retries, RFC 7252 §4.8.2). */
export const RETIRED_SOCKET_GRACE_MS = 5000;

export interface ClientTransportOptions {
  /** A caller-owned endpoint: used as is whatever the credentials; never closed here. */
  readonly given?: CoapEndpoint;
  readonly bindAddress: string;
  readonly coapParams?: Partial<TransmissionParameters>;
  readonly dtlsOptions?: Omit<DtlsSocketOptions, 'client' | 'server' | 'port' | 'address'>;
  /** Radio off (asleep, rebooting): nothing leaves. */
  readonly dropOutgoing: () => boolean;
  readonly onRequest: (req: IncomingRequest) => OutgoingResponse | Promise<OutgoingResponse>;
  readonly onObservationCancelled: (peer: Peer, token: Buffer) => void;
}

export class ClientTransport {
  private current: CoapEndpoint | undefined;
  private dtls: DtlsSocket | undefined;
  /** The credentials `current` was bound with (undefined: plain CoAP). */
  private creds: DtlsClientCredentials | undefined;
  private readonly retired = new Map<CoapEndpoint, NodeJS.Timeout>();

  constructor(private readonly opts: ClientTransportOptions) {}

  get endpoint(): CoapEndpoint | undefined {
    return this.current;
  }

  /** False when the caller gave the endpoint: its transport cannot change. */
  get canSwitch(): boolean {
    return this.opts.given === undefined;
  }

  /**
   * Makes the endpoint speak `creds` (undefined: plain CoAP): keeps the current socket when it already does, else
   * binds a new one and retires the old. Rejects when binding fails.
   */
  async use(creds: DtlsClientCredentials | undefined): Promise<CoapEndpoint> {
    if (this.current && (this.opts.given !== undefined || this.creds === creds)) return this.current;
    if (this.opts.given !== undefined) return this.attach(this.opts.given);
    const endpointOptions = {
      ...(this.opts.coapParams ? { params: this.opts.coapParams } : {}),
      dropOutgoing: this.opts.dropOutgoing,
      maxObservations: 1000,
      maxDedupEntries: 1000,
      maxBlockTransfers: 4,
    };
    let ep: CoapEndpoint;
    let dtls: DtlsSocket | undefined;
    if (creds !== undefined) {
      dtls = await DtlsSocket.bind({ address: this.opts.bindAddress, port: 0, client: creds, ...(this.opts.dtlsOptions ?? {}) });
      ep = CoapEndpoint.over(dtls, endpointOptions);
    } else {
      ep = await CoapEndpoint.bind({ address: this.opts.bindAddress, port: 0, ...endpointOptions });
    }
    this.retire();
    this.dtls = dtls;
    this.creds = creds;
    return this.attach(ep);
  }

  /**
   * Over DTLS, runs the handshake with `peer` (or reuses the session) before a request, so wrong credentials fail at
   * once with the peer's alert instead of as a CoAP timeout. Resolves with the reason on failure, else undefined.
   */
  async handshake(peer: Peer): Promise<string | undefined> {
    if (this.dtls === undefined) return undefined;
    try {
      await this.dtls.connect(peer);
      return undefined;
    } catch (err) {
      return `DTLS handshake failed: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** Closes the client's own sockets (stop, reboot); a given endpoint stays open but is detached. */
  async release(): Promise<void> {
    const ep = this.current;
    this.current = undefined;
    this.dtls = undefined;
    this.creds = undefined;
    const closing = [...this.retired.keys()].map((old) => this.closeRetired(old));
    if (ep && this.opts.given === undefined) closing.push(ep.close().catch(() => undefined));
    await Promise.all(closing);
  }

  private attach(ep: CoapEndpoint): CoapEndpoint {
    ep.onRequest(this.opts.onRequest);
    ep.on('observationCancelled', this.opts.onObservationCancelled);
    this.current = ep;
    return ep;
  }

  private retire(): void {
    const old = this.current;
    if (!old) return;
    old.off('observationCancelled', this.opts.onObservationCancelled);
    // Retransmissions are answered from the deduplication cache before this handler runs; anything new is refused.
    old.onRequest(() => ({ code: '4.01', payload: Buffer.from('this device no longer listens on this socket') }));
    const timer = setTimeout(() => void this.closeRetired(old), RETIRED_SOCKET_GRACE_MS);
    timer.unref();
    this.retired.set(old, timer);
  }

  private async closeRetired(old: CoapEndpoint): Promise<void> {
    clearTimeout(this.retired.get(old));
    this.retired.delete(old);
    await old.close().catch(() => undefined);
  }
}
