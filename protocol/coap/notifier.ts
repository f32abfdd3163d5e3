import { ProtocolError } from '../errors.ts';
import type { Block2Cache } from './block-transfer.ts';
import { sliceBlock } from './block-transfer.ts';
import { OptionNumber } from './constants.ts';
import type { NotifyOptions, NotifyResult } from './endpoint-options.ts';
import { ExpiringMap, type Expiring } from './expiring-map.ts';
import { EMPTY_BUFFER } from './message.ts';
import { checkPeer, copyPeer, responseCode, responseOptions } from './message-builder.ts';
import { blockOption, insertOption, uintOption } from './options.ts';
import { ServerObservationRegistry } from './server-observations.ts';
import { monotonicNow } from './timer-wheel.ts';
import { tokenKey } from './token.ts';
import type { ConTransmission, TransmissionOwner } from './transmission.ts';
import { CoapType } from './types.ts';
import type { CoapMessage, OutgoingResponse, Peer, TransmissionParameters } from './types.ts';

/** The endpoint services notifications need. */
export interface NotifierHost {
  readonly params: TransmissionParameters;
  readonly blockSize: number;
  readonly block2: Block2Cache;
  readonly serverObservations: ServerObservationRegistry;
  readonly isClosed: boolean;
  /** Null when another confirmable exchange fits under `maxInFlight`, else the overload error. */
  overload(): ProtocolError | null;
  nextMessageId(peerKey: string): number;
  send(msg: CoapMessage, peer: Peer): Buffer | undefined;
  /** Retransmits a CON until ACK, RST or give-up, reporting to `owner`; counted in the in-flight bound. */
  track(owner: TransmissionOwner, peer: Peer, peerKey: string, msg: CoapMessage, datagram: Buffer): ConTransmission;
  observationCancelled(peer: Peer, token: Buffer): void;
}

interface RecentNotification extends Expiring {
  observationKey: string;
}

/** Owner of a CON notification: settles `notify()`'s promise (RFC 7641 §4.5). */
export class NotifyOwner implements TransmissionOwner {
  constructor(
    private readonly notifier: Notifier,
    private readonly observationKey: string,
    private readonly resolve: (r: NotifyResult) => void,
    readonly reject: (err: ProtocolError) => void,
  ) {}

  onAck(): void {
    this.resolve('acked');
  }

  onReset(t: ConTransmission): void {
    this.notifier.observerLeft(this.observationKey, t.peer, t.message.token, false);
    this.resolve('reset');
  }

  onGiveUp(t: ConTransmission): void {
    // RFC 7641 §4.5: a CON notification that times out removes the observer.
    this.notifier.observerLeft(this.observationKey, t.peer, t.message.token, false);
    this.resolve('timeout');
  }
}

function peerKeyOf(peer: Peer): string {
  return peer.address + ':' + peer.port;
}

/**
 * The server (device) role of RFC 7641 §4: sends notifications for observations this endpoint accepted, with a
 * per-token rising 24-bit Observe number, and learns from RSTs (and CON timeouts) that an observer left.
 */
export class Notifier {
  /** NON notifications recently sent, by `peerKey#messageId`, so an RST to one cancels the observation. */
  private readonly recent: ExpiringMap<string, RecentNotification>;

  constructor(
    private readonly host: NotifierHost,
    maxRecent: number,
  ) {
    this.recent = new ExpiringMap(maxRecent);
  }

  notify(peer: Peer, token: Buffer, res: OutgoingResponse, opts?: NotifyOptions): Promise<NotifyResult> {
    const host = this.host;
    if (host.isClosed) return Promise.reject(new ProtocolError('COAP_CLOSED', 'endpoint is closed'));
    const confirmable = opts?.confirmable ?? true;
    let code: number;
    let options;
    let payload: Buffer;
    try {
      checkPeer(peer);
      if (!Buffer.isBuffer(token) || token.length > 8) throw new ProtocolError('COAP_OPTION_INVALID', 'token must be a Buffer of at most 8 bytes');
      code = responseCode(res);
      options = responseOptions(res);
      payload = res.payload ?? EMPTY_BUFFER;
    } catch (err) {
      return Promise.reject(err);
    }
    const overload = confirmable ? host.overload() : null;
    if (overload !== null) return Promise.reject(overload);

    const now = monotonicNow();
    const pk = peerKeyOf(peer);
    const key = ServerObservationRegistry.key(pk, tokenKey(token));
    let obs = host.serverObservations.get(key);
    if (obs?.cancelled) {
      host.serverObservations.remove(key); // the observer answered an earlier NON notification with RST
      return Promise.resolve('reset');
    }
    obs ??= host.serverObservations.register(key, copyPeer(peer), token, undefined, now);

    const slice = payload.length > host.blockSize ? sliceBlock(payload, 0, host.blockSize) : undefined;
    if (slice !== undefined && obs.requestKey !== undefined) host.block2.put(obs.requestKey, code, options.slice(), payload, now);
    insertOption(options, uintOption(OptionNumber.OBSERVE, ServerObservationRegistry.nextSeq(obs, res.observe)));
    if (slice !== undefined) {
      // RFC 7959 §2.6: the first block goes in the notification; the observer GETs the rest.
      insertOption(options, blockOption(OptionNumber.BLOCK2, { num: 0, more: slice.more, size: host.blockSize }));
      insertOption(options, uintOption(OptionNumber.SIZE2, payload.length));
      payload = slice.payload;
    }
    const msg: CoapMessage = { type: confirmable ? CoapType.CON : CoapType.NON, code, messageId: host.nextMessageId(pk), token: obs.token, options, payload };
    const datagram = host.send(msg, obs.peer);
    if (datagram === undefined) return Promise.reject(new ProtocolError('COAP_MALFORMED', 'notification could not be encoded'));
    if (!confirmable) {
      this.recent.set(pk + '#' + msg.messageId, { observationKey: key, expiresAt: now + host.params.exchangeLifetimeMs }, now);
      return Promise.resolve('sent');
    }
    const peerOfObs = obs.peer;
    return new Promise<NotifyResult>((resolve, reject) => {
      host.track(new NotifyOwner(this, key, resolve, reject), peerOfObs, pk, msg, datagram);
    });
  }

  /** An RST that matched no pending CON: if it answers a recent NON notification, that observer left (RFC 7641 §3.6). */
  onReset(midKey: string): void {
    const recent = this.recent.get(midKey, monotonicNow());
    if (recent === undefined) return;
    this.recent.delete(midKey);
    const obs = this.host.serverObservations.get(recent.observationKey);
    if (obs !== undefined) this.observerLeft(recent.observationKey, obs.peer, obs.token, true);
  }

  /** An observer left by RST or timeout. `deferred`: keep the record so the next `notify()` reports 'reset'. */
  observerLeft(key: string, peer: Peer, token: Buffer, deferred: boolean): void {
    const obs = this.host.serverObservations.get(key);
    if (obs === undefined) return;
    if (deferred) obs.cancelled = true;
    else this.host.serverObservations.remove(key);
    this.host.observationCancelled(copyPeer(peer), Buffer.from(token));
  }

  clear(): void {
    this.recent.clear();
  }
}
