import { type KeyObject, randomBytes } from 'node:crypto';
import { CIPHER_SUITES } from './cipher-suites.ts';
import { AlertDescription, CertificateType, DTLS_1_2, ExtensionType, HandshakeType, NAMED_CURVE_SECP256R1, SIG_ECDSA_SHA256 } from './constants.ts';
import type { DtlsConnection, Handshaker } from './connection.ts';
import { DtlsFailure } from './failure.ts';
import type { HandshakeMessage } from './handshake.ts';
import { HandshakeBase, type ResumableSession } from './handshake-base.ts';
import type { PeerIdentity } from './identity.ts';
import { encodeCertificateVerify, ephemeralP256, p256PublicKey, spkiDer, verifyEcdheServerKeyExchange } from './keys.ts';
import { type ClientHello, encodeClientHello, encodeRpkCertificate, encodeX509Certificate, type Extension, findExtension, parseHelloVerifyRequest, parseRpkCertificate, parseServerHello } from './messages.ts';
import { masterSecret, pskPreMasterSecret } from './prf.ts';
import { Reader, u16, u8, vec } from './reader.ts';

/** How a client authenticates (one of `psk` or `privateKey`) and whom it accepts as server. */
export interface DtlsClientCredentials {
  psk?: { identity: string; key: Buffer };
  /** RPK (RFC 7250): the client's P-256 private key. */
  privateKey?: KeyObject;
  /** RPK: the server's SubjectPublicKeyInfo to pin; undefined accepts any (tests only). */
  serverPublicKey?: Buffer;
  /** X.509 instead of RPK: the client's certificate chain (DER, leaf first) for `privateKey`. */
  certificateChain?: Buffer[];
  /** Offer a Connection ID of this many bytes (RFC 9146); 0 = do not negotiate one. @defaultValue 0 */
  connectionIdLength?: number;
  /** Restrict the offered suites (ids), in preference order. @defaultValue every suite the credentials allow */
  cipherSuites?: number[];
}

type State = 'hello' | 'serverHello' | 'certificate' | 'serverKeyExchange' | 'serverHelloDone' | 'finished' | 'resumedFinished' | 'done';

/** The client role of the DTLS 1.2 handshake (RFC 6347 §4.2): PSK and ECDHE_ECDSA with raw public keys. */
export class ClientHandshaker extends HandshakeBase implements Handshaker {
  private state: State = 'hello';
  private hello: ClientHello;
  private ems = false;
  private serverKey: KeyObject | undefined;
  private serverPoint: Buffer | undefined;
  private certificateRequested = false;
  private sessionId: Buffer = Buffer.alloc(0);

  constructor(
    conn: DtlsConnection,
    private readonly creds: DtlsClientCredentials,
    private readonly resumable: ResumableSession | undefined,
    private readonly onSession: (s: ResumableSession) => void,
  ) {
    super(conn);
    this.clientRandom = randomBytes(32);
    this.clientRandom.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
    const usable = CIPHER_SUITES.filter((s) => (s.keyExchange === 'psk' ? creds.psk !== undefined : creds.privateKey !== undefined)).map((s) => s.id);
    const suites = creds.cipherSuites === undefined ? usable : creds.cipherSuites.filter((id) => usable.includes(id));
    const exts: Extension[] = [
      { type: ExtensionType.extendedMasterSecret, data: Buffer.alloc(0) },
      { type: ExtensionType.renegotiationInfo, data: u8(0) },
    ];
    if (creds.privateKey !== undefined) {
      exts.push({ type: ExtensionType.supportedGroups, data: vec(2, u16(NAMED_CURVE_SECP256R1)) });
      exts.push({ type: ExtensionType.ecPointFormats, data: vec(1, u8(0)) });
      exts.push({ type: ExtensionType.signatureAlgorithms, data: vec(2, u16(SIG_ECDSA_SHA256)) });
      const own = creds.certificateChain === undefined ? CertificateType.rawPublicKey : CertificateType.x509;
      exts.push({ type: ExtensionType.clientCertificateType, data: vec(1, u8(own)) });
      exts.push({ type: ExtensionType.serverCertificateType, data: vec(1, u8(CertificateType.rawPublicKey)) });
    }
    if ((creds.connectionIdLength ?? 0) > 0) {
      conn.cidIn = randomBytes(creds.connectionIdLength!);
      exts.push({ type: ExtensionType.connectionId, data: vec(1, conn.cidIn) });
    }
    this.hello = { version: DTLS_1_2, random: this.clientRandom, sessionId: resumable?.id ?? Buffer.alloc(0), cookie: Buffer.alloc(0), cipherSuites: suites, compressionMethods: u8(0), extensions: exts };
  }

  get awaitingFinished(): boolean {
    return this.state === 'finished' || this.state === 'resumedFinished';
  }

  /** Flight 1: the ClientHello without a cookie. */
  start(): void {
    this.sendHello();
  }

  private sendHello(): void {
    this.transcript = [];
    const m = this.outgoing(HandshakeType.clientHello, encodeClientHello(this.hello));
    this.conn.sendFlight([this.item(m)], false);
  }

  handle(m: HandshakeMessage, epoch: number): void {
    this.conn.flightAnswered();
    if (m.msgType === HandshakeType.helloVerifyRequest && this.state === 'hello') {
      this.hello.cookie = parseHelloVerifyRequest(m.body); // RFC 6347 §4.2.1: the transcript starts again
      this.sendHello();
      this.state = 'serverHello';
      return;
    }
    if (m.msgType === HandshakeType.serverHello && (this.state === 'hello' || this.state === 'serverHello')) return this.onServerHello(m);
    if (this.state === 'certificate' && m.msgType === HandshakeType.certificate) return this.onCertificate(m);
    if (this.state === 'serverKeyExchange' && m.msgType === HandshakeType.serverKeyExchange) return this.onServerKeyExchange(m);
    if (this.state === 'serverKeyExchange' && m.msgType === HandshakeType.serverHelloDone && this.suite!.keyExchange === 'psk') return this.onServerHelloDone(m);
    if (this.state === 'serverHelloDone' && m.msgType === HandshakeType.certificateRequest) {
      this.certificateRequested = true;
      this.incoming(m);
      return;
    }
    if (this.state === 'serverHelloDone' && m.msgType === HandshakeType.serverHelloDone) return this.onServerHelloDone(m);
    if (this.state === 'finished' && m.msgType === HandshakeType.finished) return this.onFinished(m, epoch);
    if (this.state === 'resumedFinished' && m.msgType === HandshakeType.finished) return this.onResumedFinished(m, epoch);
    throw new DtlsFailure(AlertDescription.unexpectedMessage, `handshake message ${m.msgType} unexpected in state ${this.state}`);
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = parseServerHello(m.body);
    if (sh.version !== DTLS_1_2) throw new DtlsFailure(AlertDescription.protocolVersion, 'server did not choose DTLS 1.2');
    if (!this.hello.cipherSuites.includes(sh.cipherSuite)) throw new DtlsFailure(AlertDescription.illegalParameter, 'server chose a suite that was not offered');
    this.incoming(m);
    this.suite = CIPHER_SUITES.find((s) => s.id === sh.cipherSuite)!;
    this.serverRandom = sh.random;
    this.sessionId = sh.sessionId;
    this.ems = findExtension(sh.extensions, ExtensionType.extendedMasterSecret) !== undefined;
    const cid = findExtension(sh.extensions, ExtensionType.connectionId);
    if (cid !== undefined && this.conn.cidIn !== undefined) {
      const r = new Reader(cid, 'connection_id');
      const serverCid = r.vector(1);
      r.end();
      this.conn.cidOut = serverCid.length > 0 ? serverCid : undefined;
    } else {
      this.conn.cidIn = undefined;
    }
    const r = this.resumable;
    if (r !== undefined && sh.sessionId.length > 0 && sh.sessionId.equals(r.id)) {
      if (r.suiteId !== sh.cipherSuite || r.extendedMasterSecret !== this.ems) throw new DtlsFailure(AlertDescription.handshakeFailure, 'resumed session parameters changed');
      this.master = r.master;
      this.installKeys();
      this.state = 'resumedFinished';
      return;
    }
    this.state = this.suite.keyExchange === 'psk' ? 'serverKeyExchange' : 'certificate';
  }

  private onCertificate(m: HandshakeMessage): void {
    this.incoming(m);
    const spki = parseRpkCertificate(m.body);
    this.serverKey = p256PublicKey(spki);
    const pinned = this.creds.serverPublicKey;
    if (pinned !== undefined && !spkiDer(this.serverKey).equals(spkiDer(p256PublicKey(pinned)))) {
      throw new DtlsFailure(AlertDescription.badCertificate, 'server public key does not match the pinned key');
    }
    this.state = 'serverKeyExchange';
  }

  private onServerKeyExchange(m: HandshakeMessage): void {
    this.incoming(m);
    if (this.suite!.keyExchange === 'ecdhe_ecdsa') this.serverPoint = verifyEcdheServerKeyExchange(m.body, this.clientRandom, this.serverRandom, this.serverKey!);
    this.state = 'serverHelloDone'; // a PSK identity hint (RFC 4279 §2) is read and ignored
  }

  /** Flight 5: [Certificate] ClientKeyExchange [CertificateVerify] ChangeCipherSpec Finished. */
  private onServerHelloDone(m: HandshakeMessage): void {
    this.incoming(m);
    const flight = [];
    let preMaster: Buffer;
    if (this.suite!.keyExchange === 'psk') {
      const psk = this.creds.psk!;
      flight.push(this.item(this.outgoing(HandshakeType.clientKeyExchange, vec(2, Buffer.from(psk.identity, 'utf8')))));
      preMaster = pskPreMasterSecret(psk.key);
    } else {
      const key = this.creds.privateKey!;
      if (this.certificateRequested) {
        const chain = this.creds.certificateChain;
        const cert = chain === undefined ? encodeRpkCertificate(spkiDer(key)) : encodeX509Certificate(chain);
        flight.push(this.item(this.outgoing(HandshakeType.certificate, cert)));
      }
      const ecdh = ephemeralP256();
      flight.push(this.item(this.outgoing(HandshakeType.clientKeyExchange, vec(1, ecdh.publicPoint))));
      preMaster = ecdh.computeSecret(this.serverPoint!);
      this.master = masterSecret(preMaster, this.clientRandom, this.serverRandom, this.ems ? this.transcriptHash() : undefined);
      if (this.certificateRequested) flight.push(this.item(this.outgoing(HandshakeType.certificateVerify, encodeCertificateVerify(Buffer.concat(this.transcript), key))));
    }
    this.master ??= masterSecret(preMaster, this.clientRandom, this.serverRandom, this.ems ? this.transcriptHash() : undefined);
    this.installKeys();
    flight.push({ kind: 'ccs' as const, epoch: 1 });
    flight.push(this.item(this.outgoing(HandshakeType.finished, this.finishedBody(true)), 1));
    this.state = 'finished';
    this.conn.sendFlight(flight, false);
  }

  private identity(): PeerIdentity | undefined {
    return this.serverKey === undefined ? undefined : { kind: 'rpk', publicKey: spkiDer(this.serverKey) };
  }

  private onFinished(m: HandshakeMessage, epoch: number): void {
    this.checkFinished(m, epoch, false);
    this.state = 'done';
    if (this.sessionId.length > 0) this.onSession({ id: this.sessionId, master: this.master!, suiteId: this.suite!.id, extendedMasterSecret: this.ems });
    this.conn.markEstablished(this.identity());
  }

  private onResumedFinished(m: HandshakeMessage, epoch: number): void {
    this.checkFinished(m, epoch, false);
    this.conn.resumed = true;
    const fin = this.outgoing(HandshakeType.finished, this.finishedBody(true));
    this.state = 'done';
    this.conn.sendFlight([{ kind: 'ccs', epoch: 1 }, this.item(fin, 1)], true);
    this.conn.markEstablished(this.identity());
  }
}
