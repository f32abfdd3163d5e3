import { ProtocolError } from '../errors.ts';
import { Block1Reassembler, Block2Cache } from './block-transfer.ts';
import { ClientExchange, type ClientHost } from './client-exchange.ts';
import { ClientObservations, type ObserverHost } from './client-observations.ts';
import { Code, isRequestCode, isResponseCode } from './constants.ts';
import { DedupCache } from './dedup-cache.ts';
import type { EndpointStats, NotifyOptions, NotifyResult, ResolvedEndpointOptions } from './endpoint-options.ts';
import { type ExchangeRequest, toExchangeRequest } from './exchange-request.ts';
import { decodeMessage, encodeEmpty, encodeMessage, peekHeader } from './message.ts';
import { MessageIdAllocator } from './message-id.ts';
import { checkPeer, copyPeer } from './message-builder.ts';
import { Notifier, type NotifierHost, NotifyOwner } from './notifier.ts';
import type { ClientObservation } from './observe.ts';
import { getObserve, unknownCriticalOption } from './options.ts';
import { type RequestHandler, type ServerHost, ServerExchange } from './server-exchange.ts';
import { ServerObservationRegistry } from './server-observations.ts';
import { monotonicNow, sharedTimerWheel } from './timer-wheel.ts';
import { randomToken, tokenKey } from './token.ts';
import { ConTransmission, type TransmissionHost, type TransmissionOwner } from './transmission.ts';
import type { DatagramTransport, TransportRemoteInfo as RemoteInfo } from './transport.ts';
import { CoapType } from './types.ts';
import type { BlockValue, CoapMessage, IncomingResponse, ObservationHandle, OutgoingRequest, OutgoingResponse, Peer, RequestOptions } from './types.ts';

/** How the core reports to its facade. */
export interface CoreEvents {
  warning(err: unknown): void;
  observationCancelled(peer: Peer, token: Buffer): void;
  /** A response (typically a notification, when it carries Observe) that no exchange or observation waits for. */
  unmatchedResponse(peer: Peer, token: Buffer, observe: boolean): void;
}

/** Owner of a separate CON response: nothing waits on it (RFC 7252 §5.2.2). */
const SEPARATE_RESPONSE_OWNER: TransmissionOwner = { onAck() {}, onReset() {}, onGiveUp() {} };

function peerKeyOf(address: string, port: number): string {
  return address + ':' + port;
}

/**
 * The state and datagram dispatch of one `CoapEndpoint`: one datagram transport (a UDP socket, or DTLS) serving both
 * roles (RFC 7252 §4, §5).
 * Every map is bounded: pending exchanges by `maxInFlight`, deduplication records, block-wise state and
 * observations by size caps with oldest-first eviction.
 */
export class EndpointCore implements ClientHost, ServerHost, TransmissionHost, ObserverHost, NotifierHost {
  readonly wheel = sharedTimerWheel;
  readonly params;
  readonly blockSize: number;
  readonly maxBlockBodyBytes: number;
  readonly separateResponseDelayMs: number;
  readonly block1: Block1Reassembler;
  readonly block2: Block2Cache;
  readonly serverObservations: ServerObservationRegistry;
  handler: RequestHandler | undefined;

  private closed = false;
  private readonly mids = new MessageIdAllocator();
  private readonly dedup: DedupCache;
  /** Confirmable messages awaiting ACK/RST, by `peerKey#messageId`. */
  private readonly byMid = new Map<string, ConTransmission>();
  /** Pending client exchanges by the token of the message in flight. */
  private readonly byToken = new Map<string, ClientExchange>();
  private readonly observations: ClientObservations;
  private readonly notifier: Notifier;
  /** Server-role CON transmissions (notifications, separate responses), counted against `maxInFlight`. */
  private countedTransmissions = 0;
  private readonly counters = { received: 0, sent: 0, retransmissions: 0, malformed: 0 };

  constructor(
    private readonly socket: DatagramTransport,
    private readonly opts: Readonly<ResolvedEndpointOptions>,
    private readonly events: CoreEvents,
  ) {
    this.params = opts.params;
    this.blockSize = opts.blockSize;
    this.maxBlockBodyBytes = opts.maxBlockBodyBytes;
    this.separateResponseDelayMs = opts.separateResponseDelayMs;
    const limits = {
      maxBodyBytes: opts.maxBlockBodyBytes,
      maxEntries: opts.maxBlockTransfers,
      maxTotalBytes: opts.maxBlockStoreBytes,
      lifetimeMs: opts.blockStateLifetimeMs,
    };
    this.block1 = new Block1Reassembler(limits);
    this.block2 = new Block2Cache(limits);
    this.serverObservations = new ServerObservationRegistry(opts.maxObservations);
    this.dedup = new DedupCache(opts.maxDedupEntries, opts.params.exchangeLifetimeMs);
    this.observations = new ClientObservations(this, opts.maxObservations);
    this.notifier = new Notifier(this, Math.min(opts.maxObservations, 16_384));
    socket.on('message', this.onDatagram);
    socket.on('error', (err) => this.warn(err));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get inFlight(): number {
    return this.byToken.size + this.countedTransmissions;
  }

  overload(): ProtocolError | null {
    if (this.inFlight < this.opts.maxInFlight) return null;
    return new ProtocolError('COAP_OVERLOAD', `${this.inFlight} exchanges in flight (maxInFlight ${this.opts.maxInFlight})`);
  }

  stats(): EndpointStats {
    this.dedup.prune(monotonicNow());
    return { inFlight: this.inFlight, dedupEntries: this.dedup.size, observations: this.observations.size, observationShared: this.observations.shared, ...this.counters };
  }

  warn(err: unknown): void {
    try {
      this.events.warning(err);
    } catch {
      // a throwing listener must not break datagram handling
    }
  }

  observationCancelled(peer: Peer, token: Buffer): void {
    try {
      this.events.observationCancelled(peer, token);
    } catch (err) {
      this.warn(err);
    }
  }

  // --- sending -----------------------------------------------------------------------------------------------

  nextMessageId(peerKey: string): number {
    return this.mids.allocate(peerKey);
  }

  send(msg: CoapMessage, peer: Peer): Buffer | undefined {
    let datagram: Buffer;
    try {
      datagram = encodeMessage(msg);
    } catch (err) {
      this.warn(err);
      return undefined;
    }
    this.sendDatagram(datagram, peer, msg);
    return datagram;
  }

  private sendDatagram(datagram: Buffer, peer: Peer, msg?: CoapMessage): void {
    if (this.closed) return;
    const drop = this.opts.dropOutgoing;
    if (drop !== undefined) {
      try {
        if (drop(msg ?? decodeMessage(datagram), peer)) return;
      } catch (err) {
        this.warn(err);
      }
    }
    this.counters.sent++;
    try {
      this.socket.send(datagram, peer.port, peer.address, this.onSent);
    } catch (err) {
      this.warn(err); // e.g. a bad port; address errors arrive through onSent
    }
  }

  private readonly onSent = (err: Error | null): void => {
    if (err) this.warn(err);
  };

  private sendEmpty(type: CoapType, messageId: number, address: string, port: number): Buffer {
    const datagram = encodeEmpty(type, messageId);
    this.sendDatagram(datagram, { address, port });
    return datagram;
  }

  retransmit(t: ConTransmission): void {
    this.counters.retransmissions++;
    this.sendDatagram(t.datagram, t.peer, t.message);
  }

  release(t: ConTransmission): void {
    if (this.byMid.get(t.key) === t) this.byMid.delete(t.key);
    if (t.counted) this.countedTransmissions--;
  }

  /** Registers a sent CON for ACK/RST matching and retransmission. */
  private startTransmission(owner: TransmissionOwner, peer: Peer, peerKey: string, msg: CoapMessage, datagram: Buffer, counted: boolean): ConTransmission {
    const t = new ConTransmission(this, owner, peer, peerKey + '#' + msg.messageId, msg, datagram, counted);
    if (counted) this.countedTransmissions++;
    this.byMid.get(t.key)?.cancel(); // a stale transmission under a reused id
    this.byMid.set(t.key, t);
    t.start(monotonicNow());
    return t;
  }

  track(owner: TransmissionOwner, peer: Peer, peerKey: string, msg: CoapMessage, datagram: Buffer): ConTransmission {
    return this.startTransmission(owner, peer, peerKey, msg, datagram, true);
  }

  sendSeparate(msg: CoapMessage, peer: Peer, peerKey: string): void {
    const datagram = this.send(msg, peer);
    if (datagram === undefined) return;
    // Beyond the in-flight bound the response is still sent, just not retransmitted.
    if (this.inFlight < this.opts.maxInFlight) this.startTransmission(SEPARATE_RESPONSE_OWNER, peer, peerKey, msg, datagram, true);
  }

  // --- client role -------------------------------------------------------------------------------------------

  sendExchangeMessage(ex: ClientExchange, msg: CoapMessage): ConTransmission | undefined {
    const datagram = this.send(msg, ex.peer);
    if (datagram === undefined) {
      ex.fail(new ProtocolError('COAP_MALFORMED', 'request could not be encoded'));
      return undefined;
    }
    return msg.type === CoapType.CON ? this.startTransmission(ex, ex.peer, ex.peerKey, msg, datagram, false) : undefined;
  }

  rebindToken(ex: ClientExchange, token: Buffer): void {
    if (ex.tokenKey !== '' && this.byToken.get(ex.tokenKey) === ex) this.byToken.delete(ex.tokenKey);
    let key = tokenKey(token);
    while (this.byToken.has(key)) {
      token = randomToken();
      key = tokenKey(token);
    }
    ex.token = token;
    ex.tokenKey = key;
    this.byToken.set(key, ex);
  }

  isTokenPending(key: string): boolean {
    return this.byToken.has(key);
  }

  exchangeSettled(ex: ClientExchange, succeeded: boolean): void {
    if (this.byToken.get(ex.tokenKey) === ex) this.byToken.delete(ex.tokenKey);
    if (ex.observation !== undefined && ex.observing && !succeeded) this.observations.end(ex.observation);
  }

  observationAccepted(ex: ClientExchange): void {
    if (ex.observation !== undefined) this.observations.accepted(ex.observation);
  }

  request(peer: Peer, req: OutgoingRequest, opts?: RequestOptions): Promise<IncomingResponse> {
    let exReq: ExchangeRequest;
    try {
      checkPeer(peer);
      exReq = toExchangeRequest(req);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.startExchange(peer, exReq, req.token, opts, undefined);
  }

  startExchange(peer: Peer, exReq: ExchangeRequest, token: Buffer | undefined, opts: RequestOptions | undefined, obs: ClientObservation | undefined): Promise<IncomingResponse> {
    if (this.closed) return Promise.reject(new ProtocolError('COAP_CLOSED', 'endpoint is closed'));
    const overload = this.overload();
    if (overload !== null) return Promise.reject(overload);
    if (token !== undefined && this.byToken.has(tokenKey(token))) {
      return Promise.reject(new ProtocolError('COAP_OPTION_INVALID', 'token is in use by a pending request'));
    }
    const timeoutMs = opts?.timeoutMs ?? this.params.requestTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new ProtocolError('COAP_OPTION_INVALID', `timeoutMs ${String(timeoutMs)} must be positive`));
    }
    const first = token ?? randomToken();
    const target = copyPeer(peer);
    return new Promise<IncomingResponse>((resolve, reject) => {
      const ex = new ClientExchange(this, target, peerKeyOf(target.address, target.port), exReq, first, resolve, reject, obs);
      this.rebindToken(ex, first);
      ex.start(monotonicNow(), timeoutMs);
    });
  }

  observe(peer: Peer, req: OutgoingRequest, onNotify: (n: IncomingResponse) => void, opts?: RequestOptions): Promise<ObservationHandle> {
    return this.observations.observe(peer, req, onNotify, opts);
  }

  fetchRemainingBlocks(obs: ClientObservation, first: CoapMessage, block: BlockValue, done: (res: IncomingResponse) => void): void {
    const overload = this.overload();
    if (overload !== null) {
      this.warn(new ProtocolError('COAP_OVERLOAD', `notification dropped: no room to fetch its remaining blocks (${overload.message})`));
      return;
    }
    const ex = new ClientExchange(this, obs.peer, obs.peerKey, { ...obs.request, confirmable: true }, obs.token, done, (err) => this.warn(err), undefined);
    ex.startContinuation(monotonicNow(), this.params.requestTimeoutMs, first, block);
  }

  // --- server role: notifications ----------------------------------------------------------------------------

  notify(peer: Peer, token: Buffer, res: OutgoingResponse, opts?: NotifyOptions): Promise<NotifyResult> {
    return this.notifier.notify(peer, token, res, opts);
  }

  // --- receiving ---------------------------------------------------------------------------------------------

  private readonly onDatagram = (datagram: Buffer, rinfo: RemoteInfo): void => {
    this.counters.received++;
    if (this.closed) return;
    let msg: CoapMessage;
    try {
      msg = decodeMessage(datagram);
    } catch (err) {
      this.rejectMalformed(datagram, rinfo, err);
      return;
    }
    try {
      this.dispatch(msg, rinfo);
    } catch (err) {
      this.warn(err);
    }
  };

  /** RFC 7252 §4.2: a CON with a format error is rejected with an RST; anything else is dropped silently. */
  private rejectMalformed(datagram: Buffer, rinfo: RemoteInfo, err: unknown): void {
    this.counters.malformed++;
    const head = peekHeader(datagram);
    if (head !== undefined && head.type === CoapType.CON) this.sendEmpty(CoapType.RST, head.messageId, rinfo.address, rinfo.port);
    this.warn(err);
  }

  private dispatch(msg: CoapMessage, rinfo: RemoteInfo): void {
    const peerKey = peerKeyOf(rinfo.address, rinfo.port);
    const code = msg.code;
    if (code === Code.EMPTY) {
      const midKey = peerKey + '#' + msg.messageId;
      if (msg.type === CoapType.ACK) this.byMid.get(midKey)?.acked(msg);
      else if (msg.type === CoapType.RST) this.onReset(midKey);
      else if (msg.type === CoapType.CON) this.sendEmpty(CoapType.RST, msg.messageId, rinfo.address, rinfo.port); // §4.3: ping
      else this.counters.malformed++; // §4.3: a NON must not be empty
      return;
    }
    if (isRequestCode(code)) {
      // §4.2, §4.3: an ACK or RST carrying a request is rejected silently.
      if (msg.type === CoapType.CON || msg.type === CoapType.NON) this.onRequestMessage(msg, rinfo, peerKey);
      else this.counters.malformed++;
      return;
    }
    if (isResponseCode(code)) {
      this.onResponseMessage(msg, rinfo, peerKey);
      return;
    }
    // Reserved classes 1, 3, 6, 7 (RFC 7252 §3): reject.
    this.counters.malformed++;
    if (msg.type === CoapType.CON) this.sendEmpty(CoapType.RST, msg.messageId, rinfo.address, rinfo.port);
  }

  private onReset(midKey: string): void {
    const t = this.byMid.get(midKey);
    if (t !== undefined) t.reset();
    else this.notifier.onReset(midKey);
  }

  /** RFC 7252 §4.5: a duplicate gets the cached reply, without running the handler again. */
  private onRequestMessage(msg: CoapMessage, rinfo: RemoteInfo, peerKey: string): void {
    const now = monotonicNow();
    const key = peerKey + '#' + msg.messageId;
    const seen = this.dedup.duplicateOf(key, msg, now);
    if (seen !== undefined) {
      if (seen.reply !== undefined) this.sendDatagram(seen.reply, { address: rinfo.address, port: rinfo.port });
      return;
    }
    const entry = this.dedup.record(key, msg, now);
    const peer: Peer = rinfo.identity === undefined ? { address: rinfo.address, port: rinfo.port } : { address: rinfo.address, port: rinfo.port, identity: rinfo.identity };
    new ServerExchange(this, msg, peer, peerKey, entry).run(now);
  }

  private onResponseMessage(msg: CoapMessage, rinfo: RemoteInfo, peerKey: string): void {
    const midKey = peerKey + '#' + msg.messageId;
    if (msg.type === CoapType.ACK) {
      const t = this.byMid.get(midKey);
      if (t === undefined) return;
      const critical = unknownCriticalOption(msg);
      if (critical !== undefined && t.owner instanceof ClientExchange) {
        // §5.4.1: reject the piggybacked response; the request fails rather than waiting for its deadline.
        t.cancel();
        t.owner.fail(new ProtocolError('COAP_UNKNOWN_CRITICAL_OPTION', `response carries unrecognized critical option ${critical}`));
        return;
      }
      t.acked(msg);
      return;
    }
    if (msg.type === CoapType.RST) {
      this.counters.malformed++; // §4.2: an RST must be empty
      return;
    }
    const now = monotonicNow();
    const con = msg.type === CoapType.CON;
    const seen = this.dedup.duplicateOf(midKey, msg, now);
    if (seen !== undefined) {
      if (seen.reply !== undefined) this.sendDatagram(seen.reply, { address: rinfo.address, port: rinfo.port });
      return;
    }
    const entry = this.dedup.record(midKey, msg, now);
    const tk = tokenKey(msg.token);
    const critical = unknownCriticalOption(msg);

    const ex = this.byToken.get(tk);
    if (ex !== undefined && ex.peerKey === peerKey) {
      if (critical !== undefined) {
        if (con) entry.reply = this.sendEmpty(CoapType.RST, msg.messageId, rinfo.address, rinfo.port);
        ex.fail(new ProtocolError('COAP_UNKNOWN_CRITICAL_OPTION', `response carries unrecognized critical option ${critical}`));
        return;
      }
      if (con) entry.reply = this.sendEmpty(CoapType.ACK, msg.messageId, rinfo.address, rinfo.port); // §5.2.2
      ex.onResponse(msg);
      return;
    }
    const obs = this.observations.find(tk, peerKey);
    if (obs !== undefined) {
      if (critical === undefined) {
        if (con) entry.reply = this.sendEmpty(CoapType.ACK, msg.messageId, rinfo.address, rinfo.port);
        this.observations.deliver(obs, msg, rinfo.identity);
        return;
      }
      this.observations.end(obs); // a rejected notification: the RST below ends the observation on both sides
    }
    // RFC 7252 §5.3.2, RFC 7641 §3.6: a response nobody waits for (incl. a notification after a passive cancel).
    const rst = this.sendEmpty(CoapType.RST, msg.messageId, rinfo.address, rinfo.port);
    if (con) entry.reply = rst;
    if (obs === undefined) {
      try {
        this.events.unmatchedResponse({ address: rinfo.address, port: rinfo.port }, Buffer.from(msg.token), getObserve(msg) !== undefined);
      } catch (err) {
        this.warn(err);
      }
    }
  }

  // --- shutdown ----------------------------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    const closedError = (): ProtocolError => new ProtocolError('COAP_CLOSED', 'endpoint closed while the exchange was pending');
    for (const ex of [...this.byToken.values()]) ex.fail(closedError());
    for (const t of [...this.byMid.values()]) {
      t.cancel();
      if (t.owner instanceof NotifyOwner) t.owner.reject(closedError());
      else if (t.owner instanceof ClientExchange) t.owner.fail(closedError());
    }
    this.closed = true;
    this.observations.clear();
    this.notifier.clear();
    this.byToken.clear();
    this.byMid.clear();
    this.dedup.clear();
    this.block1.clear();
    this.block2.clear();
    this.serverObservations.clear();
    this.socket.off('message', this.onDatagram);
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
  }
}
