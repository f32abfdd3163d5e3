import { ProtocolError } from '../errors.ts';
import { isSuccess } from './constants.ts';
import { SharedValues } from '../shared-values.ts';
import { type ExchangeRequest, exchangeRequestKey, toExchangeRequest, withObserve } from './exchange-request.ts';
import { checkPeer, copyPeer, toIncomingResponse } from './message-builder.ts';
import { ClientObservation, type ObservationOwner } from './observe.ts';
import { getBlock2, getObserve } from './options.ts';
import { randomToken, tokenKey } from './token.ts';
import type { PeerIdentity } from '../dtls/identity.ts';
import type { BlockValue, CoapMessage, IncomingResponse, ObservationHandle, OutgoingRequest, Peer, RequestOptions } from './types.ts';

/** The endpoint services the client side of Observe needs. */
export interface ObserverHost {
  /** Runs a client exchange; `obs` marks an observe registration. */
  startExchange(peer: Peer, req: ExchangeRequest, token: Buffer | undefined, opts: RequestOptions | undefined, obs: ClientObservation | undefined): Promise<IncomingResponse>;
  /** True while a pending request uses the token. */
  isTokenPending(key: string): boolean;
  /** Fetches the blocks after `first` (Block2 M=1) and calls `done` with the whole response (RFC 7959 §2.6). */
  fetchRemainingBlocks(obs: ClientObservation, first: CoapMessage, block: BlockValue, done: (res: IncomingResponse) => void): void;
  warn(err: unknown): void;
}

/**
 * The client role of RFC 7641: the observations this endpoint holds, by token. Notifications are delivered in arrival
 * order and unfiltered; the caller judges freshness (`isNewerNotification`). The observations of one peer share its
 * peer record and key, and observations made with the same request (the same object observed on many devices) share
 * that request, for as long as one of them is active.
 */
export class ClientObservations implements ObservationOwner {
  private readonly byToken = new Map<string, ClientObservation>();
  private readonly peers = new SharedValues<Peer>();
  private readonly requests = new SharedValues<ExchangeRequest>();

  constructor(
    private readonly host: ObserverHost,
    private readonly maxObservations: number,
  ) {}

  get size(): number {
    return this.byToken.size;
  }

  /** The active observation for a token from `peerKey`, if any (RFC 7252 §5.3.2: token and endpoint must match). */
  find(key: string, peerKey: string): ClientObservation | undefined {
    const obs = this.byToken.get(key);
    return obs !== undefined && obs.peerKey === peerKey ? obs : undefined;
  }

  /** Distinct peers and registration requests the active observations share (for tests and metrics). */
  get shared(): { peers: number; requests: number } {
    return { peers: this.peers.size, requests: this.requests.size };
  }

  /**
   * RFC 7641 §3.1: register with GET/FETCH + Observe=0; the exchange calls `accepted` on a 2.xx with Observe.
   * `onNotify` may serve many observations: each notification carries its observation's token.
   */
  async observe(peer: Peer, req: OutgoingRequest, onNotify: (n: IncomingResponse) => void, opts?: RequestOptions): Promise<ObservationHandle> {
    checkPeer(peer);
    if (typeof onNotify !== 'function') throw new ProtocolError('COAP_OPTION_INVALID', 'onNotify must be a function');
    if (this.byToken.size >= this.maxObservations) {
      throw new ProtocolError('COAP_OBSERVATION_LIMIT', `${this.byToken.size} observations held (maxObservations ${this.maxObservations})`);
    }
    const exReq = withObserve(toExchangeRequest(req), 0);
    let token = req.token ?? randomToken();
    while (req.token === undefined && (this.byToken.has(tokenKey(token)) || this.host.isTokenPending(tokenKey(token)))) token = randomToken();
    const target = this.peers.acquire(peer.address + ':' + peer.port, () => copyPeer(peer));
    const obs = new ClientObservation(this, target, tokenKey(token), this.requests.acquire(exchangeRequestKey(exReq), () => exReq), onNotify);
    let first: IncomingResponse;
    try {
      first = await this.host.startExchange(target.value, obs.request, token, opts, obs);
    } catch (err) {
      this.retire(obs);
      throw err;
    }
    if (this.byToken.get(obs.tokenKey) !== obs) this.retire(obs); // a 2.xx without Observe, or an error: no observation
    return {
      token,
      first,
      observation: obs,
      cancel: () => this.cancel(obs, opts),
      forget: () => this.end(obs),
    };
  }

  /** The registration was accepted: notifications for its token flow from now on. */
  accepted(obs: ClientObservation): void {
    if (!obs.active) return;
    const replaced = this.byToken.get(obs.tokenKey); // a re-registration on the same token replaces the old one
    if (replaced !== undefined && replaced !== obs) this.retire(replaced);
    this.byToken.set(obs.tokenKey, obs);
  }

  /** RFC 7641 §3.6: active cancel — the registration request again with Observe=1 and the same token. */
  async cancel(obs: ClientObservation, opts: RequestOptions | undefined): Promise<IncomingResponse | undefined> {
    if (!obs.active) return undefined;
    this.end(obs);
    return this.host.startExchange(obs.peer, withObserve(obs.request, 1), obs.token, opts, undefined);
  }

  /** RFC 7641 §3.6: passive cancel — forget the token; its next notification gets an RST. */
  end(obs: ClientObservation): void {
    if (this.byToken.get(obs.tokenKey) === obs) this.byToken.delete(obs.tokenKey);
    this.retire(obs);
  }

  /** `obs` ended (cancelled, forgotten, or ended by the server): no more notifications; it no longer shares anything. */
  private retire(obs: ClientObservation): void {
    if (!obs.active) return;
    obs.active = false;
    this.peers.release(obs.target);
    this.requests.release(obs.registration);
  }

  /**
   * RFC 7641 §3.2: a notification for a known observation (already ACKed if CON). `identity` is who the secure
   * transport authenticated as its sender (DTLS); the response's peer carries it, so the receiver can check it.
   */
  deliver(obs: ClientObservation, msg: CoapMessage, identity?: PeerIdentity): void {
    const peer: Peer = identity === undefined ? obs.peer : { ...obs.peer, identity };
    // An error response, or a response without Observe, ends the observation; it is still delivered.
    if (!isSuccess(msg.code) || getObserve(msg) === undefined) this.end(obs);
    let block: BlockValue | undefined;
    try {
      block = getBlock2(msg);
    } catch {
      block = undefined;
    }
    if (block !== undefined && block.more && isSuccess(msg.code)) {
      this.host.fetchRemainingBlocks(obs, msg, block, (res) => this.call(obs, { ...res, peer }));
      return;
    }
    this.call(obs, toIncomingResponse(msg, peer, msg.payload, obs.token));
  }

  private call(obs: ClientObservation, res: IncomingResponse): void {
    try {
      obs.onNotify(res);
    } catch (err) {
      this.host.warn(err);
    }
  }

  clear(): void {
    for (const obs of this.byToken.values()) this.retire(obs);
    this.byToken.clear();
  }
}
