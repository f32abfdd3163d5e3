import { AeadCipher, CbcHmacCipher, type CipherKeySizes, type RecordCipher } from './record-cipher.ts';

export type KeyExchange = 'psk' | 'ecdhe_ecdsa';
export type BulkCipher = 'ccm8' | 'gcm' | 'cbc';

export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  readonly keyExchange: KeyExchange;
  readonly bulk: BulkCipher;
  readonly keys: CipherKeySizes;
}

const AEAD_KEYS: CipherKeySizes = { macKey: 0, encKey: 16, fixedIv: 4 };
const CBC_KEYS: CipherKeySizes = { macKey: 32, encKey: 16, fixedIv: 0 };

/** The suites lwtwin negotiates, in server preference order (RFC 7925 §4.3, §4.4 mandate the CCM_8 ones). */
export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 0xc0a8, name: 'TLS_PSK_WITH_AES_128_CCM_8', keyExchange: 'psk', bulk: 'ccm8', keys: AEAD_KEYS }, // RFC 6655
  { id: 0x00ae, name: 'TLS_PSK_WITH_AES_128_CBC_SHA256', keyExchange: 'psk', bulk: 'cbc', keys: CBC_KEYS }, // RFC 5487
  { id: 0xc0ae, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8', keyExchange: 'ecdhe_ecdsa', bulk: 'ccm8', keys: AEAD_KEYS }, // RFC 7251
  { id: 0xc02b, name: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', keyExchange: 'ecdhe_ecdsa', bulk: 'gcm', keys: AEAD_KEYS }, // RFC 5289
];

export function suiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.id === id);
}

/** Both directions' ciphers from the key block (RFC 5246 §6.3): client MAC, server MAC, client key, server key, client IV, server IV. */
export function deriveCiphers(suite: CipherSuite, keyBlock: Buffer): { client: RecordCipher; server: RecordCipher } {
  const { macKey, encKey, fixedIv } = suite.keys;
  let o = 0;
  const take = (n: number): Buffer => keyBlock.subarray(o, (o += n));
  const clientMac = take(macKey);
  const serverMac = take(macKey);
  const clientKey = take(encKey);
  const serverKey = take(encKey);
  const clientIv = take(fixedIv);
  const serverIv = take(fixedIv);
  if (suite.bulk === 'cbc') return { client: new CbcHmacCipher(clientMac, clientKey), server: new CbcHmacCipher(serverMac, serverKey) };
  return { client: new AeadCipher(suite.bulk, clientKey, clientIv), server: new AeadCipher(suite.bulk, serverKey, serverIv) };
}

export function keyBlockLength(suite: CipherSuite): number {
  return 2 * (suite.keys.macKey + suite.keys.encKey + suite.keys.fixedIv);
}
