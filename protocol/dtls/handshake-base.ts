import { timingSafeEqual } from 'node:crypto';
import { deriveCiphers, keyBlockLength, type CipherSuite } from './cipher-suites.ts';
import { AlertDescription } from './constants.ts';
import type { DtlsConnection, FlightItem } from './connection.ts';
import { DtlsFailure } from './failure.ts';
import { encodeHandshake, type HandshakeMessage } from './handshake.ts';
import { prf, sha256, verifyData } from './prf.ts';

/** A session both sides can resume with an abbreviated handshake (RFC 5246 §7.3). */
export interface ResumableSession {
  id: Buffer;
  master: Buffer;
  suiteId: number;
  extendedMasterSecret: boolean;
}

/** key_block (RFC 5246 §6.3: PRF(master, "key expansion", server_random ‖ client_random)) → both directions' ciphers. */
export function sessionCiphers(suite: CipherSuite, master: Buffer, clientRandom: Buffer, serverRandom: Buffer): ReturnType<typeof deriveCiphers> {
  return deriveCiphers(suite, prf(master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), keyBlockLength(suite)));
}

/**
 * What both handshake roles share: message sequence numbers, the transcript the Finished messages and
 * CertificateVerify cover (RFC 6347 §4.2.6: each message as if unfragmented), key derivation and Finished checks.
 */
export abstract class HandshakeBase {
  protected transcript: Buffer[] = [];
  protected sendSeq = 0;
  protected master: Buffer | undefined;
  protected suite: CipherSuite | undefined;
  protected clientRandom: Buffer = Buffer.alloc(0);
  protected serverRandom: Buffer = Buffer.alloc(0);
  protected ccsReceived = false;

  constructor(protected readonly conn: DtlsConnection) {}

  changeCipherSpec(): void {
    this.ccsReceived = true;
  }

  /** A message this side sends: numbered and added to the transcript. */
  protected outgoing(msgType: number, body: Buffer): HandshakeMessage {
    const m = { msgType, messageSeq: this.sendSeq++, body };
    this.transcript.push(encodeHandshake(m));
    return m;
  }

  protected incoming(m: HandshakeMessage): void {
    this.transcript.push(encodeHandshake(m));
  }

  protected transcriptHash(): Buffer {
    return sha256(...this.transcript);
  }

  protected item(msg: HandshakeMessage, epoch = 0): FlightItem {
    return { kind: 'handshake', epoch, msg };
  }

  /** key_block (RFC 5246 §6.3) → the epoch-1 ciphers of both directions. */
  protected installKeys(): void {
    const { client, server } = sessionCiphers(this.suite!, this.master!, this.clientRandom, this.serverRandom);
    if (this.conn.role === 'server') this.conn.installEpoch(1, client, server);
    else this.conn.installEpoch(1, server, client);
  }

  protected finishedBody(fromClient: boolean): Buffer {
    return verifyData(this.master!, fromClient, this.transcriptHash());
  }

  /** Checks the peer's Finished (RFC 5246 §7.4.9) in constant time; it must come after its ChangeCipherSpec, in epoch 1. */
  protected checkFinished(m: HandshakeMessage, epoch: number, fromClient: boolean): void {
    if (epoch === 0 || !this.ccsReceived) throw new DtlsFailure(AlertDescription.unexpectedMessage, 'Finished before ChangeCipherSpec');
    const expected = this.finishedBody(fromClient);
    if (m.body.length !== expected.length || !timingSafeEqual(m.body, expected)) throw new DtlsFailure(AlertDescription.decryptError, 'Finished verify_data does not match');
    this.incoming(m);
  }
}
