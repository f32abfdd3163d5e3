import { ProtocolError } from '../errors.ts';

/** A bounds-checked cursor over a buffer: every read past the end throws `DTLS_DECODE`. */
export class Reader {
  offset = 0;
  constructor(
    readonly buf: Buffer,
    readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw new ProtocolError('DTLS_DECODE', `${this.what}: truncated (need ${n} bytes at ${this.offset} of ${this.buf.length})`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++];
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntBE(this.offset, 3);
    this.offset += 3;
    return v;
  }

  u48(): number {
    this.need(6);
    const v = this.buf.readUIntBE(this.offset, 6);
    this.offset += 6;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix. */
  vector(lengthBytes: 1 | 2 | 3): Buffer {
    const n = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    return this.bytes(n);
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  end(): void {
    if (this.remaining !== 0) throw new ProtocolError('DTLS_DECODE', `${this.what}: ${this.remaining} trailing bytes`);
  }
}

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}

export function u16(v: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(v);
  return b;
}

export function u24(v: number): Buffer {
  const b = Buffer.allocUnsafe(3);
  b.writeUIntBE(v, 0, 3);
  return b;
}

export function u48(v: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b.writeUIntBE(v, 0, 6);
  return b;
}

/** A vector with its length prefix. */
export function vec(lengthBytes: 1 | 2 | 3, body: Buffer): Buffer {
  const max = 2 ** (8 * lengthBytes) - 1;
  if (body.length > max) throw new ProtocolError('DTLS_DECODE', `vector of ${body.length} bytes exceeds its ${lengthBytes}-byte length`);
  const len = lengthBytes === 1 ? u8(body.length) : lengthBytes === 2 ? u16(body.length) : u24(body.length);
  return Buffer.concat([len, body]);
}
