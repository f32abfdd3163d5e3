import { createHash } from 'node:crypto';

/** Who the peer of a DTLS session proved to be. */
export type PeerIdentity =
  | { kind: 'psk'; identity: string } // RFC 4279 psk_identity, read as UTF-8
  | { kind: 'rpk'; publicKey: Buffer } // RFC 7250 SubjectPublicKeyInfo DER
  | { kind: 'x509'; commonName: string; certificate: Buffer }; // leaf certificate DER, subject CN

/**
 * The identity as one string, for recording who made a registration and comparing later requests with it: the PSK
 * identity, the SHA-256 of the raw public key, or the certificate's CN (a renewed certificate keeps its identity).
 */
export function identityKey(id: PeerIdentity): string {
  if (id.kind === 'psk') return `psk:${id.identity}`;
  if (id.kind === 'rpk') return `rpk:${createHash('sha256').update(id.publicKey).digest('hex')}`;
  return `x509:${id.commonName}`;
}

export function describeIdentity(id: PeerIdentity): string {
  if (id.kind === 'psk') return `psk identity ${JSON.stringify(id.identity)}`;
  if (id.kind === 'rpk') return `raw public key (${id.publicKey.length} bytes)`;
  return `certificate CN=${id.commonName}`;
}
