/** Wire constants of DTLS 1.2 (RFC 6347, RFC 5246) and the extensions lwtwin speaks. */

/** DTLS 1.2 on the wire: 254.253 (RFC 6347 §4.1). */
export const DTLS_1_2 = 0xfefd;
/** DTLS 1.0, accepted in the record version of a first ClientHello (RFC 6347 §4.1). */
export const DTLS_1_0 = 0xfeff;

/** TLS ContentType (RFC 5246 §6.2.1, RFC 9146 §4 for tls12_cid). */
export const ContentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23, tls12Cid: 25 } as const;

/** HandshakeType (RFC 5246 §7.4, RFC 6347 §4.3.2). */
export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
} as const;

/** AlertDescription (RFC 5246 §7.2, RFC 4279 §2). */
export const AlertDescription = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  handshakeFailure: 40,
  badCertificate: 42,
  unsupportedCertificate: 43,
  certificateExpired: 45,
  certificateUnknown: 46,
  illegalParameter: 47,
  unknownCa: 48,
  accessDenied: 49,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
  noRenegotiation: 100,
  unsupportedExtension: 110,
  unknownPskIdentity: 115,
} as const;

export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** ExtensionType values lwtwin reads or writes. */
export const ExtensionType = {
  supportedGroups: 10, // RFC 8422 §5.1.1
  ecPointFormats: 11, // RFC 8422 §5.1.2
  signatureAlgorithms: 13, // RFC 5246 §7.4.1.4.1
  clientCertificateType: 19, // RFC 7250 §3
  serverCertificateType: 20, // RFC 7250 §3
  encryptThenMac: 22, // RFC 7366 (not supported: never echoed)
  extendedMasterSecret: 23, // RFC 7627
  connectionId: 54, // RFC 9146 §3
  renegotiationInfo: 0xff01, // RFC 5746
} as const;

/** TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3). */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;

/** CertificateType (RFC 7250 §3). */
export const CertificateType = { x509: 0, rawPublicKey: 2 } as const;

/** secp256r1 (RFC 8422 §5.1.1). */
export const NAMED_CURVE_SECP256R1 = 23;
/** SignatureAndHashAlgorithm ecdsa_secp256r1_sha256: hash sha256 (4), signature ecdsa (3). */
export const SIG_ECDSA_SHA256 = 0x0403;

/** Handshake message header length (RFC 6347 §4.2.2). */
export const HANDSHAKE_HEADER_LENGTH = 12;
/** Record header length without a CID (RFC 6347 §4.1). */
export const RECORD_HEADER_LENGTH = 13;
/** Largest record plaintext (RFC 5246 §6.2.1). */
export const MAX_PLAINTEXT = 16384;
