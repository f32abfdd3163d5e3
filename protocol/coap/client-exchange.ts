import { ProtocolError } from '../errors.ts';
import { codeToText, Code, isSuccess, OptionNumber } from './constants.ts';
import { EMPTY_BUFFER } from './message.ts';
import { toIncomingResponse } from './message-builder.ts';
import { blockOption, getBlock1, getBlock2, getObserve, getOption, insertOption, uintOption } from './options.ts';
import type { Timed, TimerWheel } from './timer-wheel.ts';
import { randomToken } from './token.ts';
import type { ConTransmission, TransmissionOwner } from './transmission.ts';
import { CoapType } from './types.ts';
import type { ExchangeRequest } from './exchange-request.ts';
import type { ClientObservation } from './observe.ts';
import type { BlockValue, CoapMessage, CoapOption, IncomingResponse, Peer } from './types.ts';

/** The endpoint services a client exchange needs. */
export interface ClientHost {
  readonly wheel: TimerWheel;
  readonly blockSize: number;
  readonly maxBlockBodyBytes: number;
  /** Sends one request message of the exchange under `ex.token` (CON messages get a retransmitting transmission). */
  sendExchangeMessage(ex: ClientExchange, msg: CoapMessage): ConTransmission | undefined;
  /** Maps the exchange under a new token (each block continuation uses a fresh one). */
  rebindToken(ex: ClientExchange, token: Buffer): void;
  nextMessageId(peerKey: string): number;
  /** The exchange settled (exactly once): drop its token and any observation it set up but did not finish. */
  exchangeSettled(ex: ClientExchange, succeeded: boolean): void;
  /** RFC 7641: an observe registration got a 2.xx with Observe — notifications for its token flow from now on. */
  observationAccepted(ex: ClientExchange, first: CoapMessage): void;
}

interface Block2State {
  first: CoapMessage;
  chunks: Buffer[];
  received: number;
  nextNum: number;
  size: number;
  etag: Buffer | undefined;
}

/**
 * One client-role request from first message to final response (RFC 7252 §5.2, §5.3): piggybacked or separate
 * response, RST, deadline, plus transparent block-wise transfer (RFC 7959 §2.4, §2.5): a body above the block size is
 * sent with Block1 (following a smaller size the server asks for in 2.31), and a Block2 response is fetched block by
 * block and reassembled. The exchange is its own deadline timer on the wheel.
 */
export class ClientExchange implements Timed, TransmissionOwner {
  wheelSlot = -1;
  wheelIndex = 0;
  /** The token of the message in flight; `tokenKey` is its map key (maintained by the host). */
  token: Buffer;
  tokenKey = '';
  /** True once the host routes this token's notifications to `observation` (observe registrations only). */
  observing = false;
  private transmission: ConTransmission | undefined;
  private settled = false;
  private block1: BlockValue | undefined;
  private block2: Block2State | undefined;

  constructor(
    readonly host: ClientHost,
    readonly peer: Peer,
    readonly peerKey: string,
    readonly request: ExchangeRequest,
    /** The token the caller sees in the response (the first message's; for observations, the observation's). */
    readonly responseToken: Buffer,
    private readonly resolve: (res: IncomingResponse) => void,
    private readonly reject: (err: ProtocolError) => void,
    /** Set for an observe registration: a 2.xx with Observe starts this observation. */
    readonly observation: ClientObservation | undefined,
  ) {
    this.token = responseToken;
  }

  /** Sends the first message and arms the overall deadline. */
  start(now: number, timeoutMs: number): void {
    this.host.wheel.schedule(this, now + timeoutMs);
    const { payload } = this.request;
    const extra: CoapOption[] = [];
    if (payload.length > this.host.blockSize) {
      this.block1 = { num: 0, more: true, size: this.host.blockSize };
      extra.push(blockOption(OptionNumber.BLOCK1, this.block1));
      extra.push(uintOption(OptionNumber.SIZE1, payload.length)); // RFC 7959 §4
      this.send(extra, payload.subarray(0, this.host.blockSize));
      return;
    }
    if (this.host.blockSize < 1024 && (this.request.method === 'GET' || this.request.method === 'FETCH')) {
      // RFC 7959 §2.4: early negotiation of a smaller response block size.
      extra.push(blockOption(OptionNumber.BLOCK2, { num: 0, more: false, size: this.host.blockSize }));
    }
    this.send(extra, payload);
  }

  /**
   * Starts by fetching the blocks after `first` (a response or notification with Block2 M=1), e.g. the rest of a
   * large notification (RFC 7959 §2.6). The first message is kept for the response's metadata.
   */
  startContinuation(now: number, timeoutMs: number, first: CoapMessage, block: BlockValue): void {
    this.host.wheel.schedule(this, now + timeoutMs);
    this.block2 = { first, chunks: [], received: 0, nextNum: 0, size: block.size, etag: getOption(first, OptionNumber.ETAG) };
    this.acceptBlock2(first, block);
  }

  // --- TransmissionOwner -------------------------------------------------------------------------------------

  onAck(t: ConTransmission, ack: CoapMessage): void {
    if (t !== this.transmission) return;
    this.transmission = undefined;
    if (ack.code === Code.EMPTY) return; // RFC 7252 §5.2.2: a separate response follows
    if (!ack.token.equals(this.token)) return; // §5.3.2: not a response to this request
    this.onResponse(ack);
  }

  onReset(t: ConTransmission): void {
    if (t !== this.transmission) return;
    this.fail(new ProtocolError('COAP_RESET', `${this.describe()} was reset by the peer`));
  }

  onGiveUp(t: ConTransmission): void {
    if (t !== this.transmission) return;
    this.fail(new ProtocolError('COAP_TIMEOUT', `${this.describe()}: no ACK after ${t.retransmissions} retransmissions`));
  }

  /** The overall deadline passed. */
  onTimer(): void {
    this.fail(new ProtocolError('COAP_TIMEOUT', `${this.describe()}: no response before the deadline`));
  }

  // --- responses ---------------------------------------------------------------------------------------------

  /** A response to the message in flight (piggybacked, or a separate CON/NON one the host has already ACKed). */
  onResponse(msg: CoapMessage): void {
    if (this.settled) return;
    this.transmission?.cancel(); // a separate response also ends retransmission of the request (§5.2.2)
    this.transmission = undefined;
    let b1: BlockValue | undefined;
    let b2: BlockValue | undefined;
    try {
      b1 = getBlock1(msg);
      b2 = getBlock2(msg);
    } catch (err) {
      this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: ${(err as Error).message}`));
      return;
    }

    if (this.block1?.more) {
      if (msg.code === Code.CONTINUE) {
        this.continueBlock1(b1);
        return;
      }
      // Any other answer to an intermediate block is the final response (e.g. 4.13 or 4.08).
      this.block1 = undefined;
    }

    if (this.block2 !== undefined) {
      if (!isSuccess(msg.code) || b2 === undefined) {
        this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: block ${this.block2.nextNum} answered ${codeToText(msg.code)}${b2 === undefined ? ' without Block2' : ''}`));
        return;
      }
      this.acceptBlock2(msg, b2);
      return;
    }

    if (this.observation !== undefined && !this.observing && isSuccess(msg.code) && getObserve(msg) !== undefined) {
      this.observing = true;
      this.host.observationAccepted(this, msg);
    }

    if (b2 !== undefined && isSuccess(msg.code) && b2.more) {
      if (b2.num !== 0) {
        this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: first response carries block ${b2.num}, not 0`));
        return;
      }
      this.block2 = { first: msg, chunks: [], received: 0, nextNum: 0, size: b2.size, etag: getOption(msg, OptionNumber.ETAG) };
      this.acceptBlock2(msg, b2);
      return;
    }
    this.succeed(toIncomingResponse(msg, this.peer, msg.payload, this.responseToken));
  }

  private continueBlock1(echo: BlockValue | undefined): void {
    const sent = this.block1!;
    if (echo === undefined || echo.num !== sent.num) {
      this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: 2.31 Continue does not echo Block1 ${sent.num}`));
      return;
    }
    // RFC 7959 §2.5: the server may ask for a smaller block size; later block numbers count in the new size.
    const size = Math.min(echo.size, sent.size);
    const offset = (sent.num + 1) * sent.size;
    const body = this.request.payload;
    const more = offset + size < body.length;
    this.block1 = { num: offset / size, more, size };
    this.rebind();
    this.send([blockOption(OptionNumber.BLOCK1, this.block1)], body.subarray(offset, offset + size));
  }

  private acceptBlock2(msg: CoapMessage, block: BlockValue): void {
    const st = this.block2!;
    if (block.num !== st.nextNum || block.size !== st.size) {
      this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: expected block ${st.nextNum}/${st.size}, got ${block.num}/${block.size}`));
      return;
    }
    const etag = getOption(msg, OptionNumber.ETAG);
    if (st.etag !== undefined && etag !== undefined && !etag.equals(st.etag)) {
      this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: representation changed (ETag) during block-wise transfer`));
      return;
    }
    if (!this.checkBlock2Chunk(block, msg.payload)) return;
    st.chunks.push(msg.payload);
    st.received += msg.payload.length;
    st.nextNum++;
    if (block.more) {
      this.requestNextBlock2();
      return;
    }
    const body = st.chunks.length === 1 ? st.chunks[0] : Buffer.concat(st.chunks, st.received);
    this.succeed(toIncomingResponse(st.first, this.peer, body, this.responseToken));
  }

  /** RFC 7959 §2.2: every block but the last carries exactly `size` bytes; the whole stays under the body limit. */
  private checkBlock2Chunk(block: BlockValue, payload: Buffer): boolean {
    if (block.more ? payload.length !== block.size : payload.length > block.size) {
      this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: block ${block.num} has ${payload.length} bytes, size is ${block.size}`));
      return false;
    }
    if ((this.block2?.received ?? 0) + payload.length > this.host.maxBlockBodyBytes) {
      this.fail(new ProtocolError('COAP_BLOCK', `${this.describe()}: response body exceeds ${this.host.maxBlockBodyBytes} bytes`));
      return false;
    }
    return true;
  }

  /** RFC 7959 §2.4: ask for the next block with the same request, minus Observe (and minus payload unless FETCH). */
  private requestNextBlock2(): void {
    const st = this.block2!;
    this.rebind();
    const payload = this.request.method === 'FETCH' ? this.request.payload : EMPTY_BUFFER;
    this.send([blockOption(OptionNumber.BLOCK2, { num: st.nextNum, more: false, size: st.size })], payload, true);
  }

  // --- sending and settling ----------------------------------------------------------------------------------

  private send(extra: CoapOption[], payload: Buffer, dropObserve = false): void {
    let options = this.request.options;
    if (extra.length > 0 || dropObserve) {
      options = dropObserve ? options.filter((o) => o.number !== OptionNumber.OBSERVE) : options.slice();
      for (const o of extra) insertOption(options, o);
    }
    const msg: CoapMessage = {
      type: this.request.confirmable ? CoapType.CON : CoapType.NON,
      code: this.request.code,
      messageId: this.host.nextMessageId(this.peerKey),
      token: this.token,
      options,
      payload,
    };
    this.transmission = this.host.sendExchangeMessage(this, msg);
  }

  /** Block continuations use a fresh token, so late notifications for an observation token never match them. */
  private rebind(): void {
    this.host.rebindToken(this, randomToken());
  }

  private succeed(res: IncomingResponse): void {
    if (this.settle(true)) this.resolve(res);
  }

  fail(err: ProtocolError): void {
    if (this.settle(false)) this.reject(err);
  }

  private settle(succeeded: boolean): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.host.wheel.cancel(this);
    this.transmission?.cancel();
    this.transmission = undefined;
    this.host.exchangeSettled(this, succeeded);
    return true;
  }

  private describe(): string {
    const path = this.request.options
      .filter((o) => o.number === OptionNumber.URI_PATH)
      .map((o) => o.value.toString('utf8'))
      .join('/');
    return `${this.request.method} /${path} to ${this.peer.address}:${this.peer.port}`;
  }
}
