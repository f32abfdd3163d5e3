import { ProtocolError } from '../errors.ts';
import { MAX_BLOCK_NUM, MAX_BLOCK_SIZE, MIN_BLOCK_SIZE, OptionNumber } from './constants.ts';
import { EMPTY_BUFFER } from './message.ts';
import type { BlockValue, CoapMessage, CoapOption } from './types.ts';

type OptionFormat = 'empty' | 'opaque' | 'uint' | 'string';

interface OptionDefinition {
  readonly format: OptionFormat;
  readonly minLength: number;
  readonly maxLength: number;
  readonly repeatable: boolean;
}

function def(format: OptionFormat, minLength: number, maxLength: number, repeatable = false): OptionDefinition {
  return Object.freeze({ format, minLength, maxLength, repeatable });
}

/**
 * The options this implementation recognizes, with their value formats and length ranges
 * (RFC 7252 §5.10 table 4, RFC 7641 §2, RFC 7959 §2.1 and §4, RFC 7967 §2).
 */
export const OPTION_DEFINITIONS: ReadonlyMap<number, OptionDefinition> = new Map([
  [OptionNumber.IF_MATCH, def('opaque', 0, 8, true)],
  [OptionNumber.URI_HOST, def('string', 1, 255)],
  [OptionNumber.ETAG, def('opaque', 1, 8, true)],
  [OptionNumber.IF_NONE_MATCH, def('empty', 0, 0)],
  [OptionNumber.OBSERVE, def('uint', 0, 3)],
  [OptionNumber.URI_PORT, def('uint', 0, 2)],
  [OptionNumber.LOCATION_PATH, def('string', 0, 255, true)],
  [OptionNumber.URI_PATH, def('string', 0, 255, true)],
  [OptionNumber.CONTENT_FORMAT, def('uint', 0, 2)],
  [OptionNumber.MAX_AGE, def('uint', 0, 4)],
  [OptionNumber.URI_QUERY, def('string', 0, 255, true)],
  [OptionNumber.ACCEPT, def('uint', 0, 2)],
  [OptionNumber.LOCATION_QUERY, def('string', 0, 255, true)],
  [OptionNumber.BLOCK2, def('uint', 0, 3)],
  [OptionNumber.BLOCK1, def('uint', 0, 3)],
  [OptionNumber.SIZE2, def('uint', 0, 4)],
  [OptionNumber.PROXY_URI, def('string', 1, 1034)],
  [OptionNumber.PROXY_SCHEME, def('string', 1, 255)],
  [OptionNumber.SIZE1, def('uint', 0, 4)],
  [OptionNumber.NO_RESPONSE, def('uint', 0, 1)],
]);

/** RFC 7252 §5.4.1: odd option numbers are critical, even ones elective. */
export function isCritical(optionNumber: number): boolean {
  return (optionNumber & 1) === 1;
}

/** True when the option's value length is in the range of RFC 7252 §5.10 (unknown options are always in range). */
export function isValidOptionLength(opt: CoapOption): boolean {
  const d = OPTION_DEFINITIONS.get(opt.number);
  return d === undefined || (opt.value.length >= d.minLength && opt.value.length <= d.maxLength);
}

/**
 * RFC 7252 §5.4.1, §5.4.3 and §5.4.5: the number of the first critical option the message carries that this
 * implementation must treat as unrecognized — an unknown odd option number, a known critical option whose value
 * length is out of range, or a second occurrence of a non-repeatable critical option. Undefined when there is none.
 * The caller reacts per message kind: CON request → 4.02 Bad Option; response → reject it; NON → drop it.
 */
export function unknownCriticalOption(msg: CoapMessage): number | undefined {
  const options = msg.options;
  for (let i = 0; i < options.length; i++) {
    const opt = options[i];
    if (!isCritical(opt.number)) continue;
    const d = OPTION_DEFINITIONS.get(opt.number);
    if (d === undefined) return opt.number;
    if (opt.value.length < d.minLength || opt.value.length > d.maxLength) return opt.number;
    if (!d.repeatable && i > 0 && options[i - 1].number === opt.number) return opt.number;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Value formats (RFC 7252 §3.2)
// ---------------------------------------------------------------------------------------------

/** RFC 7252 §3.2: a uint in the fewest bytes (0 is the empty value). Accepts 0..2^32-1. */
export function encodeUint(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new ProtocolError('COAP_OPTION_INVALID', `uint option value ${String(value)} is not in 0..2^32-1`);
  }
  if (value === 0) return EMPTY_BUFFER;
  const len = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
  const buf = Buffer.allocUnsafe(len);
  buf.writeUIntBE(value, 0, len);
  return buf;
}

/** RFC 7252 §3.2: reads a big-endian uint of 0..4 bytes (leading zero bytes are tolerated). */
export function decodeUint(value: Buffer): number {
  if (value.length > 4) throw new ProtocolError('COAP_OPTION_INVALID', `uint option value of ${value.length} bytes is longer than 4`);
  return value.length === 0 ? 0 : value.readUIntBE(0, value.length);
}

export function uintOption(number: number, value: number): CoapOption {
  return { number, value: encodeUint(value) };
}

export function stringOption(number: number, value: string): CoapOption {
  return { number, value: Buffer.from(value, 'utf8') };
}

// ---------------------------------------------------------------------------------------------
// Getters
// ---------------------------------------------------------------------------------------------

/** The first value of an option, or undefined. */
export function getOption(msg: CoapMessage, number: number): Buffer | undefined {
  for (const opt of msg.options) {
    if (opt.number === number) return opt.value;
    if (opt.number > number) break;
  }
  return undefined;
}

/** All values of a (repeatable) option, in message order. */
export function getOptions(msg: CoapMessage, number: number): Buffer[] {
  const out: Buffer[] = [];
  for (const opt of msg.options) {
    if (opt.number === number) out.push(opt.value);
    else if (opt.number > number) break;
  }
  return out;
}

function getStrings(msg: CoapMessage, number: number): string[] {
  const out: string[] = [];
  for (const opt of msg.options) {
    if (opt.number === number) out.push(opt.value.toString('utf8'));
    else if (opt.number > number) break;
  }
  return out;
}

/**
 * A uint option's value; undefined when absent or when its length is outside the §5.10 range (RFC 7252 §5.4.3: such
 * an elective option is ignored like an unrecognized one; a critical one was already refused by
 * `unknownCriticalOption`).
 */
function getUint(msg: CoapMessage, number: number): number | undefined {
  const value = getOption(msg, number);
  if (value === undefined) return undefined;
  const d = OPTION_DEFINITIONS.get(number);
  if (d !== undefined && value.length > d.maxLength) return undefined;
  if (value.length > 4) return undefined;
  return decodeUint(value);
}

/** Uri-Path segments, unescaped (RFC 7252 §6.5). */
export function getUriPath(msg: CoapMessage): string[] {
  return getStrings(msg, OptionNumber.URI_PATH);
}

/** Uri-Query items, e.g. `['ep=dev1', 'lt=300']` (RFC 7252 §6.5). */
export function getUriQuery(msg: CoapMessage): string[] {
  return getStrings(msg, OptionNumber.URI_QUERY);
}

/** Location-Path segments (RFC 7252 §5.10.7). */
export function getLocationPath(msg: CoapMessage): string[] {
  return getStrings(msg, OptionNumber.LOCATION_PATH);
}

export function getContentFormat(msg: CoapMessage): number | undefined {
  return getUint(msg, OptionNumber.CONTENT_FORMAT);
}

export function getAccept(msg: CoapMessage): number | undefined {
  return getUint(msg, OptionNumber.ACCEPT);
}

/** RFC 7641 §2: the Observe value (0 register / 1 deregister in requests, a 24-bit sequence in notifications). */
export function getObserve(msg: CoapMessage): number | undefined {
  return getUint(msg, OptionNumber.OBSERVE);
}

export function getSize1(msg: CoapMessage): number | undefined {
  return getUint(msg, OptionNumber.SIZE1);
}

export function getSize2(msg: CoapMessage): number | undefined {
  return getUint(msg, OptionNumber.SIZE2);
}

/** RFC 7959 §2.2: the Block1 option, or undefined. Throws `COAP_OPTION_INVALID` for a reserved SZX 7. */
export function getBlock1(msg: CoapMessage): BlockValue | undefined {
  const value = getOption(msg, OptionNumber.BLOCK1);
  return value === undefined ? undefined : decodeBlock(value);
}

/** RFC 7959 §2.2: the Block2 option, or undefined. Throws `COAP_OPTION_INVALID` for a reserved SZX 7. */
export function getBlock2(msg: CoapMessage): BlockValue | undefined {
  const value = getOption(msg, OptionNumber.BLOCK2);
  return value === undefined ? undefined : decodeBlock(value);
}

// ---------------------------------------------------------------------------------------------
// Block values (RFC 7959 §2.2)
// ---------------------------------------------------------------------------------------------

/** RFC 7959 §2.2: NUM (up to 20 bits) | M (1 bit) | SZX (3 bits), in the fewest bytes. */
export function encodeBlock(block: BlockValue): Buffer {
  const { num, more, size } = block;
  const szx = Math.log2(size) - 4;
  if (!Number.isInteger(szx) || size < MIN_BLOCK_SIZE || size > MAX_BLOCK_SIZE) {
    throw new ProtocolError('COAP_OPTION_INVALID', `block size ${String(size)} is not a power of two in 16..1024`);
  }
  if (!Number.isInteger(num) || num < 0 || num > MAX_BLOCK_NUM) {
    throw new ProtocolError('COAP_OPTION_INVALID', `block number ${String(num)} is not in 0..${MAX_BLOCK_NUM}`);
  }
  return encodeUint(num * 16 + (more ? 8 : 0) + szx);
}

/** RFC 7959 §2.2: decodes a Block1/Block2 value of 0..3 bytes. SZX 7 is reserved → `COAP_OPTION_INVALID`. */
export function decodeBlock(value: Buffer): BlockValue {
  if (value.length > 3) throw new ProtocolError('COAP_OPTION_INVALID', `block option of ${value.length} bytes is longer than 3`);
  const v = decodeUint(value);
  const szx = v & 7;
  if (szx === 7) throw new ProtocolError('COAP_OPTION_INVALID', 'block option SZX 7 is reserved');
  return { num: v >>> 4, more: (v & 8) !== 0, size: 1 << (szx + 4) };
}

export function blockOption(number: typeof OptionNumber.BLOCK1 | typeof OptionNumber.BLOCK2, block: BlockValue): CoapOption {
  return { number, value: encodeBlock(block) };
}

// ---------------------------------------------------------------------------------------------
// Building option lists
// ---------------------------------------------------------------------------------------------

/** Inserts `opt` after any options with a number ≤ its own, keeping the list sorted (mutates `options`). */
export function insertOption(options: CoapOption[], opt: CoapOption): void {
  let i = options.length;
  while (i > 0 && options[i - 1].number > opt.number) i--;
  options.splice(i, 0, opt);
}

/** A copy of `options` without any option numbered `number`. */
export function withoutOption(options: readonly CoapOption[], number: number): CoapOption[] {
  return options.filter((o) => o.number !== number);
}
