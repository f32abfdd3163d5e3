import { createHash, type KeyObject, randomBytes, timingSafeEqual, type X509Certificate } from 'node:crypto';
import { CIPHER_SUITES, type CipherSuite } from './cipher-suites.ts';
import { AlertDescription, CertificateType, DTLS_1_2, EMPTY_RENEGOTIATION_INFO_SCSV, ExtensionType, HandshakeType, NAMED_CURVE_SECP256R1 } from './constants.ts';
import type { DtlsConnection, Handshaker } from './connection.ts';
import { DtlsFailure } from './failure.ts';
import type { HandshakeMessage } from './handshake.ts';
import { HandshakeBase } from './handshake-base.ts';
import type { PeerIdentity } from './identity.ts';
import { checkCertificateVerify, commonName, encodeCertificateRequest, encodeEcdheServerKeyExchange, ephemeralP256, p256PublicKey, spkiDer, verifyChain } from './keys.ts';
import { type ClientHello, encodeRpkCertificate, encodeServerHello, encodeX509Certificate, type Extension, findExtension, parseClientHello, parseEcdhClientKeyExchange, parsePskClientKeyExchange, parseRpkCertificate, parseU16List, parseU8List, parseX509Certificate } from './messages.ts';
import { masterSecret, pskPreMasterSecret } from './prf.ts';
import { Reader, u8, vec } from './reader.ts';
import type { SessionCache } from './session-cache.ts';

/** How the server side authenticates devices and itself. */
export interface DtlsServerCredentials {
  /** PSK suites: the key of a PSK identity (RFC 4279), or undefined when the identity is unknown. */
  pskKey?(identity: string): Buffer | undefined | Promise<Buffer | undefined>;
  /** ECDHE_ECDSA suites: the server's P-256 private key, and its certificate chain (leaf first) for X.509 peers. */
  privateKey?: KeyObject;
  certificateChain?: Buffer[];
  /** RPK clients (RFC 7250): whether this SubjectPublicKeyInfo belongs to a known device. */
  trustRawPublicKey?(spki: Buffer): boolean | Promise<boolean>;
  /** X.509 clients: the CAs their chains must end in. */
  trustedCas?: X509Certificate[];
}

type State = 'hello' | 'clientCertificate' | 'clientKeyExchange' | 'certificateVerify' | 'finished' | 'resumedFinished' | 'done';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fingerprint(key: Buffer): Buffer {
  return createHash('sha256').update(key).digest();
}

/**
 * The server role of the DTLS 1.2 handshake (RFC 6347 §4.2, RFC 5246 §7) after the cookie exchange: full
 * handshakes with PSK (RFC 4279) or ECDHE_ECDSA (RFC 8422) with raw public keys (RFC 7250) or X.509 client
 * certificates, the extended master secret (RFC 7627), session resumption, and Connection ID (RFC 9146).
 */
export class ServerHandshaker extends HandshakeBase implements Handshaker {
  private state: State = 'hello';
  private hello: ClientHello | undefined;
  private ems = false;
  private clientCertType: number = CertificateType.x509;
  private clientKey: KeyObject | undefined;
  private identity: PeerIdentity | undefined;
  private pskFingerprint: Buffer | undefined;
  private ecdh: ReturnType<typeof ephemeralP256> | undefined;
  private sessionId: Buffer = Buffer.alloc(0);

  get claimedIdentity(): PeerIdentity | undefined {
    return this.identity;
  }

  constructor(
    conn: DtlsConnection,
    private readonly creds: DtlsServerCredentials,
    private readonly sessions: SessionCache,
    private readonly cidLength: number,
    private readonly cidPrefix: Buffer = Buffer.alloc(0),
  ) {
    super(conn);
  }

  get awaitingFinished(): boolean {
    return this.state === 'finished' || this.state === 'resumedFinished';
  }

  handle(m: HandshakeMessage, epoch: number): void | Promise<void> {
    switch (this.state) {
      case 'hello':
        return this.expect(m, HandshakeType.clientHello, () => this.onClientHello(m));
      case 'clientCertificate':
        return this.expect(m, HandshakeType.certificate, () => this.onClientCertificate(m));
      case 'clientKeyExchange':
        return this.expect(m, HandshakeType.clientKeyExchange, () => this.onClientKeyExchange(m));
      case 'certificateVerify':
        return this.expect(m, HandshakeType.certificateVerify, () => this.onCertificateVerify(m));
      case 'finished':
        return this.expect(m, HandshakeType.finished, () => this.onFinished(m, epoch));
      case 'resumedFinished':
        return this.expect(m, HandshakeType.finished, () => this.onResumedFinished(m, epoch));
      default:
        return;
    }
  }

  private expect<T>(m: HandshakeMessage, type: number, run: () => T): T {
    if (m.msgType !== type) throw new DtlsFailure(AlertDescription.unexpectedMessage, `handshake message ${m.msgType} where ${type} was expected`);
    this.conn.flightAnswered();
    return run();
  }

  // --- ClientHello -------------------------------------------------------------------------------------------

  private onClientHello(m: HandshakeMessage): void | Promise<void> {
    const hello = parseClientHello(m.body);
    // Lower is newer: 0xfefd is DTLS 1.2, 0xfeff DTLS 1.0, which RFC 7925 §3 rules out.
    if (hello.version > DTLS_1_2) throw new DtlsFailure(AlertDescription.protocolVersion, 'the client offers only DTLS 1.0');
    if (!hello.compressionMethods.includes(0)) throw new DtlsFailure(AlertDescription.illegalParameter, 'ClientHello does not offer null compression');
    this.hello = hello;
    this.clientRandom = hello.random;
    this.sendSeq = m.messageSeq; // the server answers a cookie exchange with the ClientHello's message_seq (RFC 6347 §4.2.2)
    this.incoming(m);
    this.ems = findExtension(hello.extensions, ExtensionType.extendedMasterSecret) !== undefined;
    const cached = this.sessions.get(hello.sessionId);
    if (cached !== undefined && cached.extendedMasterSecret === this.ems && hello.cipherSuites.includes(cached.suiteId)) {
      this.pskFingerprint = cached.pskFingerprint;
      if (cached.identity.kind === 'psk' && this.creds.pskKey !== undefined) {
        const identity = cached.identity;
        return this.then(this.creds.pskKey(identity.identity), (key) => {
          // The PSK may have been changed or removed since: then only a full handshake will do.
          const stored = cached.pskFingerprint;
          if (key !== undefined && stored !== undefined && timingSafeEqual(fingerprint(key), stored)) this.resume(cached.id, cached.master, cached.suiteId, identity);
          else this.fullHandshake();
        });
      }
      if (cached.identity.kind !== 'psk') {
        this.resume(cached.id, cached.master, cached.suiteId, cached.identity);
        return;
      }
    }
    this.fullHandshake();
  }

  private then<T>(v: T | Promise<T>, next: (v: T) => void | Promise<void>): void | Promise<void> {
    return v instanceof Promise ? v.then(next) : next(v);
  }

  /** Picks the first suite in server preference that the client offers and the credentials allow. */
  private chooseSuite(hello: ClientHello): CipherSuite {
    const groups = findExtension(hello.extensions, ExtensionType.supportedGroups);
    const p256 = groups === undefined || parseU16List(groups).includes(NAMED_CURVE_SECP256R1);
    for (const s of CIPHER_SUITES) {
      if (!hello.cipherSuites.includes(s.id)) continue;
      if (s.keyExchange === 'psk' && this.creds.pskKey !== undefined) return s;
      if (s.keyExchange === 'ecdhe_ecdsa' && this.creds.privateKey !== undefined && p256 && this.certificateTypes(hello) !== undefined) return s;
    }
    throw new DtlsFailure(AlertDescription.handshakeFailure, 'no cipher suite in common');
  }

  /** RFC 7250 §4.1: the server's and client's certificate types, or undefined when none fits. */
  private certificateTypes(hello: ClientHello): { server: number; client: number } | undefined {
    const srvExt = findExtension(hello.extensions, ExtensionType.serverCertificateType);
    const cliExt = findExtension(hello.extensions, ExtensionType.clientCertificateType);
    const srvOffered = srvExt === undefined ? [CertificateType.x509] : parseU8List(srvExt);
    const cliOffered = cliExt === undefined ? [CertificateType.x509] : parseU8List(cliExt);
    const server = srvOffered.includes(CertificateType.rawPublicKey) ? CertificateType.rawPublicKey : srvOffered.includes(CertificateType.x509) && this.creds.certificateChain !== undefined ? CertificateType.x509 : undefined;
    const client = cliOffered.includes(CertificateType.rawPublicKey) && this.creds.trustRawPublicKey !== undefined ? CertificateType.rawPublicKey : cliOffered.includes(CertificateType.x509) && (this.creds.trustedCas?.length ?? 0) > 0 ? CertificateType.x509 : undefined;
    return server === undefined || client === undefined ? undefined : { server, client };
  }

  private serverHelloExtensions(hello: ClientHello, suite: CipherSuite, certTypes: { server: number; client: number } | undefined): Extension[] {
    const exts: Extension[] = [];
    if (findExtension(hello.extensions, ExtensionType.renegotiationInfo) !== undefined || hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV)) {
      exts.push({ type: ExtensionType.renegotiationInfo, data: u8(0) }); // RFC 5746 §3.6: empty renegotiated_connection
    }
    if (this.ems) exts.push({ type: ExtensionType.extendedMasterSecret, data: Buffer.alloc(0) });
    if (suite.keyExchange === 'ecdhe_ecdsa' && findExtension(hello.extensions, ExtensionType.ecPointFormats) !== undefined) {
      exts.push({ type: ExtensionType.ecPointFormats, data: vec(1, u8(0)) });
    }
    if (certTypes !== undefined) {
      if (findExtension(hello.extensions, ExtensionType.clientCertificateType) !== undefined) exts.push({ type: ExtensionType.clientCertificateType, data: u8(certTypes.client) });
      if (findExtension(hello.extensions, ExtensionType.serverCertificateType) !== undefined) exts.push({ type: ExtensionType.serverCertificateType, data: u8(certTypes.server) });
    }
    const cid = findExtension(hello.extensions, ExtensionType.connectionId);
    if (cid !== undefined && this.cidLength > 0) {
      const r = new Reader(cid, 'connection_id');
      const peerCid = r.vector(1);
      r.end();
      this.conn.cidOut = peerCid.length > 0 ? peerCid : undefined;
      this.conn.cidIn = Buffer.concat([this.cidPrefix, randomBytes(this.cidLength)]);
      exts.push({ type: ExtensionType.connectionId, data: vec(1, this.conn.cidIn) });
    }
    return exts;
  }

  private serverHello(suite: CipherSuite, certTypes: { server: number; client: number } | undefined): HandshakeMessage {
    const hello = this.hello!;
    this.serverRandom = randomBytes(32);
    this.serverRandom.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
    return this.outgoing(HandshakeType.serverHello, encodeServerHello({ version: DTLS_1_2, random: this.serverRandom, sessionId: this.sessionId, cipherSuite: suite.id, extensions: this.serverHelloExtensions(hello, suite, certTypes) }));
  }

  private fullHandshake(): void {
    const hello = this.hello!;
    this.suite = this.chooseSuite(hello);
    this.sessionId = randomBytes(32);
    const certTypes = this.suite.keyExchange === 'ecdhe_ecdsa' ? this.certificateTypes(hello)! : undefined;
    const flight = [this.item(this.serverHello(this.suite, certTypes))];
    if (certTypes !== undefined) {
      const key = this.creds.privateKey!;
      const cert = certTypes.server === CertificateType.rawPublicKey ? encodeRpkCertificate(spkiDer(key)) : encodeX509Certificate(this.creds.certificateChain!);
      flight.push(this.item(this.outgoing(HandshakeType.certificate, cert)));
      this.ecdh = ephemeralP256();
      flight.push(this.item(this.outgoing(HandshakeType.serverKeyExchange, encodeEcdheServerKeyExchange(this.ecdh.publicPoint, this.clientRandom, this.serverRandom, key))));
      flight.push(this.item(this.outgoing(HandshakeType.certificateRequest, encodeCertificateRequest())));
      this.clientCertType = certTypes.client;
      this.state = 'clientCertificate';
    } else {
      this.state = 'clientKeyExchange';
    }
    flight.push(this.item(this.outgoing(HandshakeType.serverHelloDone, Buffer.alloc(0))));
    this.conn.sendFlight(flight, false);
  }

  /** Abbreviated handshake (RFC 5246 §7.3): ServerHello, ChangeCipherSpec, Finished from the server first. */
  private resume(id: Buffer, master: Buffer, suiteId: number, identity: PeerIdentity): void {
    this.sessionId = id;
    this.suite = CIPHER_SUITES.find((s) => s.id === suiteId)!;
    this.master = master;
    this.identity = identity;
    const sh = this.serverHello(this.suite, undefined);
    this.installKeys();
    const fin = this.outgoing(HandshakeType.finished, this.finishedBody(false));
    this.conn.sendFlight([this.item(sh), { kind: 'ccs', epoch: 1 }, this.item(fin, 1)], false);
    this.state = 'resumedFinished';
  }

  // --- client flight -----------------------------------------------------------------------------------------

  private onClientCertificate(m: HandshakeMessage): void | Promise<void> {
    this.incoming(m);
    if (this.clientCertType === CertificateType.rawPublicKey) {
      const spki = parseRpkCertificate(m.body);
      this.clientKey = p256PublicKey(spki);
      const canonical = spkiDer(this.clientKey);
      return this.then(this.creds.trustRawPublicKey!(canonical), (trusted) => {
        if (!trusted) throw new DtlsFailure(AlertDescription.accessDenied, 'raw public key is not registered for any device');
        this.identity = { kind: 'rpk', publicKey: canonical };
        this.state = 'clientKeyExchange';
      });
    }
    const chain = parseX509Certificate(m.body);
    if (chain.length === 0) throw new DtlsFailure(AlertDescription.handshakeFailure, 'client sent no certificate');
    const leaf = verifyChain(chain, this.creds.trustedCas ?? []);
    const cn = commonName(leaf);
    if (cn === undefined) throw new DtlsFailure(AlertDescription.badCertificate, 'client certificate has no subject CN');
    this.clientKey = p256PublicKey(leaf.publicKey.export({ format: 'der', type: 'spki' }));
    this.identity = { kind: 'x509', commonName: cn, certificate: chain[0] };
    this.state = 'clientKeyExchange';
  }

  private onClientKeyExchange(m: HandshakeMessage): void | Promise<void> {
    this.incoming(m);
    if (this.suite!.keyExchange === 'ecdhe_ecdsa') {
      const point = parseEcdhClientKeyExchange(m.body);
      this.deriveMaster(this.ecdh!.computeSecret(point));
      this.state = 'certificateVerify';
      return;
    }
    const raw = parsePskClientKeyExchange(m.body);
    let identity: string;
    try {
      identity = utf8.decode(raw);
    } catch {
      throw new DtlsFailure(AlertDescription.unknownPskIdentity, 'PSK identity is not UTF-8');
    }
    return this.then(this.creds.pskKey!(identity), (key) => {
      if (key === undefined || key.length === 0) throw new DtlsFailure(AlertDescription.unknownPskIdentity, `unknown PSK identity ${JSON.stringify(identity)}`);
      this.identity = { kind: 'psk', identity };
      this.pskFingerprint = fingerprint(key);
      this.deriveMaster(pskPreMasterSecret(key));
      this.state = 'finished';
    });
  }

  private deriveMaster(preMaster: Buffer): void {
    this.master = masterSecret(preMaster, this.clientRandom, this.serverRandom, this.ems ? this.transcriptHash() : undefined);
    this.installKeys();
  }

  private onCertificateVerify(m: HandshakeMessage): void {
    checkCertificateVerify(m.body, Buffer.concat(this.transcript), this.clientKey!);
    this.incoming(m);
    this.state = 'finished';
  }

  private onFinished(m: HandshakeMessage, epoch: number): void {
    this.checkFinished(m, epoch, true);
    const fin = this.outgoing(HandshakeType.finished, this.finishedBody(false));
    this.state = 'done';
    this.remember();
    this.conn.sendFlight([{ kind: 'ccs', epoch: 1 }, this.item(fin, 1)], true);
    this.keepSecrets();
    this.conn.markEstablished(this.identity);
  }

  private onResumedFinished(m: HandshakeMessage, epoch: number): void {
    this.checkFinished(m, epoch, true);
    this.conn.resumed = true;
    this.state = 'done';
    this.keepSecrets();
    this.conn.markEstablished(this.identity);
  }

  /** What a persisted copy of the session needs (session-snapshot.ts). */
  private keepSecrets(): void {
    this.conn.secrets = { suiteId: this.suite!.id, master: this.master!, clientRandom: this.clientRandom, serverRandom: this.serverRandom, sessionId: this.sessionId, extendedMasterSecret: this.ems, pskFingerprint: this.pskFingerprint };
  }

  private remember(): void {
    if (this.identity === undefined) return;
    this.sessions.put({ id: this.sessionId, master: this.master!, suiteId: this.suite!.id, extendedMasterSecret: this.ems, identity: this.identity, createdAt: Date.now(), pskFingerprint: this.pskFingerprint });
  }
}
