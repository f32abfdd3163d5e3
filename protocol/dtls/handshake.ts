import { ProtocolError } from '../errors.ts';
import { HANDSHAKE_HEADER_LENGTH } from './constants.ts';
import { Reader } from './reader.ts';

/** One handshake message fragment (RFC 6347 §4.2.2). */
export interface HandshakeFragment {
  msgType: number;
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  body: Buffer;
}

/** A complete handshake message. */
export interface HandshakeMessage {
  msgType: number;
  messageSeq: number;
  body: Buffer;
}

function header(msgType: number, length: number, messageSeq: number, offset: number, fragmentLength: number): Buffer {
  const b = Buffer.allocUnsafe(HANDSHAKE_HEADER_LENGTH);
  b[0] = msgType;
  b.writeUIntBE(length, 1, 3);
  b.writeUInt16BE(messageSeq, 4);
  b.writeUIntBE(offset, 6, 3);
  b.writeUIntBE(fragmentLength, 9, 3);
  return b;
}

/** The message as one unfragmented piece: what the transcript hash covers (RFC 6347 §4.2.6). */
export function encodeHandshake(m: HandshakeMessage): Buffer {
  return Buffer.concat([header(m.msgType, m.body.length, m.messageSeq, 0, m.body.length), m.body]);
}

/** Splits a message into fragments of at most `maxBody` body bytes each (RFC 6347 §4.2.3). */
export function fragmentHandshake(m: HandshakeMessage, maxBody: number): Buffer[] {
  if (m.body.length <= maxBody) return [encodeHandshake(m)];
  const out: Buffer[] = [];
  for (let o = 0; o < m.body.length; o += maxBody) {
    const piece = m.body.subarray(o, Math.min(o + maxBody, m.body.length));
    out.push(Buffer.concat([header(m.msgType, m.body.length, m.messageSeq, o, piece.length), piece]));
  }
  return out;
}

/** Parses the handshake fragments of one record's plaintext. Throws `DTLS_DECODE` on a malformed one. */
export function parseHandshakeFragments(plaintext: Buffer): HandshakeFragment[] {
  const r = new Reader(plaintext, 'handshake');
  const out: HandshakeFragment[] = [];
  while (r.remaining > 0) {
    const msgType = r.u8();
    const length = r.u24();
    const messageSeq = r.u16();
    const fragmentOffset = r.u24();
    const body = r.vector(3);
    if (fragmentOffset + body.length > length) throw new ProtocolError('DTLS_DECODE', `handshake fragment ${fragmentOffset}+${body.length} exceeds message length ${length}`);
    out.push({ msgType, length, messageSeq, fragmentOffset, body });
  }
  return out;
}

interface Partial {
  msgType: number;
  body: Buffer;
  have: Uint8Array;
  filled: number;
}

/**
 * Puts fragments back together and hands out complete messages in message_seq order (RFC 6347 §4.2.2). Bounded:
 * messages longer than `maxMessageBytes` and fragments more than `maxAhead` messages ahead are dropped.
 */
export class HandshakeReassembler {
  nextSeq = 0;
  private readonly pending = new Map<number, Partial>();

  constructor(
    private readonly maxMessageBytes: number,
    private readonly maxAhead = 8,
  ) {}

  /** Adds a fragment; returns the messages now complete and in order. */
  add(f: HandshakeFragment): HandshakeMessage[] {
    if (f.messageSeq < this.nextSeq || f.messageSeq >= this.nextSeq + this.maxAhead) return [];
    if (f.length > this.maxMessageBytes) throw new ProtocolError('DTLS_DECODE', `handshake message of ${f.length} bytes exceeds ${this.maxMessageBytes}`);
    let p = this.pending.get(f.messageSeq);
    if (p === undefined) {
      if (f.fragmentOffset === 0 && f.body.length === f.length) {
        p = { msgType: f.msgType, body: f.body, have: new Uint8Array(0), filled: f.length };
      } else {
        p = { msgType: f.msgType, body: Buffer.alloc(f.length), have: new Uint8Array(f.length), filled: 0 };
      }
      this.pending.set(f.messageSeq, p);
    }
    if (p.msgType !== f.msgType || p.body.length !== f.length) throw new ProtocolError('DTLS_DECODE', `handshake fragment of message ${f.messageSeq} disagrees with earlier fragments`);
    if (p.filled < p.body.length) {
      f.body.copy(p.body, f.fragmentOffset);
      for (let i = f.fragmentOffset; i < f.fragmentOffset + f.body.length; i++) {
        if (p.have[i] === 0) {
          p.have[i] = 1;
          p.filled++;
        }
      }
    }
    const out: HandshakeMessage[] = [];
    for (;;) {
      const next = this.pending.get(this.nextSeq);
      if (next === undefined || next.filled < next.body.length) break;
      this.pending.delete(this.nextSeq);
      out.push({ msgType: next.msgType, messageSeq: this.nextSeq, body: next.body });
      this.nextSeq++;
    }
    return out;
  }
}
