import { ProtocolError } from '../errors.ts';
import type { Block1Reassembler, Block2Cache } from './block-transfer.ts';
import { sliceBlock } from './block-transfer.ts';
import { Code, isSuccess, methodFromCode, OptionNumber, textToCode } from './constants.ts';
import type { DedupEntry } from './dedup-cache.ts';
import { EMPTY_BUFFER } from './message.ts';
import { responseCode, responseOptions, toIncomingRequest } from './message-builder.ts';
import { blockOption, getBlock1, getBlock2, getObserve, getOption, getSize1, insertOption, uintOption, unknownCriticalOption } from './options.ts';
import { ServerObservationRegistry } from './server-observations.ts';
import { monotonicNow, type Timed, type TimerWheel } from './timer-wheel.ts';
import { tokenKey } from './token.ts';
import { CoapType } from './types.ts';
import type { BlockValue, CoapMessage, CoapMethod, CoapOption, IncomingRequest, OutgoingResponse, Peer } from './types.ts';

/** The server role's request handler. */
export type RequestHandler = (req: IncomingRequest) => OutgoingResponse | Promise<OutgoingResponse>;

/** The endpoint services the server role needs. */
export interface ServerHost {
  readonly wheel: TimerWheel;
  readonly blockSize: number;
  readonly separateResponseDelayMs: number;
  readonly block1: Block1Reassembler;
  readonly block2: Block2Cache;
  readonly serverObservations: ServerObservationRegistry;
  readonly handler: RequestHandler | undefined;
  readonly isClosed: boolean;
  nextMessageId(peerKey: string): number;
  /** Encodes and sends one message; returns the datagram, or undefined when it could not be encoded. */
  send(msg: CoapMessage, peer: Peer): Buffer | undefined;
  /** Sends a separate CON response and retransmits it until ACKed (RFC 7252 §5.2.2). */
  sendSeparate(msg: CoapMessage, peer: Peer, peerKey: string): void;
  warn(err: unknown): void;
}

const REQUEST_KEY_OPTIONS = new Set<number>([OptionNumber.URI_PATH, OptionNumber.URI_QUERY, OptionNumber.ACCEPT]);

/**
 * The key under which block-wise state of a request is kept (RFC 7959 §2.4, §2.5): the peer, the method and the
 * options that identify the resource and representation (Uri-Path, Uri-Query, Accept), plus a FETCH body.
 */
export function requestKey(peerKey: string, msg: CoapMessage): string {
  let key = peerKey + ' ' + msg.code;
  for (const o of msg.options) {
    if (REQUEST_KEY_OPTIONS.has(o.number)) key += ' ' + o.number + '=' + o.value.toString('latin1');
  }
  if (msg.code === 5 /* FETCH */ && msg.payload.length > 0) key += ' ' + msg.payload.toString('latin1');
  return key;
}

/**
 * One received request from arrival to reply (RFC 7252 §5.2): piggybacked when the handler answers within
 * `separateResponseDelayMs`, otherwise an empty ACK first and the response later as a separate CON; NON requests
 * get NON responses. Handles Block1 reassembly, Block2 slicing and server-side Observe bookkeeping around the handler.
 */
export class ServerExchange implements Timed {
  wheelSlot = -1;
  wheelIndex = 0;
  private done = false;
  private separate = false;
  private method: CoapMethod | undefined;
  private block1Echo: BlockValue | undefined;
  private block2Request: BlockValue | undefined;
  private key: string | undefined;

  constructor(
    private readonly host: ServerHost,
    private readonly msg: CoapMessage,
    private readonly peer: Peer,
    private readonly peerKey: string,
    private readonly dedup: DedupEntry,
  ) {}

  private get confirmable(): boolean {
    return this.msg.type === CoapType.CON;
  }

  private get requestKey(): string {
    return (this.key ??= requestKey(this.peerKey, this.msg));
  }

  /** Runs the checks, block handling and handler for the request. Never throws. */
  run(now: number): void {
    const msg = this.msg;
    const critical = unknownCriticalOption(msg);
    if (critical !== undefined) {
      // RFC 7252 §5.4.1: 4.02 for a CON; a NON is rejected silently.
      if (this.confirmable) this.reply(Code.BAD_OPTION, [], Buffer.from(`unrecognized critical option ${critical}`));
      else this.done = true;
      return;
    }
    this.method = methodFromCode(msg.code);
    if (this.method === undefined) return this.reply(Code.METHOD_NOT_ALLOWED, [], EMPTY_BUFFER); // §5.8
    if (getOption(msg, OptionNumber.PROXY_URI) !== undefined || getOption(msg, OptionNumber.PROXY_SCHEME) !== undefined) {
      return this.reply(Code.PROXYING_NOT_SUPPORTED, [], EMPTY_BUFFER); // §5.7.2: this endpoint is no proxy
    }
    let block1: BlockValue | undefined;
    try {
      block1 = getBlock1(msg);
      this.block2Request = getBlock2(msg);
    } catch (err) {
      return this.reply(Code.BAD_REQUEST, [], Buffer.from((err as Error).message)); // RFC 7959 §2.2: SZX 7
    }

    const b2 = this.block2Request;
    if (b2 !== undefined && b2.num > 0 && this.serveCachedBlock(b2, now)) return;

    let payload = msg.payload;
    if (block1 !== undefined) {
      const outcome = this.host.block1.accept(this.requestKey, block1, payload, getSize1(msg), this.host.blockSize, now);
      if (outcome.kind === 'continue') {
        return this.reply(Code.CONTINUE, [blockOption(OptionNumber.BLOCK1, outcome.block)], EMPTY_BUFFER);
      }
      if (outcome.kind === 'error') {
        const options = outcome.size1 !== undefined ? [uintOption(OptionNumber.SIZE1, outcome.size1)] : [];
        return this.reply(textToCode(outcome.code), options, Buffer.from(outcome.reason));
      }
      payload = outcome.body;
      this.block1Echo = outcome.block;
    }

    const handler = this.host.handler;
    if (handler === undefined) return this.reply(Code.NOT_FOUND, [], EMPTY_BUFFER);
    let result: OutgoingResponse | Promise<OutgoingResponse>;
    try {
      result = handler(toIncomingRequest(msg, this.method, this.peer, payload));
    } catch (err) {
      return this.fail(err);
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<OutgoingResponse>).then === 'function') {
      if (this.confirmable) this.host.wheel.schedule(this, now + this.host.separateResponseDelayMs);
      (result as Promise<OutgoingResponse>).then(
        (res) => this.complete(res, monotonicNow()),
        (err: unknown) => this.fail(err),
      );
      return;
    }
    this.complete(result as OutgoingResponse, now);
  }

  /** The handler is slow: ACK now so the client stops retransmitting; the response follows as a CON (§5.2.2). */
  onTimer(): void {
    if (this.done || this.host.isClosed) return;
    this.separate = true;
    this.dedup.reply = this.host.send({ type: CoapType.ACK, code: Code.EMPTY, messageId: this.msg.messageId, token: EMPTY_BUFFER, options: [], payload: EMPTY_BUFFER }, this.peer);
  }

  private fail(err: unknown): void {
    this.host.warn(err);
    this.reply(Code.INTERNAL_SERVER_ERROR, [], EMPTY_BUFFER);
  }

  private complete(res: OutgoingResponse, now: number): void {
    if (this.done) return;
    let code: number;
    let options: CoapOption[];
    let payload: Buffer;
    try {
      if (res === null || typeof res !== 'object') throw new ProtocolError('COAP_MALFORMED', 'request handler returned no response');
      code = responseCode(res);
      options = responseOptions(res);
      payload = res.payload ?? EMPTY_BUFFER;
    } catch (err) {
      return this.fail(err);
    }

    // Block2 (RFC 7959 §2.4): cut the block asked for (block 0 unless the client asked otherwise) out of a large body.
    const b2 = this.block2Request;
    const size = Math.min(b2?.size ?? this.host.blockSize, this.host.blockSize);
    const num = b2?.num ?? 0;
    let blockOpts: CoapOption[] | undefined;
    if (payload.length > size || num > 0) {
      const slice = sliceBlock(payload, num, size);
      if (slice === undefined) return this.reply(Code.BAD_OPTION, [], Buffer.from(`block ${num} is past the end`));
      if (slice.more) this.host.block2.put(this.requestKey, code, options.slice(), payload, now);
      blockOpts = [blockOption(OptionNumber.BLOCK2, { num, more: slice.more, size })];
      if (num === 0) blockOpts.push(uintOption(OptionNumber.SIZE2, payload.length)); // RFC 7959 §4
      payload = slice.payload;
    }

    // Observe (RFC 7641 §4.1): a 2.xx to GET/FETCH with Observe=0 registers the observer; Observe=1 or an error ends it.
    const observe = this.method === 'GET' || this.method === 'FETCH' ? getObserve(this.msg) : undefined;
    const obsKey = observe !== undefined ? ServerObservationRegistry.key(this.peerKey, tokenKey(this.msg.token)) : '';
    if (observe === 0 && isSuccess(code)) {
      const obs = this.host.serverObservations.register(obsKey, this.peer, this.msg.token, this.requestKey, now);
      insertOption(options, uintOption(OptionNumber.OBSERVE, ServerObservationRegistry.nextSeq(obs, res.observe)));
    } else {
      if (observe !== undefined) this.host.serverObservations.remove(obsKey);
      if (res.observe !== undefined) insertOption(options, uintOption(OptionNumber.OBSERVE, res.observe));
    }
    if (this.block1Echo !== undefined) insertOption(options, blockOption(OptionNumber.BLOCK1, this.block1Echo)); // RFC 7959 §2.3
    if (blockOpts !== undefined) for (const o of blockOpts) insertOption(options, o);
    this.reply(code, options, payload);
  }

  /** RFC 7959 §2.4: block N > 0 of a body cached when block 0 was served. False on a cache miss. */
  private serveCachedBlock(b2: BlockValue, now: number): boolean {
    const cached = this.host.block2.get(this.requestKey, now);
    if (cached === undefined) return false;
    const size = Math.min(b2.size, this.host.blockSize);
    const slice = sliceBlock(cached.body, b2.num, size);
    if (slice === undefined) {
      this.reply(Code.BAD_OPTION, [], Buffer.from(`block ${b2.num} is past the end`));
      return true;
    }
    const options = cached.options.slice();
    insertOption(options, blockOption(OptionNumber.BLOCK2, { num: b2.num, more: slice.more, size }));
    this.reply(cached.code, options, slice.payload);
    return true;
  }

  private reply(code: number, options: CoapOption[], payload: Buffer): void {
    if (this.done) return;
    this.done = true;
    this.host.wheel.cancel(this);
    if (this.host.isClosed) return;
    const { msg, peer } = this;
    if (this.confirmable && this.separate) {
      const out: CoapMessage = { type: CoapType.CON, code, messageId: this.host.nextMessageId(this.peerKey), token: msg.token, options, payload };
      this.host.sendSeparate(out, peer, this.peerKey);
      return;
    }
    const type = this.confirmable ? CoapType.ACK : CoapType.NON;
    const messageId = this.confirmable ? msg.messageId : this.host.nextMessageId(this.peerKey);
    const datagram = this.host.send({ type, code, messageId, token: msg.token, options, payload }, peer);
    if (this.confirmable) this.dedup.reply = datagram;
  }
}
