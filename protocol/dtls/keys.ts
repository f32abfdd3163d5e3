import { createECDH, createPublicKey, type KeyObject, sign, verify, X509Certificate } from 'node:crypto';
import { AlertDescription, NAMED_CURVE_SECP256R1, SIG_ECDSA_SHA256 } from './constants.ts';
import { DtlsFailure } from './failure.ts';
import { Reader, u16, u8, vec } from './reader.ts';

/** An ephemeral P-256 key pair (RFC 8422 §5.4): the public point uncompressed, 65 bytes. */
export function ephemeralP256(): { publicPoint: Buffer; computeSecret(peerPoint: Buffer): Buffer } {
  const ecdh = createECDH('prime256v1');
  const publicPoint = ecdh.generateKeys();
  return {
    publicPoint,
    computeSecret(peerPoint) {
      try {
        return ecdh.computeSecret(peerPoint);
      } catch {
        throw new DtlsFailure(AlertDescription.illegalParameter, 'peer ECDH point is not on P-256');
      }
    },
  };
}

/** ServerECDHParams (RFC 8422 §5.4): curve_type named_curve (3) ‖ secp256r1 ‖ ECPoint. */
export function encodeEcdhParams(point: Buffer): Buffer {
  return Buffer.concat([u8(3), u16(NAMED_CURVE_SECP256R1), vec(1, point)]);
}

/** ServerKeyExchange for ECDHE_ECDSA: params ‖ DigitallySigned(client_random ‖ server_random ‖ params). */
export function encodeEcdheServerKeyExchange(point: Buffer, clientRandom: Buffer, serverRandom: Buffer, key: KeyObject): Buffer {
  const params = encodeEcdhParams(point);
  const signature = sign('sha256', Buffer.concat([clientRandom, serverRandom, params]), { key, dsaEncoding: 'der' });
  return Buffer.concat([params, u16(SIG_ECDSA_SHA256), vec(2, signature)]);
}

/** Parses and verifies an ECDHE_ECDSA ServerKeyExchange; returns the server's point. */
export function verifyEcdheServerKeyExchange(body: Buffer, clientRandom: Buffer, serverRandom: Buffer, serverKey: KeyObject): Buffer {
  const r = new Reader(body, 'ServerKeyExchange');
  if (r.u8() !== 3 || r.u16() !== NAMED_CURVE_SECP256R1) throw new DtlsFailure(AlertDescription.illegalParameter, 'ServerKeyExchange names a curve other than secp256r1');
  const point = r.vector(1);
  const params = body.subarray(0, r.offset);
  const alg = r.u16();
  const signature = r.vector(2);
  r.end();
  if (alg !== SIG_ECDSA_SHA256) throw new DtlsFailure(AlertDescription.illegalParameter, 'ServerKeyExchange is not signed with ecdsa_secp256r1_sha256');
  if (!verifySignature(Buffer.concat([clientRandom, serverRandom, params]), signature, serverKey)) {
    throw new DtlsFailure(AlertDescription.decryptError, 'ServerKeyExchange signature does not verify');
  }
  return point;
}

export function verifySignature(data: Buffer, signature: Buffer, key: KeyObject): boolean {
  try {
    return verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** CertificateVerify (RFC 5246 §7.4.8): DigitallySigned over every handshake message so far. */
export function encodeCertificateVerify(transcript: Buffer, key: KeyObject): Buffer {
  return Buffer.concat([u16(SIG_ECDSA_SHA256), vec(2, sign('sha256', transcript, { key, dsaEncoding: 'der' }))]);
}

export function checkCertificateVerify(body: Buffer, transcript: Buffer, key: KeyObject): void {
  const r = new Reader(body, 'CertificateVerify');
  const alg = r.u16();
  const signature = r.vector(2);
  r.end();
  if (alg !== SIG_ECDSA_SHA256 || !verifySignature(transcript, signature, key)) {
    throw new DtlsFailure(AlertDescription.decryptError, 'CertificateVerify does not verify');
  }
}

/** CertificateRequest (RFC 5246 §7.4.4): ecdsa_sign (64), ecdsa_secp256r1_sha256, no CA names. */
export function encodeCertificateRequest(): Buffer {
  return Buffer.concat([vec(1, u8(64)), vec(2, u16(SIG_ECDSA_SHA256)), vec(2, Buffer.alloc(0))]);
}

/** A P-256 public key from SubjectPublicKeyInfo DER; anything else is `unsupported_certificate`. */
export function p256PublicKey(spki: Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new DtlsFailure(AlertDescription.badCertificate, 'certificate does not hold a SubjectPublicKeyInfo');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new DtlsFailure(AlertDescription.unsupportedCertificate, 'public key is not an EC P-256 key');
  }
  return key;
}

export function spkiDer(key: KeyObject): Buffer {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
}

/** The subject CN of a certificate, or undefined. */
export function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/**
 * Verifies an X.509 chain (leaf first) against trusted CAs (RFC 5280 path validation, simplified: signatures,
 * issuer names, validity periods, CA flag on issuers). Returns the leaf.
 */
export function verifyChain(chainDer: Buffer[], trusted: X509Certificate[], now = new Date()): X509Certificate {
  if (chainDer.length === 0) throw new DtlsFailure(AlertDescription.badCertificate, 'empty certificate chain');
  let chain: X509Certificate[];
  try {
    chain = chainDer.map((d) => new X509Certificate(d));
  } catch {
    throw new DtlsFailure(AlertDescription.badCertificate, 'certificate does not parse');
  }
  for (const c of chain) {
    if (new Date(c.validFrom) > now || new Date(c.validTo) < now) throw new DtlsFailure(AlertDescription.certificateExpired, 'certificate outside its validity period');
  }
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    const anchor = trusted.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    if (anchor !== undefined) return chain[0];
    const next = chain[i + 1];
    if (next === undefined || !next.ca || !cert.checkIssued(next) || !cert.verify(next.publicKey)) break;
  }
  throw new DtlsFailure(AlertDescription.unknownCa, 'certificate does not chain to a configured CA');
}
