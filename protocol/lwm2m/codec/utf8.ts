import { isUtf8 } from 'node:buffer';
import { decodeFail, encodeFail } from './codec-error.ts';

/** One shared strict decoder: invalid UTF-8 throws instead of turning into U+FFFD (RFC 3629). */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes `bytes` as UTF-8 or throws `CODEC_DECODE` naming `what`. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  // isUtf8 (simdutf) rejects malformed input without the cost of an exception inside TextDecoder.
  if (!isUtf8(bytes)) return decodeFail(`invalid UTF-8 in ${what}`);
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (err) {
    return decodeFail(`invalid UTF-8 in ${what}`, err);
  }
}

/**
 * Decodes `buf[start, end)` as UTF-8. Short ASCII runs, the common case for names and values, skip the
 * TextDecoder call.
 */
export function decodeUtf8Range(buf: Buffer, start: number, end: number, what: string): string {
  if (end - start <= 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i] > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString('latin1', start, end);
  }
  return decodeUtf8(buf.subarray(start, end), what);
}

/** UTF-8 bytes of `s`; a string with an unpaired surrogate cannot be encoded and throws `CODEC_ENCODE`. */
export function encodeUtf8(s: string, what: string): Buffer {
  if (hasLoneSurrogate(s)) encodeFail(`${what}: string has an unpaired UTF-16 surrogate and is not valid Unicode`);
  return Buffer.from(s, 'utf8');
}

function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return true;
  }
  return false;
}
