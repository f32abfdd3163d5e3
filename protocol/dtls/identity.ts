/** Who the peer of a DTLS session proved to be. */
export type PeerIdentity =
  | { kind: 'psk'; identity: string } // RFC 4279 psk_identity, read as UTF-8
  | { kind: 'rpk'; publicKey: Buffer } // RFC 7250 SubjectPublicKeyInfo DER
  | { kind: 'x509'; commonName: string; certificate: Buffer }; // leaf certificate DER, subject CN

export function describeIdentity(id: PeerIdentity): string {
  if (id.kind === 'psk') return `psk identity ${JSON.stringify(id.identity)}`;
  if (id.kind === 'rpk') return `raw public key (${id.publicKey.length} bytes)`;
  return `certificate CN=${id.commonName}`;
}
