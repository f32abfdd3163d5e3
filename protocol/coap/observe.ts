import { OBSERVE_FRESHNESS_MS, OBSERVE_SEQ_HALF } from './constants.ts';
import type { ExchangeRequest } from './exchange-request.ts';
import type { Shared } from '../shared-values.ts';
import { tokenFromKey } from './token.ts';
import type { IncomingResponse, ObservationControl, Peer, RequestOptions } from './types.ts';

/** An Observe sequence number and when (ms, any clock shared by both arguments) its notification arrived. */
export interface NotificationStamp {
  seq: number;
  receivedAt: number;
}

/**
 * RFC 7641 §3.4: whether notification `next` is newer than `prev`: its 24-bit number rose by less than 2^23, fell by
 * more than 2^23 (wrapped), or it arrived more than 128 s after `prev`.
 */
export function isNewerNotification(prev: NotificationStamp, next: NotificationStamp): boolean {
  const v1 = prev.seq;
  const v2 = next.seq;
  return (v1 < v2 && v2 - v1 < OBSERVE_SEQ_HALF) || (v1 > v2 && v1 - v2 > OBSERVE_SEQ_HALF) || next.receivedAt > prev.receivedAt + OBSERVE_FRESHNESS_MS;
}

/** What the client role's observations need from the table holding them. */
export interface ObservationOwner {
  cancel(obs: ClientObservation, opts: RequestOptions | undefined): Promise<IncomingResponse | undefined>;
  end(obs: ClientObservation): void;
}

/**
 * An observation the client role holds (RFC 7641 §3): notifications from `peer` with `token` go to `onNotify` in
 * arrival order, unfiltered (the caller judges freshness with `isNewerNotification`). Compact, as a server holds one
 * per observed object of every device: the peer and the registration request are shared with every other observation
 * of the same peer or the same request (`SharedValues`), the token is kept as its map key only, and `onNotify` can be
 * one function for all observations (it receives the token in each notification).
 */
export class ClientObservation implements ObservationControl {
  active = true;

  constructor(
    private readonly owner: ObservationOwner,
    /** The peer, shared by every observation of it; its key is the peer key. */
    readonly target: Shared<Peer>,
    readonly tokenKey: string,
    /** The registration request (Observe=0), for the active cancel and for fetching the rest of a large notification. */
    readonly registration: Shared<ExchangeRequest>,
    readonly onNotify: (n: IncomingResponse) => void,
  ) {}

  get peer(): Peer {
    return this.target.value;
  }

  get peerKey(): string {
    return this.target.key;
  }

  get token(): Buffer {
    return tokenFromKey(this.tokenKey);
  }

  get request(): ExchangeRequest {
    return this.registration.value;
  }

  cancel(opts?: RequestOptions): Promise<IncomingResponse | undefined> {
    return this.owner.cancel(this, opts);
  }

  forget(): void {
    this.owner.end(this);
  }
}
