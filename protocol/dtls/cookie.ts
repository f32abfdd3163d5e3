import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientHello } from './messages.ts';

const COOKIE_LENGTH = 16;

/**
 * Stateless cookies for HelloVerifyRequest (RFC 6347 §4.2.1): HMAC-SHA256 under a secret that rotates every
 * `rotateMs`, over the client's address and port and every ClientHello field except the cookie. A cookie of the
 * current or the previous secret is accepted, so one is valid between one and two rotation periods.
 */
export class CookieGenerator {
  private secret = randomBytes(32);
  private previous: Buffer | undefined;
  private rotatedAt: number;

  constructor(
    private readonly rotateMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.rotatedAt = now();
  }

  private rotate(): void {
    const t = this.now();
    if (t - this.rotatedAt < this.rotateMs) return;
    this.previous = t - this.rotatedAt < 2 * this.rotateMs ? this.secret : undefined;
    this.secret = randomBytes(32);
    this.rotatedAt = t;
  }

  private compute(secret: Buffer, address: string, port: number, hello: ClientHello): Buffer {
    const h = createHmac('sha256', secret);
    h.update(`${address}|${port}|`);
    const fixed = Buffer.allocUnsafe(2);
    fixed.writeUInt16BE(hello.version);
    h.update(fixed).update(hello.random).update(hello.sessionId);
    for (const s of hello.cipherSuites) h.update(`${s},`);
    h.update(hello.compressionMethods);
    for (const e of hello.extensions) h.update(`${e.type}:${e.data.length}:`).update(e.data);
    return h.digest().subarray(0, COOKIE_LENGTH);
  }

  generate(address: string, port: number, hello: ClientHello): Buffer {
    this.rotate();
    return this.compute(this.secret, address, port, hello);
  }

  /** Constant-time check of the ClientHello's cookie against the current and previous secret. */
  verify(address: string, port: number, hello: ClientHello): boolean {
    if (hello.cookie.length !== COOKIE_LENGTH) return false;
    this.rotate();
    let ok = timingSafeEqual(this.compute(this.secret, address, port, hello), hello.cookie);
    if (this.previous !== undefined) ok = timingSafeEqual(this.compute(this.previous, address, port, hello), hello.cookie) || ok;
    return ok;
  }
}
