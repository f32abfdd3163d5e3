import { decodeFail } from './codec-error.ts';

/** 6-bit value of each base64 character, both alphabets (RFC 4648 §4 and §5); -1 for anything else. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  DECODE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

/**
 * Strict base64 decoding (RFC 4648): accepts the standard and the URL-safe alphabet, with or without `=` padding,
 * and rejects any other character, a dangling 6-bit group and non-zero trailing bits. `what` names the value
 * in the error.
 */
export function decodeBase64(text: string, what: string): Buffer {
  let end = text.length;
  if (end % 4 === 0 && end > 0) {
    if (text.charCodeAt(end - 1) === 61) end--;
    if (text.charCodeAt(end - 1) === 61) end--;
  }
  const out = Buffer.allocUnsafe(Math.floor((end * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) decodeFail(`${what}: invalid base64 character ${JSON.stringify(text[i])} at offset ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (end % 4 === 1) decodeFail(`${what}: base64 text has an impossible length ${text.length}`);
  if ((acc & ((1 << bits) - 1)) !== 0) decodeFail(`${what}: base64 text has non-zero padding bits`);
  return out;
}

/** Standard base64 with padding (RFC 4648 §4), as LwM2M text and LwM2M JSON carry opaque values. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** URL-safe base64 without padding (RFC 4648 §5), as SenML JSON `vd` requires (RFC 8428 §4.3). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
