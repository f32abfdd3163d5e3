import { createECDH, createHmac, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { DtlsClientCredentials } from '../../protocol/dtls/client-handshaker.ts';
import { simulatorPsk } from './simulator-psk.ts';

/** Order n of the P-256 group (FIPS 186-4 D.1.2.3): a private key is an integer in 1..n-1. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/**
 * The raw-public-key pair of one simulated device (RFC 7250, P-256 as RFC 7925 §4.4 asks): the private scalar is
 * HMAC-SHA256(run secret, "rpk:" + name), hashed again with a counter in the rare case it falls outside 1..n-1. As
 * with the PSKs, one secret per run lets worker processes derive every device's key without shipping keys over IPC.
 */
export function simulatorRpk(secretHex: string, endpoint: string): { privateKey: KeyObject; publicKeyPem: string } {
  const secret = Buffer.from(secretHex, 'hex');
  let d = createHmac('sha256', secret).update(`rpk:${endpoint}`).digest();
  for (let i = 1; BigInt('0x' + d.toString('hex')) === 0n || BigInt('0x' + d.toString('hex')) >= P256_ORDER; i++) {
    d = createHmac('sha256', secret).update(`rpk:${i}:${endpoint}`).digest();
  }
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}

/** How the simulator's devices authenticate over coaps (plain data, so worker processes get it over IPC). */
export interface SimulatorDtlsOptions {
  pskSecret?: string;
  rpkSecret?: string;
  /** RPK: the server's SubjectPublicKeyInfo (DER, base64) that devices pin; unset, they accept any server key. */
  serverPublicKey?: string;
}

/** The coaps credentials of one simulated device, or none (plain CoAP). */
export function simulatorDtls(o: SimulatorDtlsOptions, endpoint: string): { dtls?: DtlsClientCredentials } {
  if (o.pskSecret !== undefined) return { dtls: { psk: simulatorPsk(o.pskSecret, endpoint) } };
  if (o.rpkSecret === undefined) return {};
  return {
    dtls: {
      privateKey: simulatorRpk(o.rpkSecret, endpoint).privateKey,
      ...(o.serverPublicKey !== undefined ? { serverPublicKey: Buffer.from(o.serverPublicKey, 'base64') } : {}),
    },
  };
}
