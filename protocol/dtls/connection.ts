import { ProtocolError } from '../errors.ts';
import { AlertDescription, AlertLevel, ContentType, DTLS_1_2, HANDSHAKE_HEADER_LENGTH, HandshakeType, RECORD_HEADER_LENGTH } from './constants.ts';
import { DtlsFailure } from './failure.ts';
import { fragmentHandshake, type HandshakeMessage, HandshakeReassembler, parseHandshakeFragments } from './handshake.ts';
import type { PeerIdentity } from './identity.ts';
import { NULL_CIPHER, type RecordCipher } from './record-cipher.ts';
import { additionalData, cidAdditionalData, type DtlsRecord, encodeRecord, innerPlaintext, parseInnerPlaintext, seqNum } from './record.ts';
import { ReplayWindow } from './replay-window.ts';

export interface Peer {
  address: string;
  port: number;
}

/** One item of a flight (RFC 6347 §4.2.4): a handshake message or a ChangeCipherSpec, in a given epoch. */
export type FlightItem = { kind: 'handshake'; epoch: number; msg: HandshakeMessage } | { kind: 'ccs'; epoch: number };

/** The protocol logic of one handshake role, driven by its connection. */
export interface Handshaker {
  /** Handles one complete handshake message in order; may be async (a key lookup). Throws `DtlsFailure`. */
  handle(msg: HandshakeMessage, epoch: number): void | Promise<void>;
  /** The peer's ChangeCipherSpec arrived. */
  changeCipherSpec(): void;
  /** A record of the next epoch did not authenticate: the keys disagree (wrong PSK). */
  readonly awaitingFinished: boolean;
  /** Server role: who the peer claimed to be so far (e.g. its PSK identity before Finished), for failure reports. */
  readonly claimedIdentity?: PeerIdentity | undefined;
}

/** What a connection needs from its socket. */
export interface ConnectionHost {
  readonly mtu: number;
  readonly retransmitInitialMs: number;
  readonly retransmitMaxMs: number;
  readonly maxRetransmissions: number;
  readonly maxHandshakeMessageBytes: number;
  sendDatagram(conn: DtlsConnection, datagram: Buffer): void;
  established(conn: DtlsConnection): void;
  applicationData(conn: DtlsConnection, data: Buffer): void;
  /** The peer's address changed under its connection ID (RFC 9146 §6). */
  moved(conn: DtlsConnection, to: Peer): void;
  /** A record was sealed at or past `conn.reserveAt`, or refused at `conn.writeLimit` (see session-keeper.ts). */
  writesRunningLow(conn: DtlsConnection): void;
  closed(conn: DtlsConnection, err: ProtocolError | undefined): void;
}

interface ReadState {
  cipher: RecordCipher;
  window: ReplayWindow;
}

interface WriteState {
  cipher: RecordCipher;
  seq: number;
}

const MAX_QUEUED_RECORDS = 16;

/** The secrets of an established session, kept (server role) so the session can be persisted and resumed. */
export interface SessionSecrets {
  suiteId: number;
  master: Buffer;
  clientRandom: Buffer;
  serverRandom: Buffer;
  sessionId: Buffer;
  extendedMasterSecret: boolean;
  pskFingerprint: Buffer | undefined;
}

/**
 * One DTLS association with one peer (RFC 6347 §4): read and write states per epoch, the anti-replay window,
 * handshake reassembly and flight retransmission (§4.2.4), alerts, and application data once established.
 * Records that fail any check are dropped without a reply (§4.1.2.7).
 */
export class DtlsConnection {
  identity: PeerIdentity | undefined;
  established = false;
  /** The session was resumed with an abbreviated handshake (RFC 5246 §7.3). */
  resumed = false;
  isClosed = false;
  lastActive = Date.now();
  /** The connection ID this side issued: peers put it in records they send (RFC 9146). */
  cidIn: Buffer | undefined;
  /** The connection ID the peer issued: this side puts it in records it sends once established. */
  cidOut: Buffer | undefined;
  handshaker: Handshaker | undefined;
  /** Server role, once established: what a persisted copy of the session needs. */
  secrets: SessionSecrets | undefined;
  /** The persistence handle of the session (session-keeper.ts), undefined when not persisted. */
  handle: string | undefined;
  /**
   * Write sequence numbers of the established epoch at or above `writeLimit` are not used (nonce safety of a session
   * that another process may take over, see session-keeper.ts); sealing at or past `reserveAt` asks the host for more.
   */
  writeLimit = Number.POSITIVE_INFINITY;
  reserveAt = Number.POSITIVE_INFINITY;
  /** Closing does not end the persisted copy (the socket shuts down, or the session was only a failed take-over). */
  keepPersisted = false;
  /** Records that authenticated. */
  recordsAccepted = 0;
  readonly reassembler: HandshakeReassembler;
  /** Records that arrived while an async handshake step ran, or in an epoch whose keys are not derived yet. */
  private queued: DtlsRecord[] = [];
  private busy = false;
  private readonly reads = new Map<number, ReadState>([[0, { cipher: NULL_CIPHER, window: new ReplayWindow() }]]);
  private readonly writes = new Map<number, WriteState>([[0, { cipher: NULL_CIPHER, seq: 0 }]]);
  private writeEpoch = 0;
  private flight: FlightItem[] = [];
  private flightTimer: NodeJS.Timeout | undefined;
  private retransmissions = 0;
  private lastFlightResend = 0;
  stats = { badRecords: 0, replayed: 0 };

  constructor(
    private readonly host: ConnectionHost,
    public peer: Peer,
    readonly role: 'client' | 'server',
  ) {
    this.reassembler = new HandshakeReassembler(host.maxHandshakeMessageBytes);
  }

  get key(): string {
    return this.peer.address + ':' + this.peer.port;
  }

  /** Installs the next epoch's ciphers (derived once the key exchange completed). */
  installEpoch(epoch: number, read: RecordCipher, write: RecordCipher): void {
    this.reads.set(epoch, { cipher: read, window: new ReplayWindow() });
    this.writes.set(epoch, { cipher: write, seq: 0 });
  }

  setWriteSeq(epoch: number, seq: number): void {
    const w = this.writes.get(epoch);
    if (w !== undefined) w.seq = seq;
  }

  /** The next write sequence number of the current write epoch. */
  get writeSeq(): number {
    return this.writes.get(this.writeEpoch)?.seq ?? 0;
  }

  get currentWriteEpoch(): number {
    return this.writeEpoch;
  }

  /** The highest sequence number read in `epoch` (-1 when none). */
  readHighest(epoch: number): number {
    return this.reads.get(epoch)?.window.highest ?? -1;
  }

  /**
   * Sets up an established session taken over from a snapshot (session-snapshot.ts): `epoch`'s ciphers, a replay window
   * that drops everything at or below `readSeq`, and writes starting at `writeSeq`.
   */
  installRestored(epoch: number, read: RecordCipher, write: RecordCipher, readSeq: number, writeSeq: number): void {
    this.reads.set(epoch, { cipher: read, window: ReplayWindow.restored(readSeq) });
    this.writes.set(epoch, { cipher: write, seq: writeSeq });
    this.writeEpoch = epoch;
    this.established = true;
  }

  // --- receiving ---------------------------------------------------------------------------------------------

  /**
   * Takes one record. A tls12_cid record from another address than the peer's moves the connection there once
   * it authenticated and is the newest of its epoch (RFC 9146 §6), before its content is delivered.
   */
  receive(rec: DtlsRecord, from?: Peer): void {
    if (this.isClosed) return;
    if (this.busy) {
      if (this.queued.length < MAX_QUEUED_RECORDS) this.queued.push(rec);
      return;
    }
    const read = this.reads.get(rec.epoch);
    if (read === undefined) {
      // The next epoch's keys may still be on their way (an async PSK lookup): keep a few records for then.
      if (!this.established && rec.epoch === this.maxReadEpoch() + 1 && this.queued.length < MAX_QUEUED_RECORDS) this.queued.push(rec);
      return;
    }
    // A tls12_cid record must carry the CID this side issued, and only under encryption (RFC 9146 §3).
    if (rec.cid !== undefined && (rec.epoch === 0 || this.cidIn === undefined || !rec.cid.equals(this.cidIn))) return;
    if (!read.window.check(rec.seq)) {
      this.stats.replayed++;
      return;
    }
    let type = rec.type;
    let content: Buffer | undefined;
    const sn = seqNum(rec.epoch, rec.seq);
    if (rec.cid !== undefined) {
      const inner = read.cipher.open(sn, cidAdditionalData(rec.version, rec.epoch, rec.seq, rec.cid), rec.fragment);
      const parsed = inner === undefined ? undefined : parseInnerPlaintext(inner);
      if (parsed !== undefined) {
        type = parsed.type;
        content = parsed.content;
      }
    } else {
      content = read.cipher.open(sn, additionalData(rec.type, rec.version, rec.epoch, rec.seq), rec.fragment);
    }
    if (content === undefined) {
      this.stats.badRecords++;
      if (rec.epoch > 0 && this.handshaker?.awaitingFinished === true) {
        this.fail(new DtlsFailure(AlertDescription.badRecordMac, 'the peer\'s Finished does not authenticate: the keys disagree (wrong PSK?)'));
      }
      return;
    }
    const newest = rec.seq > read.window.highest;
    read.window.mark(rec.seq);
    this.recordsAccepted++;
    if (newest && from !== undefined && rec.cid !== undefined && this.established && (from.address !== this.peer.address || from.port !== this.peer.port)) {
      this.host.moved(this, from);
    }
    this.lastActive = Date.now();
    try {
      this.dispatch(type, rec.epoch, content);
    } catch (err) {
      this.fail(err);
    }
  }

  private maxReadEpoch(): number {
    let m = 0;
    for (const e of this.reads.keys()) m = Math.max(m, e);
    return m;
  }

  private dispatch(type: number, epoch: number, content: Buffer): void {
    switch (type) {
      case ContentType.handshake:
        this.onHandshake(epoch, content);
        return;
      case ContentType.changeCipherSpec:
        if (content.length !== 1 || content[0] !== 1) throw new DtlsFailure(AlertDescription.decodeError, 'malformed ChangeCipherSpec');
        this.handshaker?.changeCipherSpec();
        return;
      case ContentType.alert:
        this.onAlert(content);
        return;
      case ContentType.applicationData:
        if (!this.established || epoch === 0) return; // RFC 6347 §4.1: never accept unprotected application data
        this.host.applicationData(this, content);
        return;
      default:
        return; // unknown content types are dropped
    }
  }

  private onAlert(content: Buffer): void {
    if (content.length < 2) return;
    const [level, description] = content;
    if (description === AlertDescription.closeNotify) {
      this.close(new ProtocolError('DTLS_ALERT', 'peer sent close_notify'), false);
      return;
    }
    if (level === AlertLevel.fatal) this.close(new ProtocolError('DTLS_ALERT', `peer sent fatal alert ${description}`), false);
  }

  private onHandshake(epoch: number, content: Buffer): void {
    const fragments = parseHandshakeFragments(content);
    for (const f of fragments) {
      if (this.handshaker === undefined) {
        this.onHandshakeWhileEstablished(f.msgType, epoch);
        continue;
      }
      if (f.messageSeq < this.reassembler.nextSeq) {
        this.peerRetransmitted();
        continue;
      }
      const messages = this.reassembler.add(f);
      for (const m of messages) this.runHandshake(m, epoch);
    }
  }

  /** After the handshake: a retransmitted final flight gets our last flight again (§4.2.4); renegotiation is refused. */
  private onHandshakeWhileEstablished(msgType: number, epoch: number): void {
    if (msgType === HandshakeType.finished || msgType === HandshakeType.clientKeyExchange || msgType === HandshakeType.certificateVerify) {
      this.peerRetransmitted();
      return;
    }
    if ((msgType === HandshakeType.clientHello && this.role === 'server') || (msgType === HandshakeType.helloRequest && this.role === 'client')) {
      if (epoch > 0) this.sendAlert(AlertLevel.warning, AlertDescription.noRenegotiation); // RFC 5746 §4.4
    }
  }

  private peerRetransmitted(): void {
    const now = Date.now();
    if (this.flight.length === 0 || now - this.lastFlightResend < 100) return;
    this.lastFlightResend = now;
    this.transmitFlight();
  }

  private runHandshake(m: HandshakeMessage, epoch: number): void {
    const h = this.handshaker;
    if (h === undefined) return;
    const r = h.handle(m, epoch);
    if (!(r instanceof Promise)) {
      if (this.queued.length > 0) queueMicrotask(() => this.drainQueue());
      return;
    }
    {
      this.busy = true;
      r.then(
        () => this.resume(),
        (err: unknown) => {
          this.busy = false;
          this.fail(err);
        },
      );
    }
  }

  private resume(): void {
    this.busy = false;
    this.drainQueue();
  }

  /** Re-feeds records held back while busy or before their epoch's keys existed. */
  drainQueue(): void {
    const q = this.queued;
    this.queued = [];
    for (let i = 0; i < q.length; i++) {
      if (this.busy || this.isClosed) {
        this.queued.push(...q.slice(i));
        return;
      }
      this.receive(q[i]);
    }
  }

  // --- sending -----------------------------------------------------------------------------------------------

  private seal(type: number, epoch: number, content: Buffer): Buffer | undefined {
    const w = this.writes.get(epoch);
    if (w === undefined) return undefined;
    if (epoch > 0 && w.seq >= this.reserveAt) {
      this.host.writesRunningLow(this);
      if (w.seq >= this.writeLimit) return undefined;
    }
    const seq = w.seq++;
    if (epoch > 0 && this.cidOut !== undefined) {
      const inner = innerPlaintext(content, type);
      const fragment = w.cipher.seal(seqNum(epoch, seq), cidAdditionalData(DTLS_1_2, epoch, seq, this.cidOut), inner);
      return encodeRecord(ContentType.tls12Cid, DTLS_1_2, epoch, seq, fragment, this.cidOut);
    }
    const fragment = w.cipher.seal(seqNum(epoch, seq), additionalData(type, DTLS_1_2, epoch, seq), content);
    return encodeRecord(type, DTLS_1_2, epoch, seq, fragment);
  }

  sendApplicationData(data: Buffer): boolean {
    if (!this.established || this.isClosed) return false;
    const rec = this.seal(ContentType.applicationData, this.writeEpoch, data);
    if (rec === undefined) return false;
    this.host.sendDatagram(this, rec);
    return true;
  }

  sendAlert(level: number, description: number): void {
    const rec = this.seal(ContentType.alert, this.writeEpoch, Buffer.from([level, description]));
    if (rec !== undefined) this.host.sendDatagram(this, rec);
  }

  /** Sends a flight and, unless it is the last of the handshake, retransmits it until the peer answers. */
  sendFlight(items: FlightItem[], final: boolean): void {
    this.flight = items;
    this.retransmissions = 0;
    this.clearTimer();
    for (const it of items) if (it.epoch > this.writeEpoch) this.writeEpoch = it.epoch;
    this.transmitFlight();
    if (!final) this.armTimer(this.host.retransmitInitialMs);
  }

  /** The peer's next flight arrived: stop retransmitting ours. */
  flightAnswered(): void {
    this.clearTimer();
  }

  private armTimer(ms: number): void {
    this.flightTimer = setTimeout(() => {
      if (this.isClosed || this.established) return;
      if (this.retransmissions >= this.host.maxRetransmissions) {
        this.close(new ProtocolError('DTLS_TIMEOUT', `handshake flight unanswered after ${this.retransmissions} retransmissions`), false);
        return;
      }
      this.retransmissions++;
      this.transmitFlight();
      this.armTimer(Math.min(ms * 2, this.host.retransmitMaxMs));
    }, ms);
    this.flightTimer.unref();
  }

  private clearTimer(): void {
    if (this.flightTimer !== undefined) clearTimeout(this.flightTimer);
    this.flightTimer = undefined;
  }

  /** Packs the flight's records into as few datagrams as the MTU allows. */
  private transmitFlight(): void {
    const records: Buffer[] = [];
    for (const it of this.flight) {
      if (it.kind === 'ccs') {
        const r = this.seal(ContentType.changeCipherSpec, it.epoch - 1, Buffer.from([1]));
        if (r !== undefined) records.push(r);
        continue;
      }
      const overhead = RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + (this.writes.get(it.epoch)?.cipher.overhead ?? 0);
      for (const frag of fragmentHandshake(it.msg, Math.max(64, this.host.mtu - overhead))) {
        const r = this.seal(ContentType.handshake, it.epoch, frag);
        if (r !== undefined) records.push(r);
      }
    }
    let datagram: Buffer[] = [];
    let size = 0;
    for (const r of records) {
      if (size + r.length > this.host.mtu && datagram.length > 0) {
        this.host.sendDatagram(this, Buffer.concat(datagram));
        datagram = [];
        size = 0;
      }
      datagram.push(r);
      size += r.length;
    }
    if (datagram.length > 0) this.host.sendDatagram(this, Buffer.concat(datagram));
  }

  // --- lifecycle ---------------------------------------------------------------------------------------------

  /** The handshake finished: application data may flow. */
  markEstablished(identity: PeerIdentity | undefined): void {
    this.established = true;
    this.identity = identity;
    this.handshaker = undefined;
    this.clearTimer();
    this.host.established(this);
  }

  /** Ends the connection after a failure, with a fatal alert when the failure names one. */
  fail(err: unknown): void {
    if (this.isClosed) return;
    const alert = err instanceof DtlsFailure ? err.alert : err instanceof ProtocolError && err.code === 'DTLS_DECODE' ? AlertDescription.decodeError : AlertDescription.internalError;
    this.sendAlert(AlertLevel.fatal, alert);
    this.close(err instanceof ProtocolError ? err : new ProtocolError('DTLS_HANDSHAKE', String(err)), false);
  }

  /** Closes; sends close_notify first when asked (RFC 5246 §7.2.1). */
  close(err: ProtocolError | undefined, notify: boolean): void {
    if (this.isClosed) return;
    if (notify && this.established) this.sendAlert(AlertLevel.warning, AlertDescription.closeNotify);
    this.isClosed = true;
    this.clearTimer();
    this.queued = [];
    this.flight = [];
    this.host.closed(this, err); // reads handshaker.claimedIdentity for the failure report
    this.handshaker = undefined;
  }
}
