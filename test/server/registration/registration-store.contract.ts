// The one suite every RegistrationStore implementation must pass (run by memory- and redis-registration-store.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isServerError } from '../../../server/errors.ts';
import { applyRegistrationUpdate, createRegistration, type NewRegistration, type Registration, type RegistrationUpdate } from '../../../server/registration/registration.ts';
import type { RegistrationStore } from '../../../server/registration/registration-store.ts';

export interface RegistrationStoreFixture {
  readonly store: RegistrationStore;
  /** A second handle on the same data: another connection for Redis, the same object in memory. */
  readonly other: RegistrationStore;
  cleanup(): Promise<void>;
}

const T0 = Date.now();

/** A registration of `ep` received at `now` (default: test start), from 10.0.0.x:5683 unless a peer is given. */
export function sampleRegistration(ep: string, overrides: Partial<NewRegistration> & { now?: number; graceMs?: number } = {}): Registration {
  const { now = T0, graceMs = 0, ...fields } = overrides;
  return createRegistration(
    {
      endpoint: ep,
      peer: { address: '10.0.0.1', port: 5683 },
      lifetime: 300,
      binding: 'U',
      queueMode: false,
      lwm2mVersion: '1.1',
      rootPath: '/',
      contentFormats: [60, 110, 112, 11542, 11543],
      objectLinks: [{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }, { objectId: 5 }, { objectId: 6, version: '2.0' }],
      ...fields,
    },
    { now, graceMs },
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function registrationStoreContract(name: string, open: () => Promise<RegistrationStoreFixture>): void {
  describe(`RegistrationStore contract: ${name}`, () => {
    let fx: RegistrationStoreFixture;
    let store: RegistrationStore;

    beforeEach(async () => {
      fx = await open();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    it('finds an added registration by endpoint, id and peer, with every field intact', async () => {
      const reg = sampleRegistration('dev 1/ünïcode', {
        peer: { address: '2001:db8::1', port: 56830 },
        lwm2mVersion: '1.0',
        binding: 'US',
        queueMode: true,
        smsNumber: '447700900123',
        rootPath: '/lwm2m',
        contentFormats: [11543],
        objectLinks: [{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0, version: '1.1' }, { objectId: 3303 }],
      });
      expect(await store.add(reg)).toEqual({});
      expect(await store.getByEndpoint(reg.endpoint)).toEqual(reg);
      expect(await store.getById(reg.registrationId)).toEqual(reg);
      expect(await store.getByPeer({ address: '2001:db8::1', port: 56830 })).toEqual(reg);
      expect(await store.count()).toBe(1);
    });

    it('keeps empty content formats and object links and an absent sms number', async () => {
      const reg = sampleRegistration('bare', { contentFormats: [], objectLinks: [] });
      await store.add(reg);
      const got = await store.getByEndpoint('bare');
      expect(got).toEqual(reg);
      expect(got && 'smsNumber' in got).toBe(false);
    });

    it('resolves nothing for unknown endpoint, id or peer', async () => {
      await store.add(sampleRegistration('known'));
      expect(await store.getByEndpoint('unknown')).toBeUndefined();
      expect(await store.getById('nosuchid00')).toBeUndefined();
      expect(await store.getByPeer({ address: '10.0.0.1', port: 1 })).toBeUndefined();
      expect(await store.getByPeer({ address: '10.9.9.9', port: 5683 })).toBeUndefined();
    });

    it('replaces the registration on a repeat Register; the old id and old peer no longer resolve', async () => {
      const first = sampleRegistration('dev', { peer: { address: '10.0.0.1', port: 1000 } });
      const second = sampleRegistration('dev', { peer: { address: '10.0.0.2', port: 2000 }, lifetime: 60, now: T0 + 5000 });
      await store.add(first);
      expect(await store.add(second)).toEqual({ previous: first });
      expect(await store.getByEndpoint('dev')).toEqual(second);
      expect(await store.getById(first.registrationId)).toBeUndefined();
      expect(await store.getByPeer(first.peer)).toBeUndefined();
      expect(await store.getById(second.registrationId)).toEqual(second);
      expect(await store.getByPeer(second.peer)).toEqual(second);
      expect(await store.update(first.registrationId, { peer: first.peer, lastUpdate: T0 + 6000, graceMs: 0 })).toBeUndefined();
      expect(await store.remove(first.registrationId)).toBeUndefined();
      expect(await store.count()).toBe(1);
      const page = await store.list();
      expect(page.items).toEqual([second]);
    });

    it('replaces a registration re-registered from the same peer', async () => {
      const first = sampleRegistration('dev');
      const second = sampleRegistration('dev', { now: T0 + 1000 });
      await store.add(first);
      await store.add(second);
      expect(await store.getByPeer(first.peer)).toEqual(second);
      expect(await store.getById(first.registrationId)).toBeUndefined();
    });

    it('gives a peer to the latest endpoint registered from it and keeps it when the earlier one goes', async () => {
      const a = sampleRegistration('a', { peer: { address: '192.0.2.7', port: 40000 } });
      const b = sampleRegistration('b', { peer: { address: '192.0.2.7', port: 40000 } });
      await store.add(a);
      await store.add(b);
      expect((await store.getByPeer(a.peer))?.endpoint).toBe('b');
      expect(await store.remove(a.registrationId)).toEqual(a);
      expect((await store.getByPeer(a.peer))?.endpoint).toBe('b');
      // an Update of b from elsewhere releases the address
      await store.update(b.registrationId, { peer: { address: '192.0.2.8', port: 40000 }, lastUpdate: T0 + 1, graceMs: 0 });
      expect(await store.getByPeer(a.peer)).toBeUndefined();
    });

    it('applies an Update: lifetime, peer, expiry and the peer index change together', async () => {
      const reg = sampleRegistration('dev', { graceMs: 2000 });
      await store.add(reg);
      const update: RegistrationUpdate = { peer: { address: '10.0.0.9', port: 6000 }, lastUpdate: T0 + 60_000, graceMs: 2000, lifetime: 600 };
      const result = await store.update(reg.registrationId, update);
      const expected = applyRegistrationUpdate(reg, update);
      expect(result).toEqual({ previous: reg, current: expected });
      expect(expected.expiresAt).toBe(T0 + 60_000 + 600_000 + 2000);
      expect(expected.registeredAt).toBe(T0);
      expect(await store.getById(reg.registrationId)).toEqual(expected);
      expect(await store.getByEndpoint('dev')).toEqual(expected);
      expect(await store.getByPeer(update.peer)).toEqual(expected);
      expect(await store.getByPeer(reg.peer)).toBeUndefined();
    });

    it('records the owning server process at Register and moves it with an Update from another process', async () => {
      const reg = sampleRegistration('owned', { serverId: 'host-a:5683' });
      await store.add(reg);
      expect((await store.getByEndpoint('owned'))?.serverId).toBe('host-a:5683');
      const update: RegistrationUpdate = { peer: reg.peer, lastUpdate: T0 + 1000, graceMs: 0, serverId: 'host-b:5683' };
      await store.update(reg.registrationId, update);
      expect((await store.getById(reg.registrationId))?.serverId).toBe('host-b:5683');
      expect((await store.getByEndpoint('owned'))?.serverId).toBe('host-b:5683');
    });

    it('moves the expiry on an Update without lifetime, keeping the lifetime', async () => {
      const reg = sampleRegistration('dev', { lifetime: 120 });
      await store.add(reg);
      const result = await store.update(reg.registrationId, { peer: reg.peer, lastUpdate: T0 + 100_000, graceMs: 0 });
      expect(result?.current.lifetime).toBe(120);
      expect(result?.current.expiresAt).toBe(T0 + 100_000 + 120_000);
      expect(result?.current.lastUpdate).toBe(T0 + 100_000);
      // expiry follows the update: the old expiry no longer expires it
      expect(await store.removeExpired(reg.expiresAt)).toEqual([]);
      expect(await store.removeExpired(T0 + 220_000)).toEqual([result?.current]);
    });

    it('applies binding, queue mode, sms, object links, root path and content formats from an Update', async () => {
      const reg = sampleRegistration('dev', { lwm2mVersion: '1.0' });
      await store.add(reg);
      const update: RegistrationUpdate = {
        peer: reg.peer,
        lastUpdate: T0 + 10,
        graceMs: 0,
        binding: 'US',
        queueMode: true,
        smsNumber: '33612345678',
        objectLinks: [{ objectId: 3, instanceId: 0 }, { objectId: 4, instanceId: 0, version: '1.3' }],
        rootPath: '/alt',
        contentFormats: [11542],
      };
      const result = await store.update(reg.registrationId, update);
      expect(result?.current).toEqual(applyRegistrationUpdate(reg, update));
      expect(result?.current).toMatchObject({ binding: 'US', queueMode: true, smsNumber: '33612345678', rootPath: '/alt', contentFormats: [11542] });
      expect(await store.getByEndpoint('dev')).toEqual(result?.current);
    });

    it('resolves undefined for an Update or a removal of an unknown id', async () => {
      expect(await store.update('nosuchid00', { peer: { address: '10.0.0.1', port: 5683 }, lastUpdate: T0, graceMs: 0 })).toBeUndefined();
      expect(await store.remove('nosuchid00')).toBeUndefined();
      expect(await store.getByPeer({ address: '10.0.0.1', port: 5683 })).toBeUndefined();
    });

    it('removes a registration with its indexes', async () => {
      const reg = sampleRegistration('dev');
      const other = sampleRegistration('other', { peer: { address: '10.0.0.2', port: 5683 } });
      await store.add(reg);
      await store.add(other);
      expect(await store.remove(reg.registrationId)).toEqual(reg);
      expect(await store.getByEndpoint('dev')).toBeUndefined();
      expect(await store.getById(reg.registrationId)).toBeUndefined();
      expect(await store.getByPeer(reg.peer)).toBeUndefined();
      expect(await store.count()).toBe(1);
      expect(await store.remove(reg.registrationId)).toBeUndefined();
      expect(await store.getByEndpoint('other')).toEqual(other);
    });

    it('lists every registration once across pages, ordered by expiry', async () => {
      const regs = Array.from({ length: 25 }, (_, i) =>
        sampleRegistration(`ep-${String(i).padStart(2, '0')}`, { peer: { address: '10.1.0.1', port: 1000 + i }, lifetime: 100 + (i % 7) }),
      );
      await Promise.all(regs.map((r) => store.add(r)));
      const pages: Registration[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ count: 10, ...(cursor === undefined ? {} : { cursor }) });
        pages.push(page.items);
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      const all = pages.flat();
      expect(all.map((r) => r.endpoint).sort()).toEqual(regs.map((r) => r.endpoint).sort());
      const order = all.map((r) => [r.expiresAt, r.endpoint] as const);
      expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)));
      expect(all.find((r) => r.endpoint === 'ep-03')).toEqual(regs[3]);
    });

    it('returns one page without cursor when everything fits, and an empty page for an empty store', async () => {
      expect(await store.list()).toEqual({ items: [] });
      await store.add(sampleRegistration('one'));
      const page = await store.list({ count: 1 });
      expect(page.items.map((r) => r.endpoint)).toEqual(['one']);
      expect(page.cursor).toBeUndefined();
    });

    it('continues a listing whose cursor item was removed without missing unchanged items', async () => {
      const regs = Array.from({ length: 6 }, (_, i) => sampleRegistration(`ep-${i}`, { peer: { address: '10.2.0.1', port: 1000 + i }, lifetime: 100 + i }));
      for (const r of regs) await store.add(r);
      const first = await store.list({ count: 3 });
      expect(first.items.map((r) => r.endpoint)).toEqual(['ep-0', 'ep-1', 'ep-2']);
      await store.remove(regs[2].registrationId);
      const second = await store.list({ count: 3, cursor: first.cursor });
      expect(second.items.map((r) => r.endpoint)).toEqual(['ep-3', 'ep-4', 'ep-5']);
      expect(second.cursor).toBeUndefined();
    });

    it('refuses a malformed cursor or count with BAD_REQUEST', async () => {
      expect(isServerError(await rejection(store.list({ cursor: 'not a cursor!' })), 'BAD_REQUEST')).toBe(true);
      expect(isServerError(await rejection(store.list({ cursor: Buffer.from('abc').toString('base64url') })), 'BAD_REQUEST')).toBe(true);
      expect(isServerError(await rejection(store.list({ count: 0 })), 'BAD_REQUEST')).toBe(true);
      expect(isServerError(await rejection(store.list({ count: 1.5 })), 'BAD_REQUEST')).toBe(true);
      expect(isServerError(await rejection(store.removeExpired(T0, 0)), 'BAD_REQUEST')).toBe(true);
    });

    it('counts registrations', async () => {
      expect(await store.count()).toBe(0);
      for (let i = 0; i < 7; i++) await store.add(sampleRegistration(`c${i}`, { peer: { address: '10.3.0.1', port: 2000 + i } }));
      await store.add(sampleRegistration('c0', { peer: { address: '10.3.0.1', port: 2000 } }));
      expect(await store.count()).toBe(7);
    });

    it('removeExpired takes only expired registrations, oldest first, up to the limit', async () => {
      const expired = [30, 10, 20].map((lt, i) => sampleRegistration(`old-${i}`, { lifetime: lt, peer: { address: '10.4.0.1', port: 3000 + i } }));
      const alive = [100, 200].map((lt, i) => sampleRegistration(`new-${i}`, { lifetime: lt, peer: { address: '10.4.0.2', port: 3000 + i } }));
      for (const r of [...expired, ...alive]) await store.add(r);
      const now = T0 + 30_000;
      const firstTwo = await store.removeExpired(now, 2);
      expect(firstTwo.map((r) => r.endpoint)).toEqual(['old-1', 'old-2']);
      const rest = await store.removeExpired(now);
      expect(rest).toEqual([expired[0]]);
      expect(await store.removeExpired(now)).toEqual([]);
      for (const r of expired) {
        expect(await store.getByEndpoint(r.endpoint)).toBeUndefined();
        expect(await store.getById(r.registrationId)).toBeUndefined();
        expect(await store.getByPeer(r.peer)).toBeUndefined();
      }
      for (const r of alive) expect(await store.getById(r.registrationId)).toEqual(r);
      expect(await store.count()).toBe(2);
    });

    it('never gives the same expired registration to two concurrent callers', async () => {
      const regs = Array.from({ length: 120 }, (_, i) => sampleRegistration(`exp-${i}`, { lifetime: 1 + (i % 5), peer: { address: '10.5.0.1', port: 1000 + i } }));
      await Promise.all(regs.map((r) => store.add(r)));
      const now = T0 + 10_000;
      const results = await Promise.all([
        store.removeExpired(now, 25),
        fx.other.removeExpired(now, 25),
        store.removeExpired(now, 25),
        fx.other.removeExpired(now, 25),
        store.removeExpired(now, 25),
        fx.other.removeExpired(now, 25),
      ]);
      const endpoints = results.flat().map((r) => r.endpoint);
      expect(endpoints).toHaveLength(120);
      expect(new Set(endpoints).size).toBe(120);
      expect(await store.count()).toBe(0);
    });
  });
}
