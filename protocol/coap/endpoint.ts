import { EventEmitter } from 'node:events';
import { bindUdpSocket } from '../udp-socket.ts';
import { EndpointCore } from './endpoint-core.ts';
import { type CoapEndpointOptions, type EndpointStats, type NotifyOptions, type NotifyResult, resolveEndpointOptions } from './endpoint-options.ts';
import type { RequestHandler } from './server-exchange.ts';
import type { DatagramTransport } from './transport.ts';
import type { IncomingResponse, ObservationHandle, OutgoingRequest, OutgoingResponse, Peer, RequestOptions } from './types.ts';

export type { CoapEndpointOptions, EndpointStats, NotifyOptions, NotifyResult, RequestHandler };

/**
 * A CoAP endpoint (RFC 7252) on one UDP socket that plays both roles: it serves incoming requests (`onRequest`) and
 * sends requests, observations and notifications from the same port — a device behind NAT only accepts traffic
 * from the address it registered to.
 *
 * - Reliability (§4): CON retransmission with exponential back-off, piggybacked and separate responses, RST,
 *   per-request deadlines (`COAP_TIMEOUT`), deduplication of received messages for EXCHANGE_LIFETIME (§4.5).
 * - Block-wise transfer (RFC 7959) in both roles, transparent to handlers and callers.
 * - Observe (RFC 7641): `observe()` in the client role, `notify()` in the server (device) role.
 * - Bounded state: at most `maxInFlight` exchanges (`COAP_OVERLOAD` beyond), size-capped caches evicting oldest first.
 *
 * Events: `'warning'` (err) for non-fatal problems such as malformed datagrams or throwing handlers — also emitted
 * as `'error'` when, and only when, an `'error'` listener is attached, so a missing listener never crashes;
 * `'observationCancelled'` (peer, token) when an observer of this endpoint left by RST or did not ACK a notification;
 * `'unmatchedResponse'` (peer, token, observe) after a response no exchange or observation waits for was answered
 * with RST — with `observe` true it is a notification of an observation this endpoint no longer holds (RFC 7641 §3.6).
 */
export class CoapEndpoint extends EventEmitter {
  readonly localAddress: Peer;
  private readonly core: EndpointCore;

  private constructor(socket: DatagramTransport, opts: ReturnType<typeof resolveEndpointOptions>) {
    super();
    const addr = socket.address();
    this.localAddress = Object.freeze({ address: addr.address, port: addr.port });
    this.core = new EndpointCore(socket, opts, {
      warning: (err) => {
        this.emit('warning', err);
        if (this.listenerCount('error') > 0) this.emit('error', err);
      },
      observationCancelled: (peer, token) => this.emit('observationCancelled', peer, token),
      unmatchedResponse: (peer, token, observe) => this.emit('unmatchedResponse', peer, token, observe),
    });
  }

  /** Binds a UDP socket (default 127.0.0.1, any free port) and returns the endpoint serving it. */
  static override async bind(opts?: CoapEndpointOptions): Promise<CoapEndpoint> {
    const o = resolveEndpointOptions(opts);
    const socket = await bindUdpSocket(o.address, o.port, o.socketBufferBytes);
    return new CoapEndpoint(socket, o);
  }

  /**
   * An endpoint over another datagram transport, e.g. a `DtlsSocket` for coaps:// (RFC 7252 §9.1): received
   * requests carry the peer's authenticated identity in `req.peer.identity`. `port`, `address` and
   * `socketBufferBytes` belong to the transport and are ignored here; closing the endpoint closes the transport.
   */
  static over(transport: DatagramTransport, opts?: CoapEndpointOptions): CoapEndpoint {
    return new CoapEndpoint(transport, resolveEndpointOptions(opts));
  }

  /** Server role: the handler for every incoming request (Block1 already reassembled). A throw becomes 5.00. */
  onRequest(handler: RequestHandler): void {
    this.core.handler = handler;
  }

  /**
   * Client role: sends a request and resolves with its response (Block2 already reassembled). Rejects with
   * `ProtocolError` `COAP_TIMEOUT`, `COAP_RESET`, `COAP_OVERLOAD`, `COAP_BLOCK`, `COAP_CLOSED`,
   * `COAP_UNKNOWN_CRITICAL_OPTION` or `COAP_OPTION_INVALID`. An error response (4.xx/5.xx) resolves.
   */
  request(peer: Peer, req: OutgoingRequest, opts?: RequestOptions): Promise<IncomingResponse> {
    return this.core.request(peer, req, opts);
  }

  /**
   * Client role (RFC 7641 §3): registers an observation (GET or FETCH per `req.method`, Observe=0 set here).
   * Notifications go to `onNotify` in arrival order, unfiltered (use `isNewerNotification` for freshness); an error
   * notification, or one without Observe, is delivered and ends the observation. A notification with Block2 is
   * delivered once its remaining blocks are fetched. Rejects with `COAP_OBSERVATION_LIMIT` while `maxObservations`
   * observations are held, besides the errors of `request`.
   */
  observe(peer: Peer, req: OutgoingRequest, onNotify: (n: IncomingResponse) => void, opts?: RequestOptions): Promise<ObservationHandle> {
    return this.core.observe(peer, req, onNotify, opts);
  }

  /**
   * Server (device) role (RFC 7641 §4.2): sends a notification for an observation accepted on `token` — a 2.xx
   * response to a GET/FETCH with Observe=0 registers it, and Observe is added to that first response. The Observe
   * value is `res.observe` or the token's next 24-bit sequence number. CON by default: resolves 'acked', 'reset'
   * (the observer cancelled) or 'timeout'; NON resolves 'sent', and an RST to it makes the next `notify()` for the
   * token resolve 'reset' without sending.
   */
  notify(peer: Peer, token: Buffer, res: OutgoingResponse, opts?: NotifyOptions): Promise<NotifyResult> {
    return this.core.notify(peer, token, res, opts);
  }

  /** Closes the socket; pending requests and notifications reject with `COAP_CLOSED`. */
  close(): Promise<void> {
    return this.core.close();
  }

  stats(): EndpointStats {
    return this.core.stats();
  }
}
