import { randomFillSync } from 'node:crypto';

/** Default token length: 8 random bytes (RFC 7252 §5.3.1 asks for at least 32 bits of randomness). */
export const TOKEN_LENGTH = 8;

const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

/** A fresh random token (RFC 7252 §5.3.1), drawn from a pooled CSPRNG buffer to keep the hot path cheap. */
export function randomToken(length = TOKEN_LENGTH): Buffer {
  if (poolOffset + length > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const token = Buffer.allocUnsafe(length);
  pool.copy(token, 0, poolOffset, poolOffset + length);
  poolOffset += length;
  return token;
}

/** A map key for a token: one character per byte, so distinct tokens give distinct keys. */
export function tokenKey(token: Buffer): string {
  return token.toString('latin1');
}

/** The token a `tokenKey` was made from. */
export function tokenFromKey(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}
