import { OBSERVE_FRESHNESS_MS, OBSERVE_SEQ_HALF } from './constants.ts';
import type { ExchangeRequest } from './exchange-request.ts';
import type { IncomingResponse, Peer } from './types.ts';

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

/**
 * An observation the client role holds (RFC 7641 §3): notifications from `peer` with `token` go to `onNotify` in
 * arrival order, unfiltered (the caller judges freshness with `isNewerNotification`).
 */
export class ClientObservation {
  active = true;

  constructor(
    readonly peer: Peer,
    readonly peerKey: string,
    readonly token: Buffer,
    readonly tokenKey: string,
    /** The registration request, for the active cancel and for fetching the rest of a large notification. */
    readonly request: ExchangeRequest,
    readonly onNotify: (n: IncomingResponse) => void,
  ) {}

  /** The observation ended (cancelled, forgotten, or ended by the server); no more notifications are delivered. */
  onEnded(): void {
    this.active = false;
  }
}
