import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../errors.ts';
import { suiteById } from './cipher-suites.ts';
import { type ConnectionHost, DtlsConnection, type Peer } from './connection.ts';
import { sessionCiphers } from './handshake-base.ts';
import type { DtlsRecord } from './record.ts';
import { type DtlsSessionPersistence, secretsOf, type SessionSnapshot } from './session-snapshot.ts';
import { TokenBucket } from '../token-bucket.ts';

/** Tuning of session persistence (`DtlsSocketOptions.sessionPersistence`). */
export interface SessionKeeperOptions {
  readonly persistence: DtlsSessionPersistence;
  /** Lifetime of a persisted session after its last write, ms (the socket's idle timeout). */
  readonly ttlMs: number;
  /** Write sequence numbers reserved per persistence write (2^16). */
  readonly block: number;
  /** Lookups of unknown sessions (CIDs, addresses) per second, at most; more are dropped unanswered. */
  readonly lookupsPerSecond: number;
  /** Lookups in flight at once, at most. */
  readonly maxPendingLookups: number;
  /** A CID or address found unknown is not looked up again for this long, ms. */
  readonly negativeCacheMs: number;
  /** Most remembered unknown CIDs and addresses. */
  readonly negativeCacheEntries: number;
  /** After a failed write, the next attempt waits this long, ms. */
  readonly retryMs: number;
}

/** What the keeper needs from its socket. */
export interface SessionKeeperHost extends ConnectionHost {
  /** The live session of a CID or address, if any. */
  live(cid: Buffer | undefined, address: string, port: number): DtlsConnection | undefined;
  /** Indexes a session taken over from a snapshot. */
  adoptRestored(conn: DtlsConnection): void;
  persistenceFailed(err: unknown): void;
}

/** Counters of session persistence (part of `DtlsStats`). */
export interface SessionKeeperStats {
  sessionsPersisted: number;
  sessionsRestored: number;
  persistFailures: number;
  /** Lookups that found no session. */
  restoreMisses: number;
  /** Lookups not made: negative cache, rate limit or too many in flight. */
  restoreLookupsSkipped: number;
  /** Records not sent because the session's reserved write sequence numbers ran out before a new block was stored. */
  writesBlocked: number;
}

interface ConnState {
  inflight: boolean;
  again: boolean;
  lastOkAt: number;
  retryAfter: number;
}

type SendCallback = (err: Error | null) => void;

interface PendingLookup {
  records: { rec: DtlsRecord; from: Peer }[];
  sends: { data: Buffer; cb: SendCallback | undefined }[];
}

const MAX_HELD_PER_LOOKUP = 8;

/**
 * Keeps established server sessions in a `DtlsSessionPersistence` so that another process (a restart, another node)
 * takes a session over when the device's next record arrives, or when the server has something to send it, without
 * a new handshake.
 *
 * Nonce safety. AES-CCM and AES-GCM records use the nonce salt ‖ epoch ‖ sequence number (RFC 6655 §3, RFC 5288 §3),
 * and a nonce must never be used twice with one key (RFC 5116 §3: reuse loses confidentiality, and for GCM the
 * authentication key). DTLS sequence numbers only rise within an epoch (RFC 6347 §4.1), so a process that takes a
 * session over must not write any (epoch, seq) another holder of the keys wrote. Holders therefore write only inside
 * blocks of sequence numbers reserved atomically in the persistence (`persist`: every block starts above every block
 * reserved before for the session): the first block at establishment, the next one when half of the current one is
 * used, and a fresh one by whoever takes the session over. Before a block is stored nothing of the session is
 * persisted, so nobody can take it over; past the end of its block a holder sends nothing until the next block is
 * stored (`writesBlocked`; with 2^16 per block that needs 2^15 records to one device while the store is unreachable).
 * Skipped numbers cost nothing: the peer's replay window only wants them rising.
 *
 * Replay. The exact window bitmap (RFC 6347 §4.1.2.6) is not persisted: a restored session drops every record at or
 * below the highest sequence number read when the session was last written. Records the device sent after that write
 * and before the crash could be replayed once to the new holder; writes happen at establishment, per block, on an
 * address change and at least every half lifetime, not per record.
 *
 * Cost. Nothing is written per record. Unknown CIDs and addresses are looked up at most `lookupsPerSecond` times a
 * second and then remembered as unknown for `negativeCacheMs`, so garbage on the coaps port cannot turn into one store
 * round trip per datagram. Every store failure is counted and reported; sessions carry on in memory.
 */
export class SessionKeeper {
  private readonly states = new WeakMap<DtlsConnection, ConnState>();
  private readonly pending = new Map<string, PendingLookup>();
  private readonly unknown = new Map<string, number>();
  private readonly lookups: TokenBucket;
  /** Set while the socket closes: its sessions stay persisted for the next process. */
  shuttingDown = false;
  readonly stats: SessionKeeperStats = { sessionsPersisted: 0, sessionsRestored: 0, persistFailures: 0, restoreMisses: 0, restoreLookupsSkipped: 0, writesBlocked: 0 };

  constructor(
    private readonly host: SessionKeeperHost,
    private readonly opts: SessionKeeperOptions,
  ) {
    this.lookups = new TokenBucket(opts.lookupsPerSecond, opts.lookupsPerSecond, Date.now());
  }

  // --- sessions of this process ------------------------------------------------------------------------------

  /** A server handshake completed: the first block starts at the next write sequence number. */
  established(conn: DtlsConnection): void {
    if (conn.role !== 'server' || conn.secrets === undefined || conn.identity === undefined) return;
    conn.handle = randomBytes(12).toString('base64url');
    const from = conn.writeSeq;
    this.adoptBlock(conn, from);
    this.persist(conn, from);
  }

  /** The connection sealed past half its block, or reached its end. */
  writesRunningLow(conn: DtlsConnection): void {
    if (conn.handle === undefined) return;
    if (conn.writeSeq >= conn.writeLimit) this.stats.writesBlocked++;
    const st = this.state(conn);
    if (st.inflight || Date.now() < st.retryAfter) return;
    this.persist(conn, conn.writeSeq);
  }

  /** A record authenticated: refresh the persisted copy when half its lifetime has passed. */
  touched(conn: DtlsConnection): void {
    if (conn.handle === undefined) return;
    const st = this.state(conn);
    const now = Date.now();
    if (!st.inflight && now - st.lastOkAt > this.opts.ttlMs / 2 && now >= st.retryAfter) this.persist(conn, conn.writeSeq);
  }

  /** The peer moved to another address under its CID: the address index follows. */
  moved(conn: DtlsConnection): void {
    if (conn.handle !== undefined) this.persist(conn, conn.writeSeq);
  }

  /** The session ended for good (alert, replaced by a new handshake): forget the persisted copy. */
  ended(conn: DtlsConnection): void {
    if (conn.handle === undefined || this.shuttingDown) return;
    this.opts.persistence.remove(this.snapshot(conn)).catch((err: unknown) => this.failed(err));
  }

  private state(conn: DtlsConnection): ConnState {
    let st = this.states.get(conn);
    if (st === undefined) {
      st = { inflight: false, again: false, lastOkAt: 0, retryAfter: 0 };
      this.states.set(conn, st);
    }
    return st;
  }

  private snapshot(conn: DtlsConnection): SessionSnapshot {
    const epoch = conn.currentWriteEpoch;
    return {
      ...conn.secrets!,
      handle: conn.handle!,
      epoch,
      readSeq: conn.readHighest(epoch),
      cidIn: conn.cidIn,
      cidOut: conn.cidOut,
      identity: conn.identity!,
      peer: { address: conn.peer.address, port: conn.peer.port },
    };
  }

  /** Writes [start, start + block) as the connection's block; numbers below `start` it has not used are skipped. */
  private adoptBlock(conn: DtlsConnection, start: number): void {
    if (start > conn.writeSeq) conn.setWriteSeq(conn.currentWriteEpoch, start);
    conn.writeLimit = start + this.opts.block;
    conn.reserveAt = start + this.opts.block / 2;
  }

  /** One write in flight per session, in order, so a stored block never goes backwards. */
  private persist(conn: DtlsConnection, fromSeq: number): void {
    const st = this.state(conn);
    if (st.inflight) {
      st.again = true;
      return;
    }
    st.inflight = true;
    st.again = false;
    this.opts.persistence
      .persist(this.snapshot(conn), { fromSeq, block: this.opts.block }, this.opts.ttlMs)
      .then(
        (start) => {
          this.stats.sessionsPersisted++;
          st.lastOkAt = Date.now();
          // Also when the block ends lower than the one held (the store lost its counter): a taker-over starts there.
          if (!conn.isClosed) this.adoptBlock(conn, start);
        },
        (err: unknown) => {
          st.retryAfter = Date.now() + this.opts.retryMs;
          this.failed(err);
        },
      )
      .finally(() => {
        st.inflight = false;
        if (st.again && !conn.isClosed) this.persist(conn, conn.writeSeq);
      });
  }

  private failed(err: unknown): void {
    this.stats.persistFailures++;
    this.host.persistenceFailed(err);
  }

  // --- sessions of other processes ---------------------------------------------------------------------------

  /** A record (epoch > 0) for which this process has no session: look for a persisted one. */
  recordWithoutSession(rec: DtlsRecord, from: Peer): void {
    if (rec.epoch === 0) return;
    const key = rec.cid !== undefined ? 'c:' + rec.cid.toString('hex') : 'a:' + from.address + ':' + from.port;
    const p = this.lookup(key, rec.cid, from);
    if (p !== undefined && p.records.length < MAX_HELD_PER_LOOKUP) p.records.push({ rec, from });
  }

  /** Application data for a peer without a session here: look for a persisted one, then send. */
  sendWithoutSession(data: Buffer, peer: Peer, cb: SendCallback | undefined): void {
    const p = this.lookup('a:' + peer.address + ':' + peer.port, undefined, peer);
    if (p === undefined || p.sends.length >= MAX_HELD_PER_LOOKUP) {
      cb?.(new ProtocolError('DTLS_HANDSHAKE', `no DTLS session with ${peer.address}:${peer.port}`));
      return;
    }
    p.sends.push({ data, cb });
  }

  private lookup(key: string, cid: Buffer | undefined, from: Peer): PendingLookup | undefined {
    const existing = this.pending.get(key);
    if (existing !== undefined) return existing;
    const now = Date.now();
    const until = this.unknown.get(key);
    if (until !== undefined && until > now) {
      this.stats.restoreLookupsSkipped++;
      return undefined;
    }
    if (until !== undefined) this.unknown.delete(key);
    if (this.pending.size >= this.opts.maxPendingLookups || this.lookups.take(now) > 0) {
      this.stats.restoreLookupsSkipped++;
      return undefined;
    }
    const p: PendingLookup = { records: [], sends: [] };
    this.pending.set(key, p);
    void this.restore(cid, from).then((conn) => this.settle(key, p, conn));
    return p;
  }

  private async restore(cid: Buffer | undefined, from: Peer): Promise<DtlsConnection | undefined> {
    const p = this.opts.persistence;
    try {
      const snap = cid !== undefined ? await p.findByCid(cid) : await p.findByAddress(from.address, from.port);
      if (snap === undefined) return undefined;
      // An index is a hint: the snapshot must be the one asked for (a stale address entry names someone else's session).
      if (cid !== undefined ? snap.cidIn === undefined || !snap.cidIn.equals(cid) : snap.peer.address !== from.address || snap.peer.port !== from.port) return undefined;
      const suite = suiteById(snap.suiteId);
      if (suite === undefined || snap.epoch < 1) return undefined;
      const live = this.host.live(cid, from.address, from.port);
      if (live !== undefined) return live;
      const start = await p.persist(snap, { fromSeq: 0, block: this.opts.block }, this.opts.ttlMs);
      const again = this.host.live(cid, from.address, from.port);
      if (again !== undefined) return again;
      const { client, server } = sessionCiphers(suite, snap.master, snap.clientRandom, snap.serverRandom);
      const conn = new DtlsConnection(this.host, { address: snap.peer.address, port: snap.peer.port }, 'server');
      conn.identity = snap.identity;
      conn.cidIn = snap.cidIn;
      conn.cidOut = snap.cidOut;
      conn.handle = snap.handle;
      conn.secrets = secretsOf(snap);
      conn.installRestored(snap.epoch, client, server, snap.readSeq, start);
      this.adoptBlock(conn, start);
      this.state(conn).lastOkAt = Date.now();
      this.host.adoptRestored(conn);
      this.stats.sessionsRestored++;
      return conn;
    } catch (err) {
      this.failed(err);
      return undefined;
    }
  }

  private settle(key: string, p: PendingLookup, conn: DtlsConnection | undefined): void {
    this.pending.delete(key);
    if (conn !== undefined) {
      for (const { rec, from } of p.records) conn.receive(rec, from);
      // Taken over for records none of which authenticated: not the peer's session after all (or a forgery).
      if (p.records.length > 0 && conn.recordsAccepted === 0 && conn.handle !== undefined) {
        conn.keepPersisted = true;
        conn.close(undefined, false);
        conn = undefined;
      }
    }
    if (conn === undefined) {
      this.stats.restoreMisses++;
      this.unknown.set(key, Date.now() + this.opts.negativeCacheMs);
      while (this.unknown.size > this.opts.negativeCacheEntries) this.unknown.delete(this.unknown.keys().next().value!);
      for (const s of p.sends) s.cb?.(new ProtocolError('DTLS_HANDSHAKE', 'no DTLS session with the peer'));
      return;
    }
    for (const s of p.sends) {
      if (conn.sendApplicationData(s.data)) s.cb?.(null);
      else s.cb?.(new ProtocolError('DTLS_HANDSHAKE', 'session closed'));
    }
  }

  /** Forgets what was learnt about unknown peers (a handshake just made one known). */
  known(conn: DtlsConnection): void {
    this.unknown.delete('a:' + conn.key);
    if (conn.cidIn !== undefined) this.unknown.delete('c:' + conn.cidIn.toString('hex'));
  }
}
