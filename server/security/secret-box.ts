/**
 * Encryption of secrets at rest — the one place lwtwin does it. Values are sealed with AES-256-GCM (NIST SP 800-38D)
 * under a key derived with HKDF-SHA256 (RFC 5869) from the configured server secret (`serverSecret`) and a purpose
 * label, so each use (PSK keys of the security store, ...) has its own key. The additional authenticated data binds a
 * sealed value to where it belongs (for a PSK: namespace, endpoint and identity), so a sealed key copied into another
 * entry does not open.
 *
 * Without a server secret values are stored as they are (prefix `p:`); a box with a secret still opens those, so a
 * secret can be configured later (entries are re-sealed when next written).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ServerError } from '../errors.ts';

const SEALED = 'g1:';
const PLAIN = 'p:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer | undefined;

  /**
   * @param secret the server secret (at least 32 characters), or undefined to store values unencrypted
   * @param purpose a label naming the use, e.g. `security-store/psk`
   */
  constructor(secret: string | undefined, purpose: string) {
    if (secret !== undefined && secret.length < 32) throw ServerError.badRequest('server secret must be at least 32 characters', { param: 'serverSecret' });
    this.#key = secret === undefined ? undefined : Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('lwtwin secret-box v1'), Buffer.from(purpose, 'utf8'), 32));
  }

  /** Whether values are encrypted (a server secret is configured). */
  get encrypts(): boolean {
    return this.#key !== undefined;
  }

  /** Seals `plain`; `aad` must be given again to open it. */
  seal(plain: Buffer, aad: string): string {
    if (!this.#key) return PLAIN + plain.toString('base64');
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /**
   * Opens a value made by `seal`.
   * @throws ServerError INTERNAL if it was sealed with another secret or aad, was tampered with, or is sealed while
   *   this box has no secret (the message never contains the value)
   */
  open(sealed: string, aad: string): Buffer {
    if (sealed.startsWith(PLAIN)) return Buffer.from(sealed.slice(PLAIN.length), 'base64');
    if (!sealed.startsWith(SEALED)) throw ServerError.internal('stored secret has an unknown format');
    if (!this.#key) throw ServerError.internal('stored secret is encrypted but no server secret is configured (serverSecret)');
    const raw = Buffer.from(sealed.slice(SEALED.length), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw ServerError.internal('stored secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw ServerError.internal('stored secret does not open with the configured server secret (wrong secret or tampered value)');
    }
  }
}
