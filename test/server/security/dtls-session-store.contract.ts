// The one suite every DtlsSessionStore implementation must pass (run by dtls-session-store.test.ts).
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionSnapshot } from '../../../protocol/dtls/session-snapshot.ts';
import type { DtlsSessionStore } from '../../../server/security/dtls-session-store.ts';

export interface DtlsSessionStoreFixture {
  readonly store: DtlsSessionStore;
  /** A second handle on the same data: another connection (another node) for Redis, the same object in memory. */
  readonly other: DtlsSessionStore;
  cleanup(): Promise<void>;
}

/** A snapshot with fresh random secrets. */
export function sessionSnapshot(over: Partial<SessionSnapshot> = {}): SessionSnapshot {
  return {
    handle: randomBytes(12).toString('base64url'),
    suiteId: 0xc0a8,
    master: randomBytes(48),
    clientRandom: randomBytes(32),
    serverRandom: randomBytes(32),
    sessionId: randomBytes(32),
    extendedMasterSecret: true,
    epoch: 1,
    readSeq: 7,
    cidIn: randomBytes(6),
    cidOut: undefined,
    identity: { kind: 'psk', identity: 'dev-ü-1' },
    peer: { address: '127.0.0.1', port: 40000 + Math.floor(Math.random() * 20000) },
    pskFingerprint: randomBytes(32),
    ...over,
  };
}

const HOUR = 3_600_000;

export function dtlsSessionStoreContract(name: string, open: () => Promise<DtlsSessionStoreFixture>): void {
  describe(`DtlsSessionStore contract: ${name}`, () => {
    let fx: DtlsSessionStoreFixture;
    beforeEach(async () => {
      fx = await open();
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('finds a persisted session by CID and by address from another handle, secrets intact', async () => {
      const s = sessionSnapshot({ cidOut: randomBytes(3), identity: { kind: 'rpk', publicKey: randomBytes(91) } });
      expect(await fx.store.persist(s, { fromSeq: 5, block: 100 }, HOUR)).toBe(5);
      expect(await fx.other.findByCid(s.cidIn!)).toEqual(s);
      expect(await fx.other.findByAddress(s.peer.address, s.peer.port)).toEqual(s);
      expect(await fx.other.findByCid(randomBytes(6))).toBeUndefined();
      expect(await fx.other.findByAddress('127.0.0.2', 1)).toBeUndefined();
    });

    it('reserves rising, never overlapping blocks of write sequence numbers, even from two handles at once', async () => {
      const s = sessionSnapshot();
      expect(await fx.store.persist(s, { fromSeq: 1, block: 1000 }, HOUR)).toBe(1);
      // A taker-over asks from 0 and still starts above the first holder's block.
      expect(await fx.other.persist(s, { fromSeq: 0, block: 1000 }, HOUR)).toBe(1001);
      // A caller already past the counter starts at its own number.
      expect(await fx.store.persist(s, { fromSeq: 5000, block: 1000 }, HOUR)).toBe(5000);
      const starts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? fx.store : fx.other).persist(s, { fromSeq: 0, block: 1000 }, HOUR)));
      const sorted = [...starts].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThanOrEqual(1000);
      expect(sorted[0]).toBeGreaterThanOrEqual(6000);
      // 48-bit sequence numbers survive the round trip.
      expect(await fx.store.persist(s, { fromSeq: 2 ** 47, block: 1000 }, HOUR)).toBe(2 ** 47);
      expect(await fx.store.persist(s, { fromSeq: 0, block: 1000 }, HOUR)).toBe(2 ** 47 + 1000);
    });

    it('the latest session persisted from an address wins it; removing one leaves the other', async () => {
      const peer = { address: '127.0.0.1', port: 41234 };
      const a = sessionSnapshot({ peer });
      const b = sessionSnapshot({ peer });
      await fx.store.persist(a, { fromSeq: 0, block: 10 }, HOUR);
      await fx.store.persist(b, { fromSeq: 0, block: 10 }, HOUR);
      expect((await fx.other.findByAddress(peer.address, peer.port))?.handle).toBe(b.handle);
      await fx.other.remove(a);
      expect((await fx.store.findByAddress(peer.address, peer.port))?.handle).toBe(b.handle);
      expect(await fx.store.findByCid(a.cidIn!)).toBeUndefined();
      await fx.store.remove(b);
      expect(await fx.store.findByAddress(peer.address, peer.port)).toBeUndefined();
      expect(await fx.store.findByCid(b.cidIn!)).toBeUndefined();
    });

    it('forgets a session after its lifetime', async () => {
      const s = sessionSnapshot();
      await fx.store.persist(s, { fromSeq: 0, block: 10 }, 150);
      expect(await fx.other.findByCid(s.cidIn!)).toBeDefined();
      await new Promise((r) => setTimeout(r, 300));
      expect(await fx.other.findByCid(s.cidIn!)).toBeUndefined();
      expect(await fx.other.findByAddress(s.peer.address, s.peer.port)).toBeUndefined();
    });
  });
}
