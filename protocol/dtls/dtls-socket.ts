import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { ProtocolError } from '../errors.ts';
import { bindUdpSocket } from '../udp-socket.ts';
import { ClientHandshaker } from './client-handshaker.ts';
import { type ConnectionHost, DtlsConnection, type Peer } from './connection.ts';
import { ContentType, HandshakeType } from './constants.ts';
import { CookieGenerator } from './cookie.ts';
import { type DtlsSocketOptions, type ResolvedDtlsOptions, resolveDtlsOptions } from './dtls-options.ts';
import { encodeHandshake, parseHandshakeFragments } from './handshake.ts';
import type { ResumableSession } from './handshake-base.ts';
import type { PeerIdentity } from './identity.ts';
import { type ClientHello, encodeHelloVerifyRequest, parseClientHello } from './messages.ts';
import { type DtlsRecord, encodeRecord, parseRecords } from './record.ts';
import { ServerHandshaker } from './server-handshaker.ts';
import { SessionCache } from './session-cache.ts';
import { SessionKeeper, type SessionKeeperHost, type SessionKeeperStats } from './session-keeper.ts';

/** What `'message'` listeners receive with each application datagram: the peer and who it proved to be. */
export interface DtlsRemoteInfo {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
  size: number;
  identity: PeerIdentity | undefined;
}

/** Counters of one DTLS socket. */
export interface DtlsStats {
  sessions: number;
  handshakes: number;
  helloVerifyRequests: number;
  handshakesCompleted: number;
  /** Of those, abbreviated handshakes that resumed a session. */
  handshakesResumed: number;
  handshakesFailed: number;
  /** Handshakes refused at the total or per-address cap. */
  handshakesRefused: number;
  /** Records that failed to authenticate or parse. */
  badRecords: number;
  /** Records dropped by the anti-replay window. */
  replayedRecords: number;
  sessionsExpired: number;
  datagramsReceived: number;
  datagramsSent: number;
}

/** `DtlsStats` with the counters of session persistence (all 0 without `sessionPersistence`). */
export type DtlsSocketStats = DtlsStats & SessionKeeperStats;

type SendCallback = (err: Error | null) => void;

interface Pending {
  conn: DtlsConnection;
  startedAt: number;
  queue: Buffer[];
  waiters: { resolve(id: PeerIdentity | undefined): void; reject(err: Error): void }[];
}

/**
 * A DTLS 1.2 endpoint on one UDP socket (RFC 6347 with the RFC 7925 profile), shaped like a `dgram` socket so a
 * CoAP endpoint can run over it: `send()` encrypts application data to a peer with a session, `'message'` hands
 * out decrypted application data with the peer's authenticated identity.
 *
 * Server role: stateless cookie exchange before any per-peer state (§4.2.1), then a handshake bounded per source
 * address and in total; sessions are bounded and expire when idle; Connection ID (RFC 9146) lets a session follow
 * its peer to a new address. Client role: `connect()` (or a `send()` to a new peer) runs a handshake first.
 *
 * Events: `'message'` (data, DtlsRemoteInfo); `'session'` (peer, identity) when a handshake completes;
 * `'handshakeFailed'` (peer, err, claimed identity if the
 * peer got that far); `'sessionClosed'` (peer, err?) ; `'warning'` (err).
 */
export class DtlsSocket extends EventEmitter implements ConnectionHost, SessionKeeperHost {
  readonly mtu: number;
  readonly retransmitInitialMs: number;
  readonly retransmitMaxMs: number;
  readonly maxRetransmissions: number;
  readonly maxHandshakeMessageBytes: number;
  private readonly byAddress = new Map<string, DtlsConnection>();
  private readonly byCid = new Map<string, DtlsConnection>();
  private readonly pending = new Map<DtlsConnection, Pending>();
  private readonly handshakesPerIp = new Map<string, number>();
  private readonly cookies: CookieGenerator;
  private readonly serverSessions: SessionCache;
  private readonly clientSessions = new Map<string, ResumableSession>();
  private readonly sweeper: NodeJS.Timeout;
  private shut = false;
  /** Server role with `sessionPersistence`: keeps sessions for other processes and takes theirs over. */
  private readonly keeper: SessionKeeper | undefined;
  private readonly counters = { helloVerifyRequests: 0, handshakesCompleted: 0, handshakesResumed: 0, handshakesFailed: 0, handshakesRefused: 0, badRecords: 0, replayedRecords: 0, sessionsExpired: 0, datagramsReceived: 0, datagramsSent: 0 };

  private constructor(
    private readonly socket: Socket,
    private readonly opts: Readonly<ResolvedDtlsOptions>,
  ) {
    super();
    this.mtu = opts.mtu;
    this.retransmitInitialMs = opts.retransmitInitialMs;
    this.retransmitMaxMs = opts.retransmitMaxMs;
    this.maxRetransmissions = opts.maxRetransmissions;
    this.maxHandshakeMessageBytes = opts.maxHandshakeMessageBytes;
    this.cookies = new CookieGenerator(opts.cookieRotateMs);
    this.serverSessions = new SessionCache(opts.maxResumableSessions, opts.resumptionLifetimeMs);
    if (opts.server !== undefined && opts.sessionPersistence !== undefined) {
      this.keeper = new SessionKeeper(this, {
        persistence: opts.sessionPersistence,
        ttlMs: opts.sessionIdleMs,
        block: opts.persistBlock,
        lookupsPerSecond: opts.persistLookupsPerSecond,
        maxPendingLookups: opts.persistMaxPendingLookups,
        negativeCacheMs: opts.persistNegativeCacheMs,
        negativeCacheEntries: opts.persistNegativeCacheEntries,
        retryMs: 1000,
      });
    }
    socket.on('message', (d: Buffer, r) => this.onDatagram(d, r.address, r.port));
    socket.on('error', (err) => this.warn(err));
    this.sweeper = setInterval(() => this.sweep(), opts.sweepIntervalMs);
    this.sweeper.unref();
  }

  static override async bind(options: DtlsSocketOptions): Promise<DtlsSocket> {
    const opts = resolveDtlsOptions(options);
    const socket = await bindUdpSocket(opts.address, opts.port, opts.socketBufferBytes);
    return new DtlsSocket(socket, opts);
  }

  address(): { address: string; port: number; family: string } {
    return this.socket.address();
  }

  stats(): DtlsSocketStats {
    let badRecords = this.counters.badRecords;
    let replayedRecords = this.counters.replayedRecords;
    for (const c of this.byAddress.values()) {
      badRecords += c.stats.badRecords;
      replayedRecords += c.stats.replayed;
    }
    const kept = this.keeper?.stats ?? { sessionsPersisted: 0, sessionsRestored: 0, persistFailures: 0, restoreMisses: 0, restoreLookupsSkipped: 0, writesBlocked: 0 };
    return { sessions: this.byAddress.size - this.pending.size, handshakes: this.pending.size, ...this.counters, badRecords, replayedRecords, ...kept };
  }

  /** The identity of the peer's established session, if any. */
  identityOf(peer: Peer): PeerIdentity | undefined {
    const c = this.byAddress.get(peer.address + ':' + peer.port);
    return c?.established === true ? c.identity : undefined;
  }

  private warn(err: unknown): void {
    this.emit('warning', err);
  }

  // --- ConnectionHost ----------------------------------------------------------------------------------------

  sendDatagram(conn: DtlsConnection, datagram: Buffer): void {
    this.rawSend(datagram, conn.peer);
  }

  private rawSend(datagram: Buffer, peer: Peer, cb?: SendCallback): void {
    if (this.shut) return;
    if (this.opts.dropOutgoing?.(datagram, peer) === true) {
      cb?.(null);
      return;
    }
    this.counters.datagramsSent++;
    try {
      this.socket.send(datagram, peer.port, peer.address, (err) => {
        if (err) this.warn(err);
        cb?.(err ?? null);
      });
    } catch (err) {
      this.warn(err);
      cb?.(err as Error);
    }
  }

  established(conn: DtlsConnection): void {
    const p = this.pending.get(conn);
    this.endPending(conn);
    this.counters.handshakesCompleted++;
    if (conn.resumed) this.counters.handshakesResumed++;
    if (conn.cidIn !== undefined) this.byCid.set(conn.cidIn.toString('hex'), conn);
    this.makeRoomForSession(conn);
    this.keeper?.known(conn);
    this.keeper?.established(conn);
    this.emit('session', { address: conn.peer.address, port: conn.peer.port }, conn.identity);
    if (p !== undefined) {
      for (const w of p.waiters) w.resolve(conn.identity);
      for (const d of p.queue) conn.sendApplicationData(d);
    }
  }

  applicationData(conn: DtlsConnection, data: Buffer): void {
    this.keeper?.touched(conn);
    const info: DtlsRemoteInfo = { address: conn.peer.address, family: isIPv6(conn.peer.address) ? 'IPv6' : 'IPv4', port: conn.peer.port, size: data.length, identity: conn.identity };
    this.emit('message', data, info);
  }

  private forget(conn: DtlsConnection): void {
    if (this.byAddress.get(conn.key) === conn) this.byAddress.delete(conn.key);
    if (conn.cidIn !== undefined && this.byCid.get(conn.cidIn.toString('hex')) === conn) this.byCid.delete(conn.cidIn.toString('hex'));
    this.counters.badRecords += conn.stats.badRecords;
    this.counters.replayedRecords += conn.stats.replayed;
  }

  closed(conn: DtlsConnection, err: ProtocolError | undefined): void {
    this.forget(conn);
    if (!conn.keepPersisted) this.keeper?.ended(conn);
    const p = this.pending.get(conn);
    const peer = { address: conn.peer.address, port: conn.peer.port };
    if (p !== undefined) {
      this.endPending(conn);
      this.counters.handshakesFailed++;
      const e = err ?? new ProtocolError('DTLS_HANDSHAKE', 'handshake abandoned');
      for (const w of p.waiters) w.reject(e);
      this.emit('handshakeFailed', peer, e, conn.handshaker?.claimedIdentity);
      return;
    }
    this.emit('sessionClosed', peer, err);
  }

  private endPending(conn: DtlsConnection): void {
    if (!this.pending.delete(conn)) return;
    const ip = conn.peer.address;
    const n = (this.handshakesPerIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.handshakesPerIp.delete(ip);
    else this.handshakesPerIp.set(ip, n);
  }

  private startPending(conn: DtlsConnection): Pending {
    const p: Pending = { conn, startedAt: Date.now(), queue: [], waiters: [] };
    this.pending.set(conn, p);
    this.handshakesPerIp.set(conn.peer.address, (this.handshakesPerIp.get(conn.peer.address) ?? 0) + 1);
    const old = this.byAddress.get(conn.key);
    this.byAddress.set(conn.key, conn);
    // RFC 6347 §4.2.8: a new handshake from the same address (after the cookie proved it) replaces the old association.
    if (old !== undefined && old !== conn) old.close(undefined, false);
    return p;
  }

  /** At the session cap, evicts the longest-idle session if it has been idle for half the idle timeout. */
  private makeRoomForSession(keep: DtlsConnection): void {
    const sessions = this.byAddress.size - this.pending.size;
    if (sessions <= this.opts.maxSessions) return;
    let oldest: DtlsConnection | undefined;
    for (const c of this.byAddress.values()) {
      if (c === keep || !c.established) continue;
      if (oldest === undefined || c.lastActive < oldest.lastActive) oldest = c;
    }
    if (oldest !== undefined && Date.now() - oldest.lastActive >= this.opts.sessionIdleMs / 2) {
      this.counters.sessionsExpired++;
      oldest.keepPersisted = true; // evicted for room, not ended: it may be taken over again from the store
      oldest.close(new ProtocolError('DTLS_TIMEOUT', 'session evicted at the session cap'), true);
    } else {
      keep.close(new ProtocolError('DTLS_HANDSHAKE', 'session table full'), true);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [conn, p] of this.pending) {
      if (now - p.startedAt > this.opts.handshakeTimeoutMs) conn.close(new ProtocolError('DTLS_TIMEOUT', 'handshake did not finish in time'), false);
    }
    for (const c of [...this.byAddress.values()]) {
      if (c.established && now - c.lastActive > this.opts.sessionIdleMs) {
        this.counters.sessionsExpired++;
        c.keepPersisted = true; // its persisted copy expires on its own (same lifetime)
        c.close(new ProtocolError('DTLS_TIMEOUT', 'session idle'), false);
      }
    }
  }

  // --- receiving ---------------------------------------------------------------------------------------------

  private onDatagram(datagram: Buffer, address: string, port: number): void {
    this.counters.datagramsReceived++;
    if (this.shut) return;
    const key = address + ':' + port;
    const cidLength = this.opts.server !== undefined ? this.serverCidLength() : (this.opts.client?.connectionIdLength ?? 0);
    for (const rec of parseRecords(datagram, cidLength)) {
      try {
        this.onRecord(rec, key, address, port);
      } catch (err) {
        this.counters.badRecords++;
        this.warn(err);
      }
    }
  }

  private onRecord(rec: DtlsRecord, key: string, address: string, port: number): void {
    if (rec.cid !== undefined) {
      // During the handshake the CID is not indexed yet: the record comes from the handshake's own address.
      const conn = this.byCid.get(rec.cid.toString('hex')) ?? this.byAddress.get(key);
      if (conn === undefined) this.keeper?.recordWithoutSession(rec, { address, port });
      else conn.receive(rec, { address, port });
      return;
    }
    const conn = this.byAddress.get(key);
    const clientHello = rec.epoch === 0 && rec.type === ContentType.handshake && rec.fragment.length > 0 && rec.fragment[0] === HandshakeType.clientHello;
    if (this.opts.server !== undefined && clientHello && (conn === undefined || conn.established)) {
      this.statelessHello(rec, conn, address, port);
      return;
    }
    if (conn === undefined) this.keeper?.recordWithoutSession(rec, { address, port });
    else conn.receive(rec);
  }

  /** RFC 9146 §6: an authenticated, newest record under a CID from a new address moves the session there. */
  moved(conn: DtlsConnection, to: Peer): void {
    if (this.byAddress.get(conn.key) === conn) this.byAddress.delete(conn.key);
    conn.peer = { address: to.address, port: to.port };
    const displaced = this.byAddress.get(conn.key);
    this.byAddress.set(conn.key, conn);
    if (displaced !== undefined && displaced !== conn) displaced.close(undefined, false);
    this.keeper?.moved(conn);
  }

  /** Length of the CIDs this server issues: prefix and random part (0: no CID). */
  private serverCidLength(): number {
    return this.opts.connectionIdLength === 0 ? 0 : this.opts.connectionIdLength + (this.opts.connectionIdPrefix?.length ?? 0);
  }

  // --- SessionKeeperHost -------------------------------------------------------------------------------------

  writesRunningLow(conn: DtlsConnection): void {
    this.keeper?.writesRunningLow(conn);
  }

  live(cid: Buffer | undefined, address: string, port: number): DtlsConnection | undefined {
    const c = cid !== undefined ? this.byCid.get(cid.toString('hex')) : this.byAddress.get(address + ':' + port);
    return c?.established === true && !c.isClosed ? c : undefined;
  }

  adoptRestored(conn: DtlsConnection): void {
    if (!this.byAddress.has(conn.key)) this.byAddress.set(conn.key, conn);
    if (conn.cidIn !== undefined) this.byCid.set(conn.cidIn.toString('hex'), conn);
    const s = conn.secrets!;
    this.serverSessions.put({ id: s.sessionId, master: s.master, suiteId: s.suiteId, extendedMasterSecret: s.extendedMasterSecret, identity: conn.identity!, createdAt: Date.now(), pskFingerprint: s.pskFingerprint });
    this.makeRoomForSession(conn);
    this.emit('session', { address: conn.peer.address, port: conn.peer.port }, conn.identity);
  }

  persistenceFailed(err: unknown): void {
    this.emit('persistenceError', err);
  }

  /**
   * RFC 6347 §4.2.1: a ClientHello without a valid cookie gets a HelloVerifyRequest and leaves no state. Only a
   * single-fragment ClientHello is considered before the cookie.
   */
  private statelessHello(rec: DtlsRecord, existing: DtlsConnection | undefined, address: string, port: number): void {
    const fragments = parseHandshakeFragments(rec.fragment);
    const f = fragments[0];
    if (fragments.length !== 1 || f.fragmentOffset !== 0 || f.body.length !== f.length) return;
    let hello: ClientHello;
    try {
      hello = parseClientHello(f.body);
    } catch {
      this.counters.badRecords++;
      return;
    }
    if (!this.cookies.verify(address, port, hello)) {
      const hvr = encodeHandshake({ msgType: HandshakeType.helloVerifyRequest, messageSeq: f.messageSeq, body: encodeHelloVerifyRequest(this.cookies.generate(address, port, hello)) });
      this.counters.helloVerifyRequests++;
      this.rawSend(encodeRecord(ContentType.handshake, 0xfeff, 0, rec.seq, hvr), { address, port });
      return;
    }
    if (existing !== undefined && !existing.established) return;
    if (this.pending.size >= this.opts.maxHandshakes || (this.handshakesPerIp.get(address) ?? 0) >= this.opts.maxHandshakesPerAddress) {
      this.counters.handshakesRefused++;
      return;
    }
    const conn = new DtlsConnection(this, { address, port }, 'server');
    conn.handshaker = new ServerHandshaker(conn, this.opts.server!, this.serverSessions, this.opts.connectionIdLength, this.opts.connectionIdPrefix);
    conn.reassembler.nextSeq = f.messageSeq;
    conn.setWriteSeq(0, rec.seq);
    this.startPending(conn);
    conn.receive(rec);
  }

  // --- client role and sending -------------------------------------------------------------------------------

  /** Client role: runs a handshake with `peer` (or reuses the session); resolves with the server's identity (RPK). */
  connect(peer: Peer): Promise<PeerIdentity | undefined> {
    if (this.shut) return Promise.reject(new ProtocolError('DTLS_CONFIG', 'socket closed'));
    const creds = this.opts.client;
    if (creds === undefined) return Promise.reject(new ProtocolError('DTLS_CONFIG', 'no client credentials configured'));
    const key = peer.address + ':' + peer.port;
    const existing = this.byAddress.get(key);
    if (existing?.established === true) return Promise.resolve(existing.identity);
    return new Promise((resolve, reject) => {
      let p = existing === undefined ? undefined : this.pending.get(existing);
      if (p === undefined) {
        const conn = new DtlsConnection(this, { address: peer.address, port: peer.port }, 'client');
        const hs = new ClientHandshaker(conn, creds, this.clientSessions.get(key), (s) => this.clientSessions.set(key, s));
        conn.handshaker = hs;
        p = this.startPending(conn);
        hs.start();
      }
      p.waiters.push({ resolve, reject });
    });
  }

  /**
   * Sends application data (`dgram.Socket#send` shape). With a session: encrypted at once. Client role without a
   * session: queued (bounded) while a handshake runs. Otherwise the callback gets an error: a server never
   * starts a handshake.
   */
  send(data: Buffer, port: number, address: string, cb?: SendCallback): void {
    const conn = this.byAddress.get(address + ':' + port);
    if (conn?.established === true) {
      if (!conn.sendApplicationData(data)) cb?.(new ProtocolError('DTLS_HANDSHAKE', 'session closed'));
      else cb?.(null);
      return;
    }
    if (this.opts.client === undefined) {
      if (this.keeper !== undefined && conn === undefined) this.keeper.sendWithoutSession(data, { address, port }, cb);
      else cb?.(new ProtocolError('DTLS_HANDSHAKE', `no DTLS session with ${address}:${port}`));
      return;
    }
    this.connect({ address, port }).catch((err: unknown) => this.warn(err));
    const p = this.pending.get(this.byAddress.get(address + ':' + port)!);
    if (p !== undefined && p.queue.length < this.opts.maxQueuedPerPeer) p.queue.push(data);
    cb?.(null);
  }

  /** Closes one peer's session (close_notify first). */
  disconnect(peer: Peer): void {
    this.byAddress.get(peer.address + ':' + peer.port)?.close(undefined, true);
  }

  /** Sends close_notify to every session, then closes the socket. Accepts a callback like `dgram.Socket#close`. */
  close(cb?: () => void): void {
    if (this.shut) {
      cb?.();
      return;
    }
    // With persistence the sessions stay valid for the next process: no close_notify, and their copies are kept.
    if (this.keeper !== undefined) this.keeper.shuttingDown = true;
    for (const c of [...this.byAddress.values()]) c.close(new ProtocolError('DTLS_HANDSHAKE', 'socket closed'), this.keeper === undefined);
    this.shut = true;
    clearInterval(this.sweeper);
    this.serverSessions.clear();
    this.socket.close(() => cb?.());
  }
}
