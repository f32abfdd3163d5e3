import { decodeSnapshot, encodeSnapshot, type SessionSnapshot } from '../../protocol/dtls/session-snapshot.ts';
import type { DtlsSessionStore } from './dtls-session-store.ts';

interface Entry {
  snapshot: Buffer;
  reservedEnd: number;
  expiresAt: number;
}

/** DtlsSessionStore in memory, for unit tests: one process only, snapshots kept as bytes (copied in and out). */
export class MemoryDtlsSessionStore implements DtlsSessionStore {
  private readonly sessions = new Map<string, Entry>();
  private readonly cids = new Map<string, { handle: string; expiresAt: number }>();
  private readonly peers = new Map<string, { handle: string; expiresAt: number }>();

  async persist(s: SessionSnapshot, reserve: { fromSeq: number; block: number }, ttlMs: number): Promise<number> {
    const expiresAt = Date.now() + ttlMs;
    const old = this.live(this.sessions, s.handle);
    const start = Math.max(old?.reservedEnd ?? 0, reserve.fromSeq);
    this.sessions.set(s.handle, { snapshot: encodeSnapshot(s), reservedEnd: start + reserve.block, expiresAt });
    if (s.cidIn !== undefined) this.cids.set(s.cidIn.toString('hex'), { handle: s.handle, expiresAt });
    this.peers.set(`${s.peer.address}:${s.peer.port}`, { handle: s.handle, expiresAt });
    return start;
  }

  async findByCid(cid: Buffer): Promise<SessionSnapshot | undefined> {
    return this.follow(this.live(this.cids, cid.toString('hex'))?.handle);
  }

  async findByAddress(address: string, port: number): Promise<SessionSnapshot | undefined> {
    return this.follow(this.live(this.peers, `${address}:${port}`)?.handle);
  }

  async remove(s: SessionSnapshot): Promise<void> {
    this.sessions.delete(s.handle);
    const cid = s.cidIn?.toString('hex');
    if (cid !== undefined && this.cids.get(cid)?.handle === s.handle) this.cids.delete(cid);
    const peer = `${s.peer.address}:${s.peer.port}`;
    if (this.peers.get(peer)?.handle === s.handle) this.peers.delete(peer);
  }

  async close(): Promise<void> {
    this.sessions.clear();
    this.cids.clear();
    this.peers.clear();
  }

  private follow(handle: string | undefined): SessionSnapshot | undefined {
    const e = handle === undefined ? undefined : this.live(this.sessions, handle);
    return e === undefined ? undefined : decodeSnapshot(e.snapshot);
  }

  private live<T extends { expiresAt: number }>(map: Map<string, T>, key: string): T | undefined {
    const e = map.get(key);
    if (e !== undefined && e.expiresAt <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return e;
  }
}
