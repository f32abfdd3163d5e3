import { ProtocolError } from '../errors.ts';
import { COAP_VERSION, MAX_TOKEN_LENGTH } from './constants.ts';
import type { CoapMessage, CoapOption, CoapType } from './types.ts';

/** A zero-length buffer shared by messages without a token or payload. */
export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

const PAYLOAD_MARKER = 0xff;
/** RFC 7252 §3.1: the largest delta or length the 14 (2-byte extended) form can carry. */
const MAX_EXTENDED = 65535 + 269;
/** Option numbers are 16-bit (RFC 7252 §12.2). */
const MAX_OPTION_NUMBER = 65535;

/**
 * The decode error. Built without a stack trace: its origin is always this codec, and a flood of malformed datagrams
 * should not pay for capturing stacks.
 */
function malformed(what: string): ProtocolError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ProtocolError('COAP_MALFORMED', what);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Bytes needed by the extended form of an option delta or length (RFC 7252 §3.1). */
function extendedBytes(n: number): number {
  return n < 13 ? 0 : n < 269 ? 1 : 2;
}

function nibble(n: number): number {
  return n < 13 ? n : n < 269 ? 13 : 14;
}

function writeExtended(buf: Buffer, offset: number, n: number): number {
  if (n < 13) return offset;
  if (n < 269) {
    buf[offset] = n - 13;
    return offset + 1;
  }
  buf.writeUInt16BE(n - 269, offset);
  return offset + 2;
}

function isSorted(options: readonly CoapOption[]): boolean {
  for (let i = 1; i < options.length; i++) if (options[i].number < options[i - 1].number) return false;
  return true;
}

/**
 * Encodes one message (RFC 7252 §3). Options are written in ascending number order (a stable sort keeps
 * repeated options in the order given). Throws `COAP_MALFORMED` for a message that cannot be put on the wire.
 */
export function encodeMessage(msg: CoapMessage): Buffer {
  const { type, code, messageId } = msg;
  const token = msg.token ?? EMPTY_BUFFER;
  const payload = msg.payload ?? EMPTY_BUFFER;
  let options = msg.options ?? [];
  if (!(type === 0 || type === 1 || type === 2 || type === 3)) throw malformed(`message type ${String(type)} is not 0..3`);
  if (!Number.isInteger(code) || code < 0 || code > 255) throw malformed(`code ${String(code)} is not an 8-bit integer`);
  if (!Number.isInteger(messageId) || messageId < 0 || messageId > 0xffff) {
    throw malformed(`message id ${String(messageId)} is not a 16-bit integer`);
  }
  if (token.length > MAX_TOKEN_LENGTH) throw malformed(`token of ${token.length} bytes is longer than 8`);
  if (code === 0 && (token.length > 0 || options.length > 0 || payload.length > 0)) {
    throw malformed('an empty message (code 0.00) must have no token, options or payload'); // §4.1
  }
  if (!isSorted(options)) options = [...options].sort((a, b) => a.number - b.number);

  let size = 4 + token.length;
  let prev = 0;
  for (const opt of options) {
    const n = opt.number;
    if (!Number.isInteger(n) || n < 0 || n > MAX_OPTION_NUMBER) throw malformed(`option number ${String(n)} is not 0..65535`);
    const len = opt.value.length;
    if (len > MAX_EXTENDED) throw malformed(`option ${n} value of ${len} bytes is too long`);
    size += 1 + extendedBytes(n - prev) + extendedBytes(len) + len;
    prev = n;
  }
  if (payload.length > 0) size += 1 + payload.length;

  const buf = Buffer.allocUnsafe(size);
  buf[0] = (COAP_VERSION << 6) | (type << 4) | token.length;
  buf[1] = code;
  buf.writeUInt16BE(messageId, 2);
  let offset = 4;
  if (token.length > 0) offset += token.copy(buf, offset);
  prev = 0;
  for (const opt of options) {
    const delta = opt.number - prev;
    const len = opt.value.length;
    buf[offset++] = (nibble(delta) << 4) | nibble(len);
    offset = writeExtended(buf, offset, delta);
    offset = writeExtended(buf, offset, len);
    if (len > 0) offset += opt.value.copy(buf, offset);
    prev = opt.number;
  }
  if (payload.length > 0) {
    buf[offset++] = PAYLOAD_MARKER;
    payload.copy(buf, offset);
  }
  return buf;
}

/** Encodes an empty ACK or RST (or a CoAP ping, CON 0.00) for a message id: 4 bytes (RFC 7252 §4.1). */
export function encodeEmpty(type: CoapType, messageId: number): Buffer {
  const buf = Buffer.allocUnsafe(4);
  buf[0] = (COAP_VERSION << 6) | (type << 4);
  buf[1] = 0;
  buf.writeUInt16BE(messageId & 0xffff, 2);
  return buf;
}

/**
 * The type and message id of a datagram whose 4-byte header is readable and says version 1, even when the rest
 * is malformed: enough to reject a malformed CON with an RST (RFC 7252 §4.2). Undefined otherwise.
 */
export function peekHeader(buf: Buffer): { type: CoapType; messageId: number } | undefined {
  if (buf.length < 4 || buf[0] >> 6 !== COAP_VERSION) return undefined;
  return { type: ((buf[0] >> 4) & 3) as CoapType, messageId: buf.readUInt16BE(2) };
}

/**
 * Decodes one datagram (RFC 7252 §3). Any violation of the message format throws `ProtocolError('COAP_MALFORMED')`
 * naming what was wrong; no other exception escapes for any input. Token, option values and payload are views
 * into `buf`.
 */
export function decodeMessage(buf: Buffer): CoapMessage {
  if (!Buffer.isBuffer(buf)) throw malformed('datagram is not a Buffer');
  if (buf.length < 4) throw malformed(`datagram of ${buf.length} bytes is shorter than the 4-byte header`);
  const b0 = buf[0];
  const version = b0 >> 6;
  if (version !== COAP_VERSION) throw malformed(`version ${version} is not 1`);
  const type = ((b0 >> 4) & 3) as CoapType;
  const tkl = b0 & 0x0f;
  if (tkl > MAX_TOKEN_LENGTH) throw malformed(`token length ${tkl} is reserved (9..15)`);
  const code = buf[1];
  const messageId = buf.readUInt16BE(2);
  if (code === 0) {
    if (tkl !== 0 || buf.length !== 4) throw malformed('an empty message (code 0.00) must have no token, options or payload');
    return { type, code, messageId, token: EMPTY_BUFFER, options: [], payload: EMPTY_BUFFER };
  }
  if (buf.length < 4 + tkl) throw malformed(`datagram ends inside the ${tkl}-byte token`);
  const token = tkl === 0 ? EMPTY_BUFFER : buf.subarray(4, 4 + tkl);
  const options: CoapOption[] = [];
  let offset = 4 + tkl;
  let number = 0;
  let payload = EMPTY_BUFFER;
  while (offset < buf.length) {
    const head = buf[offset++];
    if (head === PAYLOAD_MARKER) {
      if (offset >= buf.length) throw malformed('payload marker followed by no payload');
      payload = buf.subarray(offset);
      break;
    }
    let delta = head >> 4;
    let length = head & 0x0f;
    if (delta === 15) throw malformed('option delta nibble 15 is reserved');
    if (length === 15) throw malformed('option length nibble 15 is reserved');
    if (delta >= 13) {
      if (delta === 13) {
        if (offset + 1 > buf.length) throw malformed('option delta extension truncated');
        delta = buf[offset++] + 13;
      } else {
        if (offset + 2 > buf.length) throw malformed('option delta extension truncated');
        delta = buf.readUInt16BE(offset) + 269;
        offset += 2;
      }
    }
    if (length >= 13) {
      if (length === 13) {
        if (offset + 1 > buf.length) throw malformed('option length extension truncated');
        length = buf[offset++] + 13;
      } else {
        if (offset + 2 > buf.length) throw malformed('option length extension truncated');
        length = buf.readUInt16BE(offset) + 269;
        offset += 2;
      }
    }
    number += delta;
    if (number > MAX_OPTION_NUMBER) throw malformed(`option number ${number} is above 65535`);
    if (offset + length > buf.length) throw malformed(`option ${number} value of ${length} bytes runs past the datagram`);
    options.push({ number, value: buf.subarray(offset, offset + length) });
    offset += length;
  }
  return { type, code, messageId, token, options, payload };
}
