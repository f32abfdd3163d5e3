// The one suite every SecurityStore implementation must pass (run by memory- and redis-security-store.test.ts).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../../../server/security/security-entry.ts';
import { SecurityConflictError, type SecurityStore } from '../../../server/security/security-store.ts';

export interface SecurityStoreFixture {
  readonly store: SecurityStore;
  /** A second handle on the same data: another connection for Redis, the same object in memory. */
  readonly other: SecurityStore;
  cleanup(): Promise<void>;
}

/** A fresh P-256 public key as SubjectPublicKeyInfo DER. */
export function p256Spki(): Buffer {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
}

export function securityStoreContract(name: string, open: () => Promise<SecurityStoreFixture>): void {
  describe(`SecurityStore contract: ${name}`, () => {
    let fx: SecurityStoreFixture;
    let store: SecurityStore;
    beforeEach(async () => {
      fx = await open();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('keeps a PSK entry and finds it by identity from another handle; the summary has no key', async () => {
      const key = randomBytes(16);
      await store.put('dev 1/ünï', { mode: 'psk', identity: 'id-ü-1', key });
      expect(await fx.other.get('dev 1/ünï')).toEqual({ mode: 'psk', identity: 'id-ü-1', key });
      expect(await fx.other.findByPskIdentity('id-ü-1')).toEqual({ endpoint: 'dev 1/ünï', key });
      const summary = await store.summary('dev 1/ünï');
      expect(summary).toMatchObject({ endpoint: 'dev 1/ünï', mode: 'psk', identity: 'id-ü-1' });
      expect(JSON.stringify(summary)).not.toContain(key.toString('hex'));
      expect(Object.keys(summary ?? {})).not.toContain('key');
    });

    it('keeps an RPK entry and finds it by public key; an x509 entry has no index', async () => {
      const spki = p256Spki();
      await store.put('rpk-dev', { mode: 'rpk', publicKey: spki });
      await store.put('x-dev', { mode: 'x509' });
      expect(await store.get('rpk-dev')).toEqual({ mode: 'rpk', publicKey: spki });
      expect(await fx.other.findByPublicKey(spki)).toBe('rpk-dev');
      expect(await store.findByPublicKey(p256Spki())).toBeUndefined();
      expect(await store.summary('rpk-dev')).toMatchObject({ mode: 'rpk', publicKeyFingerprint: publicKeyFingerprint(spki) });
      expect(await store.get('x-dev')).toEqual({ mode: 'x509' });
    });

    it('resolves nothing for an unknown endpoint, identity or key', async () => {
      expect(await store.get('nobody')).toBeUndefined();
      expect(await store.summary('nobody')).toBeUndefined();
      expect(await store.findByPskIdentity('nobody')).toBeUndefined();
      expect(await store.delete('nobody')).toBe(false);
    });

    it('refuses an identity or public key bound to another endpoint, leaving both entries as they were', async () => {
      const key = randomBytes(32);
      const spki = p256Spki();
      await store.put('a', { mode: 'psk', identity: 'shared', key });
      await store.put('r', { mode: 'rpk', publicKey: spki });
      const e1 = store.put('b', { mode: 'psk', identity: 'shared', key: randomBytes(16) });
      await expect(e1).rejects.toBeInstanceOf(SecurityConflictError);
      await expect(e1).rejects.toMatchObject({ code: 'CONFLICT', httpStatus: 409, what: 'identity', ownerEndpoint: 'a' });
      await expect(fx.other.put('b', { mode: 'rpk', publicKey: spki })).rejects.toMatchObject({ code: 'CONFLICT', what: 'publicKey', ownerEndpoint: 'r' });
      expect(await store.get('b')).toBeUndefined();
      expect(await store.findByPskIdentity('shared')).toEqual({ endpoint: 'a', key });
      expect(await store.findByPublicKey(spki)).toBe('r');
    });

    it('lets an endpoint re-put its own identity with a new key', async () => {
      await store.put('a', { mode: 'psk', identity: 'mine', key: randomBytes(16) });
      const key = randomBytes(16);
      await store.put('a', { mode: 'psk', identity: 'mine', key });
      expect(await store.findByPskIdentity('mine')).toEqual({ endpoint: 'a', key });
    });

    it('drops the old identity when an entry is replaced, so another endpoint may take it', async () => {
      await store.put('a', { mode: 'psk', identity: 'old-id', key: randomBytes(16) });
      const key = randomBytes(16);
      await store.put('a', { mode: 'psk', identity: 'new-id', key });
      expect(await store.findByPskIdentity('old-id')).toBeUndefined();
      expect(await store.findByPskIdentity('new-id')).toEqual({ endpoint: 'a', key });
      const bKey = randomBytes(16);
      await fx.other.put('b', { mode: 'psk', identity: 'old-id', key: bKey });
      expect(await store.findByPskIdentity('old-id')).toEqual({ endpoint: 'b', key: bKey });
    });

    it('drops the index when the mode changes: psk -> rpk -> x509', async () => {
      const spki = p256Spki();
      await store.put('a', { mode: 'psk', identity: 'a-id', key: randomBytes(16) });
      await store.put('a', { mode: 'rpk', publicKey: spki });
      expect(await store.findByPskIdentity('a-id')).toBeUndefined();
      expect(await store.findByPublicKey(spki)).toBe('a');
      await store.put('a', { mode: 'x509' });
      expect(await store.findByPublicKey(spki)).toBeUndefined();
      await store.put('b', { mode: 'rpk', publicKey: spki });
      expect(await store.findByPublicKey(spki)).toBe('b');
    });

    it('deletes an entry and releases its identity', async () => {
      await store.put('a', { mode: 'psk', identity: 'gone', key: randomBytes(16) });
      expect(await store.delete('a')).toBe(true);
      expect(await store.get('a')).toBeUndefined();
      expect(await store.findByPskIdentity('gone')).toBeUndefined();
      expect(await store.delete('a')).toBe(false);
      await store.put('b', { mode: 'psk', identity: 'gone', key: randomBytes(16) });
      expect((await store.findByPskIdentity('gone'))?.endpoint).toBe('b');
      expect((await store.list()).items.map((s) => s.endpoint)).toEqual(['b']);
    });

    it('refuses invalid entries with BAD_REQUEST', async () => {
      const bad = [
        { mode: 'psk', identity: 'x', key: randomBytes(15) },
        { mode: 'psk', identity: 'x', key: randomBytes(65) },
        { mode: 'psk', identity: '', key: randomBytes(16) },
        { mode: 'psk', identity: 'é'.repeat(65), key: randomBytes(16) },
        { mode: 'psk', identity: '\ud800', key: randomBytes(16) },
        { mode: 'rpk', publicKey: Buffer.from('not a key') },
        { mode: 'rpk', publicKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' }) },
        { mode: 'rpk', publicKey: generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }) },
        { mode: 'nosec' },
      ];
      for (const entry of bad) {
        await expect(store.put('a', entry as never), JSON.stringify(entry)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      }
      await expect(store.put('', { mode: 'x509' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await store.put('a', { mode: 'psk', identity: 'é'.repeat(64), key: randomBytes(64) });
      expect(await store.get('a')).toMatchObject({ identity: 'é'.repeat(64) });
    });

    it('lists entries in endpoint order, page by page, without keys', async () => {
      const eps = Array.from({ length: 23 }, (_, i) => `dev-${String(i).padStart(2, '0')}`);
      for (const ep of eps) await store.put(ep, { mode: 'psk', identity: `id-${ep}`, key: randomBytes(16) });
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ count: 10, ...(cursor ? { cursor } : {}) });
        for (const item of page.items) {
          expect(item).toEqual({ endpoint: item.endpoint, mode: 'psk', identity: `id-${item.endpoint}`, updatedAt: expect.any(Number) });
          seen.push(item.endpoint);
        }
        cursor = page.cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(eps);
      expect(pages).toBe(3);
      for (const opts of [{ cursor: '!!' }, { count: 0 }, { count: 1001 }]) await expect(store.list(opts)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });

    it('binds an identity to one endpoint under concurrent puts', async () => {
      const results = await Promise.allSettled(['p', 'q', 'r', 's'].map((ep, i) => (i % 2 ? fx.other : store).put(ep, { mode: 'psk', identity: 'race', key: randomBytes(16) })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SecurityConflictError);
      const winner = ['p', 'q', 'r', 's'][results.findIndex((r) => r.status === 'fulfilled')];
      expect((await store.findByPskIdentity('race'))?.endpoint).toBe(winner);
    });
  });
}
