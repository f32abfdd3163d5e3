import { decodeFail } from './codec-error.ts';
import { decodeUtf8Range } from './utf8.ts';

/** A decoded CBOR data item (RFC 8949 §3). Maps keep CBOR key types; byte strings are views into the payload. */
export type CborValue = number | bigint | string | boolean | null | undefined | Buffer | Date | CborValue[] | CborMap;
export type CborMap = Map<CborValue, CborValue>;

const MAX_DEPTH = 16;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A strict, stateless CBOR decoder (RFC 8949) for the CBOR content formats.
 *
 * cbor-x's decoder is not used for untrusted payloads: measured with cbor-x 1.6.9, it turns invalid UTF-8 into
 * U+FFFD, silently keeps the last of duplicate map keys, decodes its record and packed extensions (tags 51, 105,
 * 0xdffe) whose definitions outlive one call, and overflows the stack on deep nesting. This reader rejects all of
 * those with `CODEC_DECODE` naming the offset.
 *
 * Supported: major types 0-7, definite and indefinite lengths, tags 1 (epoch time -> Date), 2/3 (bignums ->
 * bigint), 4 (decimal fraction -> number) and 55799 (self-describe, ignored). Any other tag, simple values other
 * than false/true/null/undefined, and trailing bytes are errors. Integers beyond 2^53 become bigint.
 */
export function readCbor(payload: Buffer, what: string): CborValue {
  const r = new CborReader(payload, what);
  const v = r.item(0);
  if (r.pos !== payload.length) r.fail(`${payload.length - r.pos} trailing bytes after the CBOR data item`);
  return v;
}

/** Marks the "break" stop code inside indefinite-length items. */
const BREAK = Symbol('break');

class CborReader {
  pos = 0;
  private readonly view: DataView;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(reason: string, at = this.pos): never {
    return decodeFail(`${this.what}: invalid CBOR at offset ${at}: ${reason}`);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) this.fail(`truncated: ${n} more bytes needed, ${this.buf.length - this.pos} left`);
  }

  /** The argument of an initial byte (RFC 8949 §3): a number, or bigint for 8-byte values beyond 2^53. */
  private argument(info: number, at: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1);
        return this.buf[this.pos++];
      case 25:
        this.need(2);
        this.pos += 2;
        return this.view.getUint16(this.pos - 2);
      case 26:
        this.need(4);
        this.pos += 4;
        return this.view.getUint32(this.pos - 4);
      case 27: {
        this.need(8);
        this.pos += 8;
        const v = this.view.getBigUint64(this.pos - 8);
        return v <= MAX_SAFE ? Number(v) : v;
      }
      default:
        return this.fail(`reserved additional information ${info}`, at);
    }
  }

  /** A length argument, checked against the bytes left (each element needs at least `minBytesEach`). */
  private length(info: number, at: number, minBytesEach: number): number {
    const n = this.argument(info, at);
    if (typeof n === 'bigint' || n * minBytesEach > this.buf.length - this.pos) {
      this.fail(`declared length ${n} exceeds the ${this.buf.length - this.pos} bytes left`, at);
    }
    return n;
  }

  item(depth: number): CborValue {
    const v = this.itemOrBreak(depth);
    if (v === BREAK) this.fail('unexpected break code', this.pos - 1);
    return v;
  }

  private itemOrBreak(depth: number): CborValue | typeof BREAK {
    this.need(1);
    const at = this.pos;
    const ib = this.buf[this.pos++];
    const major = ib >> 5;
    const info = ib & 0x1f;
    switch (major) {
      case 0:
        return this.argument(info, at);
      case 1: {
        const n = this.argument(info, at);
        return typeof n === 'bigint' ? -1n - n : n === Number.MAX_SAFE_INTEGER ? -1n - BigInt(n) : -1 - n;
      }
      case 2:
        return this.bytes(info, at);
      case 3:
        return this.text(info, at);
      case 4:
        return this.array(info, at, depth + 1);
      case 5:
        return this.map(info, at, depth + 1);
      case 6:
        return this.tagged(info, at, depth + 1);
      default:
        return this.simple(info, at);
    }
  }

  private bytes(info: number, at: number): Buffer {
    if (info === 31) {
      const chunks: Buffer[] = [];
      while (true) {
        this.need(1);
        const cb = this.buf[this.pos];
        if (cb === 0xff) {
          this.pos++;
          return Buffer.concat(chunks);
        }
        if (cb >> 5 !== 2 || (cb & 0x1f) === 31) this.fail('an indefinite byte string may only contain definite byte strings');
        this.pos++;
        chunks.push(this.bytes(cb & 0x1f, this.pos - 1));
      }
    }
    const n = this.length(info, at, 1);
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  }

  private text(info: number, at: number): string {
    if (info === 31) {
      let s = '';
      while (true) {
        this.need(1);
        const cb = this.buf[this.pos];
        if (cb === 0xff) {
          this.pos++;
          return s;
        }
        if (cb >> 5 !== 3 || (cb & 0x1f) === 31) this.fail('an indefinite text string may only contain definite text strings');
        this.pos++;
        s += this.text(cb & 0x1f, this.pos - 1);
      }
    }
    const n = this.length(info, at, 1);
    this.pos += n;
    return decodeUtf8Range(this.buf, this.pos - n, this.pos, `${this.what} (text string at offset ${at})`);
  }

  private array(info: number, at: number, depth: number): CborValue[] {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`, at);
    const out: CborValue[] = [];
    if (info === 31) {
      while (true) {
        const v = this.itemOrBreak(depth);
        if (v === BREAK) return out;
        out.push(v);
      }
    }
    const n = this.length(info, at, 1);
    for (let i = 0; i < n; i++) out.push(this.item(depth));
    return out;
  }

  private map(info: number, at: number, depth: number): CborMap {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`, at);
    const out: CborMap = new Map();
    const indefinite = info === 31;
    const n = indefinite ? Infinity : this.length(info, at, 2);
    for (let i = 0; i < n; i++) {
      const keyAt = this.pos;
      const k = this.itemOrBreak(depth);
      if (k === BREAK) {
        if (indefinite) return out;
        this.fail('unexpected break code', keyAt);
      }
      if (out.has(k) && (typeof k !== 'object' || k === null)) this.fail(`duplicate map key ${String(k)}`, keyAt);
      out.set(k, this.item(depth));
    }
    return out;
  }

  private tagged(info: number, at: number, depth: number): CborValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`, at);
    const tag = this.argument(info, at);
    const content = this.item(depth);
    switch (tag) {
      case 1: {
        // RFC 8949 §3.4.2: epoch-based date/time
        if (typeof content !== 'number' || !Number.isFinite(content) || Math.abs(content) > 8.64e12) {
          this.fail('tag 1 (epoch time) must hold a number within the Date range', at);
        }
        return new Date(content * 1000);
      }
      case 2:
      case 3: {
        // RFC 8949 §3.4.3: bignums
        if (!(content instanceof Uint8Array)) this.fail(`tag ${tag} (bignum) must hold a byte string`, at);
        if (content.length > 16) this.fail(`tag ${tag} bignum longer than 128 bits`, at);
        let v = 0n;
        for (const b of content) v = (v << 8n) | BigInt(b);
        if (tag === 3) v = -1n - v;
        return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
      }
      case 4: {
        // RFC 8949 §3.4.4: decimal fraction [exponent, mantissa]
        if (!Array.isArray(content) || content.length !== 2 || !content.every((x) => typeof x === 'number' && Number.isInteger(x))) {
          this.fail('tag 4 (decimal fraction) must hold [integer exponent, integer mantissa]', at);
        }
        const [exp, mant] = content as number[];
        if (Math.abs(exp) > 400) this.fail('tag 4 exponent out of range', at);
        return mant * 10 ** exp;
      }
      case 55799:
        return content;
      default:
        return this.fail(`unsupported tag ${String(tag)}`, at);
    }
  }

  private simple(info: number, at: number): CborValue | typeof BREAK {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25: {
        this.need(2);
        this.pos += 2;
        return halfToNumber(this.view.getUint16(this.pos - 2));
      }
      case 26:
        this.need(4);
        this.pos += 4;
        return this.view.getFloat32(this.pos - 4);
      case 27:
        this.need(8);
        this.pos += 8;
        return this.view.getFloat64(this.pos - 8);
      case 31:
        return BREAK;
      default:
        return this.fail(`unsupported simple value (additional information ${info})`, at);
    }
  }
}

/** IEEE 754 binary16 -> number (RFC 8949 Appendix D). */
function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}
