import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Protection of one direction of one epoch (RFC 5246 §6.2.3). `seqNum` is the 8-byte epoch ‖ sequence number;
 * `additionalData(n)` builds the header that is authenticated for a plaintext of n bytes (RFC 6347 §4.1.2.1, or
 * RFC 9146 §5 with a connection ID). `open` returns undefined for any record that does not authenticate; the
 * caller drops it silently (RFC 6347 §4.1.2.7).
 */
export interface RecordCipher {
  readonly overhead: number;
  seal(seqNum: Buffer, additionalData: (plaintextLength: number) => Buffer, plaintext: Buffer): Buffer;
  open(seqNum: Buffer, additionalData: (plaintextLength: number) => Buffer, fragment: Buffer): Buffer | undefined;
}

/** Key material sizes of a bulk cipher (RFC 5246 §6.3). */
export interface CipherKeySizes {
  macKey: number;
  encKey: number;
  fixedIv: number;
}

const EXPLICIT_NONCE = 8;

export type AeadMode = 'ccm8' | 'gcm';

function algorithm(mode: AeadMode): 'aes-128-ccm' {
  return (mode === 'ccm8' ? 'aes-128-ccm' : 'aes-128-gcm') as 'aes-128-ccm';
}

export function tagLength(mode: AeadMode): number {
  return mode === 'ccm8' ? 8 : 16;
}

/** AES-128-CCM with an 8-byte tag (RFC 3610, RFC 6655) or AES-128-GCM: ciphertext ‖ tag. */
export function aeadSeal(mode: AeadMode, key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const cipher = createCipheriv(algorithm(mode), key, nonce, { authTagLength: tagLength(mode) });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** Inverse of `aeadSeal`; undefined when the tag does not verify. */
export function aeadOpen(mode: AeadMode, key: Buffer, nonce: Buffer, aad: Buffer, sealed: Buffer): Buffer | undefined {
  const t = tagLength(mode);
  if (sealed.length < t) return undefined;
  const body = sealed.subarray(0, sealed.length - t);
  try {
    const decipher = createDecipheriv(algorithm(mode), key, nonce, { authTagLength: t });
    decipher.setAuthTag(sealed.subarray(sealed.length - t));
    decipher.setAAD(aad, { plaintextLength: body.length });
    const plain = decipher.update(body);
    decipher.final();
    return plain;
  } catch {
    return undefined;
  }
}

/**
 * AES-128-CCM_8 (RFC 6655 §3) or AES-128-GCM (RFC 5288 §3) records: nonce = 4-byte salt from the key block ‖
 * 8-byte explicit nonce (epoch ‖ sequence number), which travels in front of the ciphertext.
 */
export class AeadCipher implements RecordCipher {
  readonly overhead: number;

  constructor(
    private readonly mode: AeadMode,
    private readonly key: Buffer,
    private readonly salt: Buffer,
  ) {
    this.overhead = EXPLICIT_NONCE + tagLength(mode);
  }

  seal(seqNum: Buffer, additionalData: (n: number) => Buffer, plaintext: Buffer): Buffer {
    const nonce = Buffer.concat([this.salt, seqNum]);
    return Buffer.concat([seqNum, aeadSeal(this.mode, this.key, nonce, additionalData(plaintext.length), plaintext)]);
  }

  open(_seqNum: Buffer, additionalData: (n: number) => Buffer, fragment: Buffer): Buffer | undefined {
    if (fragment.length < this.overhead) return undefined;
    const explicit = fragment.subarray(0, EXPLICIT_NONCE);
    const sealed = fragment.subarray(EXPLICIT_NONCE);
    return aeadOpen(this.mode, this.key, Buffer.concat([this.salt, explicit]), additionalData(sealed.length - tagLength(this.mode)), sealed);
  }
}

const MAC_LENGTH = 32;
const BLOCK = 16;

/**
 * AES-128-CBC with HMAC-SHA256, MAC-then-encrypt (RFC 5246 §6.2.3.2) with an explicit random IV per record.
 *
 * Uniform time, as far as practical (RFC 5246 §6.2.3.2 implementation note; AlFardan and Paterson, "Lucky Thirteen",
 * 2013): the padding check always reads 256 bytes without an early exit; a bad padding is treated as no padding, so a
 * MAC is always computed and compared (timingSafeEqual); and the bytes the padding removed from the MAC input are fed to
 * a second, discarded HMAC, so every record of a given length hashes the same number of bytes whatever its padding. What
 * remains: SHA-256 works in 64-byte blocks, so splitting those bytes over two HMACs can still differ by one compression
 * (about a microsecond) between paddings; and Node and OpenSSL call overheads are not constant-time by contract. A
 * remote attacker also gets no padding oracle from alerts, since every bad record is dropped silently (RFC 6347
 * §4.1.2.7) and the session goes on. The AEAD suites (CCM_8, GCM), preferred by the server, have none of this.
 */
export class CbcHmacCipher implements RecordCipher {
  readonly overhead = BLOCK + MAC_LENGTH + BLOCK;

  constructor(
    private readonly macKey: Buffer,
    private readonly encKey: Buffer,
  ) {}

  private mac(header: Buffer, plaintext: Buffer): Buffer {
    return createHmac('sha256', this.macKey).update(header).update(plaintext).digest();
  }

  seal(_seqNum: Buffer, additionalData: (n: number) => Buffer, plaintext: Buffer): Buffer {
    const mac = this.mac(additionalData(plaintext.length), plaintext);
    const padLength = (BLOCK - ((plaintext.length + MAC_LENGTH + 1) % BLOCK)) % BLOCK;
    const padding = Buffer.alloc(padLength + 1, padLength);
    const iv = randomBytes(BLOCK);
    const cipher = createCipheriv('aes-128-cbc', this.encKey, iv).setAutoPadding(false);
    return Buffer.concat([iv, cipher.update(Buffer.concat([plaintext, mac, padding])), cipher.final()]);
  }

  open(_seqNum: Buffer, additionalData: (n: number) => Buffer, fragment: Buffer): Buffer | undefined {
    if (fragment.length < BLOCK + MAC_LENGTH + BLOCK || fragment.length % BLOCK !== 0) return undefined;
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-128-cbc', this.encKey, fragment.subarray(0, BLOCK)).setAutoPadding(false);
      plain = Buffer.concat([decipher.update(fragment.subarray(BLOCK)), decipher.final()]);
    } catch {
      return undefined;
    }
    const n = plain.length;
    const padLength = plain[n - 1];
    // good = 1 while the padding fits and every padding byte equals padLength; computed without early exit.
    let good = padLength + 1 + MAC_LENGTH <= n ? 1 : 0;
    for (let i = 0; i < 256; i++) {
      const inPad = i <= padLength ? 1 : 0;
      const idx = n - 1 - (i % n);
      good &= (plain[idx] === padLength ? 1 : 0) | (inPad ^ 1);
    }
    const strip = good === 1 ? padLength + 1 : 0;
    const contentLength = n - strip - MAC_LENGTH;
    if (contentLength < 0) return undefined;
    const content = plain.subarray(0, contentLength);
    const expected = this.mac(additionalData(contentLength), content);
    // As many bytes again as the padding took off the MAC input, through a discarded HMAC (see the class comment).
    createHmac('sha256', this.macKey).update(plain.subarray(contentLength + MAC_LENGTH, contentLength + MAC_LENGTH + strip)).digest();
    const macOk = timingSafeEqual(expected, plain.subarray(contentLength, contentLength + MAC_LENGTH));
    return macOk && good === 1 ? content : undefined;
  }
}

/** Epoch 0: records travel in the clear. */
export const NULL_CIPHER: RecordCipher = {
  overhead: 0,
  seal: (_s, _a, plaintext) => plaintext,
  open: (_s, _a, fragment) => fragment,
};
