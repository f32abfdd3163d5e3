// The one suite every TwinStore implementation must pass (run by memory-twin-store.test.ts and redis-twin-store.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isServerError, type ServerError } from '../../../server/errors.ts';
import type { ReportedUpdate, TwinChange, TwinStore } from '../../../server/twin/twin-store.ts';
import { compileQuery } from '../../../server/query/evaluate.ts';
import { isQueryError } from '../../../server/query/query-error.ts';
import type { TwinQuery } from '../../../server/twin/twin-query.ts';
import type { TwinMetadata } from '../../../server/twin/twin.ts';

export interface TestClock {
  now: number;
}

export interface TwinStoreFixture {
  readonly store: TwinStore;
  /** A second instance on the same data (another connection for Redis, a shared backend in memory). */
  readonly other: TwinStore;
  /** The clock both stores read (ms since the epoch); tests move it. */
  readonly clock: TestClock;
  cleanup(): Promise<void>;
}

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

async function rejection(promise: Promise<unknown>): Promise<ServerError> {
  const err = await anyRejection(promise);
  if (isServerError(err)) return err;
  throw err;
}

async function anyRejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** The same query with its index hints removed, so the store must scan. */
function withoutHints(query: TwinQuery): TwinQuery {
  return { ...query, indexHints: [], rangeHints: [] };
}

/** The query with `matches` always true: it returns exactly the index's candidates (checks the index upkeep). */
function indexOnly(query: TwinQuery): TwinQuery {
  return { ...query, matches: () => true };
}

const ids = (items: unknown[]) => items.map((i) => (i as { deviceId: string }).deviceId);

async function allPages(store: TwinStore, query: TwinQuery, pageSize: number, from?: string): Promise<{ items: unknown[]; pages: number }> {
  const items: unknown[] = [];
  let token: string | undefined = from;
  let pages = 0;
  do {
    const page = await store.query(query, { pageSize, continuationToken: token });
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    items.push(...page.items);
    token = page.continuationToken;
    pages++;
    if (pages > 1000) throw new Error('paging does not end');
  } while (token !== undefined);
  return { items, pages };
}

function update(ep: string, property: string, value: ReportedUpdate['value'], timestamp: number, source: ReportedUpdate['source'] = 'notify'): ReportedUpdate {
  return { ep, property: property.split('.'), value, timestamp, source };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function twinStoreContract(name: string, open: () => Promise<TwinStoreFixture>): void {
  describe(`TwinStore contract: ${name}`, () => {
    let fx: TwinStoreFixture;
    let store: TwinStore;
    let clock: TestClock;

    beforeEach(async () => {
      fx = await open();
      store = fx.store;
      clock = fx.clock;
      clock.now = T0;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

    describe('life cycle', () => {
      it('creates an empty twin in the Azure IoT Hub device twins doc shape, once', async () => {
        expect(await store.get('dev1')).toBeUndefined();
        const twin = await store.ensure('dev1');
        expect(twin).toEqual({
          deviceId: 'dev1',
          etag: expect.stringMatching(/^W\/".+"$/),
          version: 1,
          status: 'enabled',
          connectionState: 'disconnected',
          tags: {},
          properties: {
            desired: { $metadata: { $lastUpdated: iso(T0), $lastUpdatedVersion: 1 }, $version: 1 },
            reported: { $metadata: { $lastUpdated: iso(T0) }, $version: 1 },
          },
          desiredSync: {},
        });
        clock.now += 1000;
        expect(await store.ensure('dev1', { tags: { ignored: true } })).toEqual(twin);
        expect(await fx.other.get('dev1')).toEqual(twin);
        expect(await store.count()).toBe(1);
      });

      it('seeds tags of a new twin and validates them', async () => {
        const twin = await store.ensure('dev1', { tags: { location: { plant: 'P1' } } });
        expect(twin.tags).toEqual({ location: { plant: 'P1' } });
        const err = await rejection(store.ensure('dev2', { tags: { 'bad key': 1 } }));
        expect(err.code).toBe('BAD_REQUEST');
        expect(err.message).toContain('tags.bad key');
        expect(await store.get('dev2')).toBeUndefined();
      });

      it('deletes a twin with its index entries', async () => {
        await store.ensure('dev1', { tags: { plant: 'P1' } });
        expect(await store.delete('dev1')).toBe(true);
        expect(await store.delete('dev1')).toBe(false);
        expect(await store.get('dev1')).toBeUndefined();
        expect(await store.count()).toBe(0);
        expect((await store.query(indexOnly(compileQuery("SELECT deviceId FROM devices WHERE tags.plant = 'P1'")), { pageSize: 10 })).items).toEqual([]);
        // A re-created twin does not match ETags of its predecessor.
        const first = await store.ensure('dev1');
        await store.delete('dev1');
        clock.now += 1;
        const second = await store.ensure('dev1');
        expect(second.version).toBe(first.version);
        expect(second.etag).not.toBe(first.etag);
      });

      it('lists ids in order with a cursor', async () => {
        for (const id of ['c', 'a', 'e', 'b', 'd']) await store.ensure(id);
        const first = await store.listIds(undefined, 2);
        expect(first).toEqual({ ids: ['a', 'b'], cursor: 'b' });
        const second = await store.listIds(first.cursor, 2);
        expect(second).toEqual({ ids: ['c', 'd'], cursor: 'd' });
        expect(await store.listIds(second.cursor, 2)).toEqual({ ids: ['e'] });
      });
    });

    describe('patch', () => {
      beforeEach(async () => {
        await store.ensure('dev1');
      });

      it('merges recursively, deletes with null, and stamps metadata on changed leaves and ancestors only', async () => {
        clock.now = T0 + 1000;
        const r1 = await store.patch('dev1', {
          tags: { location: { plant: 'P1', floor: 2 } },
          properties: { desired: { telemetry: { period: 60, mode: 'fast' }, other: true } },
        });
        expect(r1.changedDesired.sort()).toEqual(['other', 'telemetry.mode', 'telemetry.period']);
        expect(r1.twin.version).toBe(2);
        const d1 = r1.twin.properties.desired;
        expect(d1.$version).toBe(2);
        expect(d1.telemetry).toEqual({ period: 60, mode: 'fast' });
        expect(d1.$metadata).toEqual({
          $lastUpdated: iso(T0 + 1000),
          $lastUpdatedVersion: 2,
          telemetry: {
            $lastUpdated: iso(T0 + 1000),
            $lastUpdatedVersion: 2,
            period: { $lastUpdated: iso(T0 + 1000), $lastUpdatedVersion: 2 },
            mode: { $lastUpdated: iso(T0 + 1000), $lastUpdatedVersion: 2 },
          },
          other: { $lastUpdated: iso(T0 + 1000), $lastUpdatedVersion: 2 },
        });

        clock.now = T0 + 2000;
        const r2 = await store.patch('dev1', { tags: { location: { floor: null } }, properties: { desired: { telemetry: { period: 30 } } } });
        expect(r2.changedDesired).toEqual(['telemetry.period']);
        expect(r2.twin.tags).toEqual({ location: { plant: 'P1' } });
        expect(r2.twin.version).toBe(3);
        const m2 = r2.twin.properties.desired.$metadata;
        expect(m2.$lastUpdated).toBe(iso(T0 + 2000));
        expect((m2.telemetry as TwinMetadata).$lastUpdated).toBe(iso(T0 + 2000));
        expect(((m2.telemetry as TwinMetadata).period as TwinMetadata).$lastUpdatedVersion).toBe(3);
        expect(((m2.telemetry as TwinMetadata).mode as TwinMetadata).$lastUpdated).toBe(iso(T0 + 1000));
        expect((m2.other as TwinMetadata).$lastUpdatedVersion).toBe(2);

        clock.now = T0 + 3000;
        const r3 = await store.patch('dev1', { properties: { desired: { telemetry: { mode: null } } } });
        expect(r3.changedDesired).toEqual(['telemetry.mode']);
        const d3 = r3.twin.properties.desired;
        expect(d3.telemetry).toEqual({ period: 30 });
        const m3 = d3.$metadata.telemetry as TwinMetadata;
        expect(m3.mode).toBeUndefined();
        expect(m3.$lastUpdated).toBe(iso(T0 + 3000)); // the deletion stamps the parent
        expect(d3.$metadata.$lastUpdated).toBe(iso(T0 + 3000));
        expect((m3.period as TwinMetadata).$lastUpdated).toBe(iso(T0 + 2000));
      });

      it('replaces a leaf by an object and an object by a leaf, listing every affected leaf', async () => {
        await store.patch('dev1', { properties: { desired: { a: 1, b: { x: 1, y: 2 } } } });
        const r = await store.patch('dev1', { properties: { desired: { a: { z: 3 }, b: 5 } } });
        expect(r.changedDesired.sort()).toEqual(['a', 'a.z', 'b', 'b.x', 'b.y']);
        expect(r.twin.properties.desired.a).toEqual({ z: 3 });
        expect(r.twin.properties.desired.b).toBe(5);
        expect(Object.keys(r.twin.properties.desired.$metadata.b as TwinMetadata)).toEqual(['$lastUpdated', '$lastUpdatedVersion']);
      });

      it('does not count an unchanged value as a change', async () => {
        const r1 = await store.patch('dev1', { tags: { a: 1 }, properties: { desired: { b: 'x' } } });
        clock.now += 5000;
        const r2 = await store.patch('dev1', { tags: { a: 1, gone: null }, properties: { desired: { b: 'x' } } });
        expect(r2.changedDesired).toEqual([]);
        expect(r2.twin).toEqual(r1.twin);
      });

      it('changes the ETag with the version and honours If-Match', async () => {
        const t1 = (await store.get('dev1'))!;
        const r = await store.patch('dev1', { tags: { a: 1 } }, { ifMatch: t1.etag });
        expect(r.twin.etag).not.toBe(t1.etag);
        expect(r.twin.etag).toMatch(/^W\/"/);

        const err = await rejection(store.patch('dev1', { tags: { a: 2 }, properties: { desired: { x: 1 } } }, { ifMatch: t1.etag }));
        expect(err.code).toBe('PRECONDITION_FAILED');
        expect(err.httpStatus).toBe(412);
        expect(await store.get('dev1')).toEqual(r.twin);

        await store.patch('dev1', { tags: { a: 3 } }, { ifMatch: r.twin.etag.slice(2) }); // the strong form matches too
        await store.patch('dev1', { tags: { a: 4 } }, { ifMatch: '*' });
        expect((await store.get('dev1'))!.tags).toEqual({ a: 4 });
      });

      it('answers 404 for an unknown device', async () => {
        const err = await rejection(store.patch('nobody', { tags: { a: 1 } }));
        expect(err.code).toBe('NOT_FOUND');
        expect(err.httpStatus).toBe(404);
      });

      const deep = (levels: number): Record<string, unknown> => {
        let node: Record<string, unknown> = { property: 'value' };
        for (let i = levels; i >= 1; i--) node = { [`l${i}`]: node };
        return node;
      };

      it.each([
        ['an array', { tags: { list: [1, 2] } }, 'tags.list: arrays are not allowed'],
        ['a dot in a key', { tags: { location: { 'a.b': 1 } } }, "tags.location.a.b: keys must not contain '.'"],
        ['a dollar in a key', { properties: { desired: { $x: 1 } } }, "properties.desired.$x: keys must not contain '$'"],
        ['a space in a key', { tags: { location: { 'bad key': 1 } } }, 'tags.location.bad key: keys must not contain spaces'],
        ['a C0 control character', { tags: { 'a\u0001': 1 } }, 'tags.a\u0001: keys must not contain control characters'],
        ['a C1 control character', { tags: { 'a\u0085': 1 } }, 'keys must not contain control characters'],
        ['an empty key', { tags: { '': 1 } }, 'tags.: keys must not be empty'],
        ['a key over 1 KB', { tags: { ['k'.repeat(1025)]: 1 } }, 'keys must be at most 1024 bytes'],
        ['depth 11', { tags: deep(11) }, 'tags.l1.l2.l3.l4.l5.l6.l7.l8.l9.l10.l11: objects must not nest deeper than 10 levels'],
        ['a string over 4 KB', { properties: { desired: { s: 'x'.repeat(4097) } } }, 'properties.desired.s: strings must be at most 4096 bytes'],
        ['an unsafe integer', { properties: { desired: { n: 2 ** 53 } } }, 'properties.desired.n: integers must be within'],
        ['a reported patch', { properties: { reported: { a: 1 } } }, 'properties.reported: reported properties are written by the device only'],
        ['an unknown section', { status: 'disabled' }, 'status: only tags and properties.desired can be patched'],
      ])('refuses %s, naming the key', async (_what, patch, message) => {
        const before = await store.get('dev1');
        const err = await rejection(store.patch('dev1', patch as never));
        expect(err.code).toBe('BAD_REQUEST');
        expect(err.httpStatus).toBe(400);
        expect(err.message).toContain(message);
        expect(await store.get('dev1')).toEqual(before);
      });

      it('accepts the deepest allowed shape (10 levels, a leaf at the 11th key)', async () => {
        const r = await store.patch('dev1', { tags: deep(10) as never });
        expect(r.twin.version).toBe(2);
      });

      it('refuses sections over their size limit after the merge', async () => {
        await store.patch('dev1', { tags: { a: 'x'.repeat(4000), b: 'y'.repeat(4000) } });
        const tags = await rejection(store.patch('dev1', { tags: { c: 'z'.repeat(300) } }));
        expect(tags.message).toMatch(/^tags: size \d+ bytes exceeds the 8192-byte limit/);
        const desired: Record<string, string> = {};
        for (let i = 0; i < 9; i++) desired[`k${i}`] = 'v'.repeat(4000);
        const err = await rejection(store.patch('dev1', { properties: { desired } }));
        expect(err.message).toMatch(/^properties\.desired: size \d+ bytes exceeds the 32768-byte limit/);
        // Shrinking is always fine.
        await store.patch('dev1', { tags: { a: null } });
        expect(Object.keys((await store.get('dev1'))!.tags)).toEqual(['b']);
      });
    });

    describe('applyReported', () => {
      it('applies a batch across many devices, bumping versions once per changed device', async () => {
        const eps = Array.from({ length: 60 }, (_, i) => `d${String(i).padStart(3, '0')}`);
        for (const ep of eps) await store.ensure(ep);
        const updates = eps.flatMap((ep, i) => [
          update(ep, 'device.batteryLevel', i, T0 + 10),
          update(ep, 'device.manufacturer', 'ACME', T0 + 10, 'read'),
          update(ep, 'temperature.0.sensorValue', 20.5, T0 + 20, 'send'),
        ]);
        const result = await store.applyReported([...updates, update('ghost', 'device.batteryLevel', 1, T0)]);
        expect(result.devices).toHaveLength(61);
        expect(result.devices[60]).toEqual({ ep: 'ghost', exists: false, changed: false, version: 0, changedProperties: [], rejected: [] });
        for (const d of result.devices.slice(0, 60)) {
          expect(d).toMatchObject({ exists: true, changed: true, version: 2, rejected: [] });
          expect(d.changedProperties.sort()).toEqual(['device.batteryLevel', 'device.manufacturer', 'temperature.0.sensorValue']);
        }
        expect(await store.get('ghost')).toBeUndefined();

        const twin = (await fx.other.get('d007'))!;
        expect(twin.version).toBe(2);
        expect(twin.lastActivityTime).toBe(iso(T0 + 20));
        const reported = twin.properties.reported;
        expect(reported.$version).toBe(2);
        expect(reported.device).toEqual({ batteryLevel: 7, manufacturer: 'ACME' });
        expect(reported.temperature).toEqual({ '0': { sensorValue: 20.5 } });
        expect(reported.$metadata).toEqual({
          $lastUpdated: iso(T0 + 20),
          device: {
            $lastUpdated: iso(T0 + 10),
            batteryLevel: { $lastUpdated: iso(T0 + 10), $source: 'notify' },
            manufacturer: { $lastUpdated: iso(T0 + 10), $source: 'read' },
          },
          temperature: { $lastUpdated: iso(T0 + 20), '0': { $lastUpdated: iso(T0 + 20), sensorValue: { $lastUpdated: iso(T0 + 20), $source: 'send' } } },
        });
      });

      it('never moves a leaf backwards: stale writes are ignored, equal timestamps apply', async () => {
        await store.ensure('dev1');
        await store.applyReported([update('dev1', 'device.batteryLevel', 50, T0 + 100)]);
        const stale = await store.applyReported([update('dev1', 'device.batteryLevel', 40, T0 + 50)]);
        expect(stale.devices[0]).toMatchObject({ changed: false, version: 2, changedProperties: [] });
        expect((await store.getProperty('dev1', 'reported', ['device', 'batteryLevel']))!.value).toBe(50);

        const same = await store.applyReported([update('dev1', 'device.batteryLevel', 45, T0 + 100)]);
        expect(same.devices[0]).toMatchObject({ changed: true, version: 3 });

        // Later in one batch wins regardless of order.
        await store.applyReported([update('dev1', 'device.batteryLevel', 30, T0 + 300), update('dev1', 'device.batteryLevel', 20, T0 + 200)]);
        expect((await store.getProperty('dev1', 'reported', ['device', 'batteryLevel']))!.value).toBe(30);
      });

      it('refreshes metadata of an unchanged value without a version bump', async () => {
        await store.ensure('dev1');
        await store.applyReported([update('dev1', 'device.batteryLevel', 50, T0 + 100)]);
        const before = (await store.get('dev1'))!;
        const r = await store.applyReported([update('dev1', 'device.batteryLevel', 50, T0 + 900, 'read')]);
        expect(r.devices[0]).toMatchObject({ changed: false, version: before.version });
        const after = (await store.get('dev1'))!;
        expect(after.etag).toBe(before.etag);
        expect(after.properties.reported.$version).toBe(before.properties.reported.$version);
        expect(await store.getProperty('dev1', 'reported', ['device', 'batteryLevel'])).toEqual({ value: 50, lastUpdated: iso(T0 + 900), source: 'read' });
        expect(after.lastActivityTime).toBe(iso(T0 + 900));
      });

      it('deletes leaves and nodes with null, tracks the deletion on the parent, and keeps stale writes out', async () => {
        await store.ensure('dev1');
        await store.applyReported([
          update('dev1', 'temperature.0.sensorValue', 20, T0 + 10),
          update('dev1', 'temperature.0.units', 'C', T0 + 10),
          update('dev1', 'temperature.1.sensorValue', 21, T0 + 10),
          update('dev1', 'device.batteryLevel', 50, T0 + 10),
        ]);
        const r = await store.applyReported([update('dev1', 'temperature.0', null, T0 + 50)]);
        expect(r.devices[0].changed).toBe(true);
        expect(r.devices[0].changedProperties.sort()).toEqual(['temperature.0.sensorValue', 'temperature.0.units']);
        const twin = (await store.get('dev1'))!;
        expect(twin.properties.reported.temperature).toEqual({ '1': { sensorValue: 21 } });
        const meta = twin.properties.reported.$metadata;
        expect((meta.temperature as TwinMetadata).$lastUpdated).toBe(iso(T0 + 50));
        expect((meta.temperature as TwinMetadata)['0']).toBeUndefined();
        expect((meta.device as TwinMetadata).$lastUpdated).toBe(iso(T0 + 10));

        await store.applyReported([update('dev1', 'temperature.0.units', 'F', T0 + 40)]);
        expect((await store.get('dev1'))!.properties.reported.temperature).toEqual({ '1': { sensorValue: 21 } });
        await store.applyReported([update('dev1', 'temperature.0.units', 'F', T0 + 60)]);
        expect((await store.get('dev1'))!.properties.reported.temperature).toEqual({ '0': { units: 'F' }, '1': { sensorValue: 21 } });
      });

      it('replaces a leaf by a node and a node by a leaf', async () => {
        await store.ensure('dev1');
        await store.applyReported([update('dev1', 'a', 1, T0 + 10), update('dev1', 'b.x', 1, T0 + 10), update('dev1', 'b.y', 2, T0 + 10)]);
        const r = await store.applyReported([update('dev1', 'a.z', 3, T0 + 20), update('dev1', 'b', 5, T0 + 20)]);
        expect(r.devices[0].changedProperties.sort()).toEqual(['a', 'a.z', 'b', 'b.x', 'b.y']);
        const reported = (await store.get('dev1'))!.properties.reported;
        expect(reported.a).toEqual({ z: 3 });
        expect(reported.b).toBe(5);
        // An older write that would collide with newer data is stale.
        await store.applyReported([update('dev1', 'b.q', 1, T0 + 15)]);
        expect((await store.get('dev1'))!.properties.reported.b).toBe(5);
      });

      it('rejects invalid updates and applies the rest', async () => {
        await store.ensure('dev1');
        const r = await store.applyReported([
          update('dev1', 'ok', 1, T0),
          { ep: 'dev1', property: ['bad key'], value: 1, timestamp: T0, source: 'notify' },
          { ep: 'dev1', property: ['s'], value: 'x'.repeat(5000), timestamp: T0, source: 'notify' },
          { ep: 'dev1', property: ['n'], value: Number.NaN, timestamp: T0, source: 'notify' },
          { ep: 'dev1', property: ['t'], value: 1, timestamp: -5, source: 'notify' },
          { ep: 'dev1', property: ['u'], value: 1, timestamp: T0, source: 'guess' as never },
          { ep: 'dev1', property: [], value: 1, timestamp: T0, source: 'notify' },
          { ep: 'dev1', property: ['o'], value: { nested: 1 } as never, timestamp: T0, source: 'notify' },
        ]);
        const d = r.devices[0];
        expect(d.changedProperties).toEqual(['ok']);
        expect(d.rejected.map((x) => x.property)).toEqual(['bad key', 's', 'n', 't', 'u', '', 'o']);
        expect(d.rejected[0].reason).toContain('keys must not contain spaces');
        expect(d.rejected[1].reason).toContain('strings must be at most 4096 bytes');
        expect(Object.keys(await store.get('dev1').then((t) => t!.properties.reported))).toEqual(['ok', '$metadata', '$version']);
      });

      it('refuses writes past the 32 KB reported limit', async () => {
        await store.ensure('dev1');
        const updates = Array.from({ length: 10 }, (_, i) => update('dev1', `s${i}`, 'x'.repeat(4000), T0));
        const r = await store.applyReported(updates);
        expect(r.devices[0].changedProperties).toHaveLength(8);
        expect(r.devices[0].rejected.map((x) => x.property)).toEqual(['s8', 's9']);
        expect(r.devices[0].rejected[0].reason).toContain('32768-byte limit');
        // Deleting frees room.
        const r2 = await store.applyReported([update('dev1', 's0', null, T0 + 1), update('dev1', 's8', 'y'.repeat(4000), T0 + 1)]);
        expect(r2.devices[0].rejected).toEqual([]);
        expect(r2.devices[0].changedProperties).toEqual(['s0', 's8']);
      });
    });

    describe('shallow reads', () => {
      beforeEach(async () => {
        await store.ensure('dev1', { tags: { location: { plant: 'P1' } } });
        await store.applyReported([
          update('dev1', 'device.batteryLevel', 55, T0 + 10),
          update('dev1', 'device.manufacturer', 'ACME', T0 + 30, 'register'),
          update('dev1', 'device.availablePowerSources.0', 1, T0 + 20),
        ]);
        clock.now = T0 + 40;
        await store.patch('dev1', { properties: { desired: { device: { timezone: 'Europe/Paris' } } } });
      });

      it('reads a reported leaf with its freshness and source', async () => {
        expect(await store.getProperty('dev1', 'reported', ['device', 'batteryLevel'])).toEqual({ value: 55, lastUpdated: iso(T0 + 10), source: 'notify' });
      });

      it('reads a reported node as a sub-object with the latest lastUpdated below it', async () => {
        expect(await store.getProperty('dev1', 'reported', ['device'])).toEqual({
          value: { batteryLevel: 55, manufacturer: 'ACME', availablePowerSources: { '0': 1 } },
          lastUpdated: iso(T0 + 30),
        });
        expect((await store.getProperty('dev1', 'reported', []))!.value).toEqual({ device: { batteryLevel: 55, manufacturer: 'ACME', availablePowerSources: { '0': 1 } } });
      });

      it('reads desired and tags properties', async () => {
        expect(await store.getProperty('dev1', 'desired', ['device', 'timezone'])).toEqual({ value: 'Europe/Paris', lastUpdated: iso(T0 + 40), lastUpdatedVersion: 2 });
        expect(await store.getProperty('dev1', 'desired', ['device'])).toEqual({ value: { timezone: 'Europe/Paris' }, lastUpdated: iso(T0 + 40), lastUpdatedVersion: 2 });
        expect(await store.getProperty('dev1', 'tags', ['location', 'plant'])).toEqual({ value: 'P1', lastUpdated: iso(T0) });
      });

      it('returns undefined for what does not exist', async () => {
        expect(await store.getProperty('dev1', 'reported', ['device', 'nothing'])).toBeUndefined();
        expect(await store.getProperty('dev1', 'reported', ['device', 'batteryLevel', 'deeper'])).toBeUndefined();
        expect(await store.getProperty('dev1', 'desired', ['nothing'])).toBeUndefined();
        expect(await store.getProperty('dev1', 'tags', ['location', 'plant', 'x'])).toBeUndefined();
        expect(await store.getProperty('nobody', 'reported', ['device', 'batteryLevel'])).toBeUndefined();
        expect(await store.getProperty('nobody', 'desired', [])).toBeUndefined();
      });
    });

    describe('status fields', () => {
      it('records connection state, last activity and status without a version bump', async () => {
        const t1 = await store.ensure('dev1');
        await store.setConnection('dev1', 'connected', T0 + 500);
        await store.setConnection('dev1', 'asleep', T0 + 100); // an older activity time does not move it back
        await store.setStatus('dev1', 'disabled');
        const t2 = (await store.get('dev1'))!;
        expect(t2).toMatchObject({ connectionState: 'asleep', lastActivityTime: iso(T0 + 500), status: 'disabled', version: t1.version, etag: t1.etag });
        expect((await rejection(store.setConnection('nobody', 'connected'))).code).toBe('NOT_FOUND');
        expect((await rejection(store.setStatus('dev1', 'paused' as never))).code).toBe('BAD_REQUEST');
      });

      it('records the observation state per object without a version bump, and replaces it whole', async () => {
        const t1 = await store.ensure('dev1');
        expect(t1.observationState).toBeUndefined();
        await store.setObservationState('dev1', { '3': { status: 'pending', at: iso(T0), reason: 'server restarted' }, '4': { status: 'pending', at: iso(T0) } });
        await store.setObservationState('dev1', { '3': { status: 'observing', at: iso(T0 + 1) }, '4': { status: 'failed', at: iso(T0 + 1), reason: 'timeout', retryAt: iso(T0 + 5000) } });
        const t2 = (await store.get('dev1'))!;
        expect(t2.observationState).toEqual({ '3': { status: 'observing', at: iso(T0 + 1) }, '4': { status: 'failed', at: iso(T0 + 1), reason: 'timeout', retryAt: iso(T0 + 5000) } });
        expect([t2.version, t2.etag]).toEqual([t1.version, t1.etag]);
        expect((await rejection(store.setObservationState('nobody', {}))).code).toBe('NOT_FOUND');
      });

      it('records desired sync outcomes, ignoring older ones, and drops them with their desired leaf', async () => {
        await store.ensure('dev1');
        const { twin } = await store.patch('dev1', { properties: { desired: { device: { timezone: 'UTC' } } } });
        const v = twin.properties.desired.$version;
        clock.now = T0 + 100;
        expect(await store.recordDesiredSync('dev1', ['device', 'timezone'], { status: 'pending', desiredVersion: v })).toBe(true);
        clock.now = T0 + 200;
        expect(await store.recordDesiredSync('dev1', ['device', 'timezone'], { status: 'rejected', desiredVersion: v, error: '4.05 Method Not Allowed' })).toBe(true);
        expect(await store.recordDesiredSync('dev1', ['device', 'timezone'], { status: 'accepted', desiredVersion: v - 1 })).toBe(false);
        const t = (await store.get('dev1'))!;
        expect(t.desiredSync).toEqual({ 'device.timezone': { status: 'rejected', desiredVersion: v, at: iso(T0 + 200), error: '4.05 Method Not Allowed' } });
        expect(t.version).toBe(twin.version);
        expect((await rejection(store.recordDesiredSync('dev1', ['bad key'], { status: 'pending', desiredVersion: 1 }))).code).toBe('BAD_REQUEST');
        expect((await rejection(store.recordDesiredSync('nobody', ['x'], { status: 'pending', desiredVersion: 1 }))).code).toBe('NOT_FOUND');

        await store.patch('dev1', { properties: { desired: { device: { timezone: null } } } });
        expect((await store.get('dev1'))!.desiredSync).toEqual({});
      });
    });

    describe('queries', () => {
      const byPlant = (value: string) => compileQuery(`SELECT deviceId FROM devices WHERE tags.plant = '${value}'`);

      it('keeps the tag index in step with tag updates, deletions and twin deletion', async () => {
        for (let i = 0; i < 20; i++) await store.ensure(`d${String(i).padStart(2, '0')}`, { tags: { plant: i % 2 === 0 ? 'even' : 'odd' } });
        const indexed = async (query: TwinQuery) => ids((await store.query(indexOnly(query), { pageSize: 100 })).items);
        expect(await indexed(byPlant('even'))).toEqual(['d00', 'd02', 'd04', 'd06', 'd08', 'd10', 'd12', 'd14', 'd16', 'd18']);

        await store.patch('d00', { tags: { plant: 'odd' } });
        await store.patch('d02', { tags: { plant: null } });
        await store.patch('d04', { tags: { plant: { nested: 'even' } } });
        await store.delete('d06');
        expect(await indexed(byPlant('even'))).toEqual(['d08', 'd10', 'd12', 'd14', 'd16', 'd18']);
        expect((await indexed(byPlant('odd')))[0]).toBe('d00');
        expect(await indexed(compileQuery("SELECT * FROM devices WHERE tags.plant.nested = 'even'"))).toEqual(['d04']);
        const real = await store.query(byPlant('even'), { pageSize: 100 });
        expect(ids(real.items)).toEqual(['d08', 'd10', 'd12', 'd14', 'd16', 'd18']);
      });

      it('pages through a few hundred twins in deviceId order, with and without an index', async () => {
        const n = 300;
        const eps = Array.from({ length: n }, (_, i) => `dev-${String(i).padStart(4, '0')}`);
        for (const [i, ep] of eps.entries()) await store.ensure(ep, { tags: { group: i % 3 === 0 ? 'a' : 'b', n: i } });
        await store.applyReported(eps.map((ep, i) => update(ep, 'device.batteryLevel', i % 100, T0 + i)));

        const groupA = compileQuery("SELECT deviceId FROM devices WHERE tags.group = 'a'");
        const tagged = await allPages(store, groupA, 17);
        expect(ids(tagged.items)).toEqual(eps.filter((_, i) => i % 3 === 0));
        expect(tagged.pages).toBeGreaterThan(5);

        const scanned = await allPages(store, withoutHints(groupA), 17);
        expect(scanned.items).toEqual(tagged.items);

        const both = await allPages(store, compileQuery("SELECT deviceId FROM devices WHERE tags.group IN ['a', 'b'] AND tags.n IN [3, 4, 5, 299]"), 2);
        expect(ids(both.items)).toEqual(['dev-0003', 'dev-0004', 'dev-0005', 'dev-0299']);

        const range = await allPages(
          store,
          compileQuery('SELECT deviceId, properties.reported.device.batteryLevel AS v FROM devices WHERE properties.reported.device.batteryLevel >= 10 AND properties.reported.device.batteryLevel < 20'),
          7,
        );
        expect(range.items).toEqual(eps.flatMap((ep, i) => (i % 100 >= 10 && i % 100 < 20 ? [{ deviceId: ep, v: i % 100 }] : [])));

        const top = await allPages(store, compileQuery("SELECT TOP 25 deviceId FROM devices WHERE tags.group = 'b'"), 10);
        expect(ids(top.items)).toEqual(eps.filter((_, i) => i % 3 !== 0).slice(0, 25));
        expect(top.pages).toBe(3);

        const byId = await store.query(compileQuery("SELECT * FROM devices WHERE deviceId = 'dev-0042'"), { pageSize: 10 });
        expect(byId.items).toHaveLength(1);
        expect(byId.items[0]).toMatchObject({ deviceId: 'dev-0042', tags: { group: 'a', n: 42 }, properties: { reported: { device: { batteryLevel: 42 } } } });
      });

      it('runs aggregates over every matching twin and pages their rows', async () => {
        for (let i = 0; i < 30; i++) await store.ensure(`d${i}`, { tags: { group: i < 10 ? 'a' : i < 25 ? 'b' : 'c' } });
        expect(await store.query(compileQuery("SELECT COUNT() AS n FROM devices WHERE tags.group = 'b'"), { pageSize: 5 })).toEqual({ items: [{ n: 15 }] });
        const grouped = await allPages(store, compileQuery('SELECT tags.group AS g, COUNT() AS n FROM devices GROUP BY tags.group'), 1);
        expect(grouped.items).toEqual(expect.arrayContaining([{ g: 'a', n: 10 }, { g: 'b', n: 15 }, { g: 'c', n: 5 }]));
        expect(grouped.pages).toBe(3);
      });

      it('returns what it found when the scan budget runs out, with a token to continue', async () => {
        // Stores are opened with a scan budget of 1000 twins per page call (see the fixtures).
        const eps = Array.from({ length: 1200 }, (_, i) => `d${String(i).padStart(4, '0')}`);
        await Promise.all(eps.map((ep) => store.ensure(ep)));
        await store.patch('d1199', { tags: { needle: true } });
        const needle = withoutHints(compileQuery('SELECT deviceId FROM devices WHERE tags.needle = true'));
        const first = await store.query(needle, { pageSize: 10 });
        expect(first.items).toEqual([]);
        expect(first.continuationToken).toBeDefined();
        const rest = await allPages(store, needle, 10, first.continuationToken);
        expect(rest.items).toEqual([{ deviceId: 'd1199' }]);
      });

      it('refuses a corrupt or foreign continuation token and a bad page size', async () => {
        for (let i = 0; i < 3; i++) await store.ensure(`d${i}`);
        const q = compileQuery('SELECT deviceId FROM devices');
        const page = await store.query(q, { pageSize: 1 });
        expect(page.continuationToken).toBeDefined();
        const corrupt = await anyRejection(store.query(q, { pageSize: 1, continuationToken: page.continuationToken!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }));
        expect(isQueryError(corrupt, 'QUERY_BAD_CONTINUATION')).toBe(true);
        const foreign = await anyRejection(store.query(byPlant('x'), { pageSize: 1, continuationToken: page.continuationToken }));
        expect(isQueryError(foreign, 'QUERY_BAD_CONTINUATION')).toBe(true);
        expect(isQueryError(await anyRejection(store.query(q, { pageSize: 0 })), 'QUERY_BAD_PAGE_SIZE')).toBe(true);
      });
    });

    describe('range queries (numeric range index)', () => {
      const where = (condition: string) => compileQuery(`SELECT deviceId FROM devices WHERE ${condition}`);
      /** The index's candidates (indexOnly), the real answer, and the answer of a full scan, which must agree. */
      const check = async (condition: string, expected: string[]) => {
        const q = where(condition);
        expect(q.rangeHints.length, `a range hint from ${condition}`).toBeGreaterThan(0);
        expect(ids((await allPages(store, indexOnly(q), 1000)).items), `index candidates of ${condition}`).toEqual(expected);
        expect(ids((await allPages(store, q, 1000)).items), condition).toEqual(expected);
        expect(ids((await allPages(store, withoutHints(q), 1000)).items), `scan of ${condition}`).toEqual(expected);
      };
      const battery = 'properties.reported.device.batteryLevel';

      it('honours the bounds exactly: < vs <=, > vs >=, =, mirrored constants, negatives and floats', async () => {
        const values = [-5, -0.5, 0, 9.5, 10, 10.25, 20, 5e15];
        for (let i = 0; i < values.length; i++) await store.ensure(`d${i}`);
        await store.applyReported(values.map((v, i) => update(`d${i}`, 'device.batteryLevel', v, T0 + i)));
        await check(`${battery} < 10`, ['d0', 'd1', 'd2', 'd3']);
        await check(`${battery} <= 10`, ['d0', 'd1', 'd2', 'd3', 'd4']);
        await check(`${battery} > 10`, ['d5', 'd6', 'd7']);
        await check(`${battery} >= 10`, ['d4', 'd5', 'd6', 'd7']);
        await check(`10 > ${battery}`, ['d0', 'd1', 'd2', 'd3']);
        await check(`${battery} = 10.25`, ['d5']);
        await check(`${battery} > -1 AND ${battery} < 10 AND ${battery} <= 9.5`, ['d1', 'd2', 'd3']);
        await check(`${battery} >= -5 AND ${battery} < -0.5`, ['d0']);
        await check(`${battery} > 20 AND ${battery} < 1`, []);
        await check(`${battery} >= 1000000000000000`, ['d7']);
      });

      it('follows a leaf through number, string, node, deletion and back, and ignores stale writes', async () => {
        await store.ensure('dev');
        const lowBattery = `${battery} < 10`;
        await store.applyReported([update('dev', 'device.batteryLevel', 5, T0 + 1)]);
        await check(lowBattery, ['dev']);
        await store.applyReported([update('dev', 'device.batteryLevel', 'five', T0 + 2)]);
        await check(lowBattery, []);
        await store.applyReported([update('dev', 'device.batteryLevel', 7, T0 + 3)]);
        await check(lowBattery, ['dev']);
        // the same number again, later: a new identity in the index, the old one dropped; then a new number
        await store.applyReported([update('dev', 'device.batteryLevel', 7, T0 + 4)]);
        await store.applyReported([update('dev', 'device.batteryLevel', 70, T0 + 5)]);
        await check(lowBattery, []);
        await check(`${battery} = 70`, ['dev']);
        // a stale write changes nothing, in the twin or the index
        await store.applyReported([update('dev', 'device.batteryLevel', 1, T0 + 2)]);
        await check(lowBattery, []);
        // the same leaf twice in one batch: the later write wins
        await store.applyReported([update('dev', 'device.batteryLevel', 3, T0 + 6), update('dev', 'device.batteryLevel', 30, T0 + 7)]);
        await check(lowBattery, []);
        await check(`${battery} = 30`, ['dev']);
        // a node replaces the leaf, then the parent becomes a leaf itself
        await store.applyReported([update('dev', 'device.batteryLevel.cell', 2, T0 + 8)]);
        await check(lowBattery, []);
        await check(`${battery}.cell < 10`, ['dev']);
        await store.applyReported([update('dev', 'device', 4, T0 + 9)]);
        await check(`${battery}.cell < 10`, []);
        await check('properties.reported.device < 10', ['dev']);
        await store.applyReported([update('dev', 'device', null, T0 + 10)]);
        await check('properties.reported.device < 10', []);
        await store.applyReported([update('dev', 'device.batteryLevel', 6, T0 + 11)]);
        await check(lowBattery, ['dev']);
        await store.delete('dev');
        await check(lowBattery, []);
        // a device without a twin is skipped, and leaves nothing behind in the index
        await store.applyReported([update('dev', 'device.batteryLevel', 6, T0 + 12)]);
        await check(lowBattery, []);
      });

      it('indexes numeric tags and desired properties through patches, replacements and deletes', async () => {
        await store.ensure('a', { tags: { rank: 1, site: { floor: -2 } } });
        await store.ensure('b', { tags: { rank: 5 } });
        await check('tags.rank < 5', ['a']);
        await check('tags.site.floor <= -2', ['a']);
        await store.patch('a', { tags: { rank: 9, site: null }, properties: { desired: { device: { period: 60 } } } });
        await store.patch('b', { properties: { desired: { device: { period: 300 } } } });
        await check('tags.rank < 5', []);
        await check('tags.rank >= 5', ['a', 'b']);
        await check('tags.site.floor <= -2', []);
        await check('properties.desired.device.period < 100', ['a']);
        await store.patch('b', { tags: { rank: 'high' }, properties: { desired: { device: { period: 30 } } } });
        await check('tags.rank >= 5', ['a']);
        await check('properties.desired.device.period < 100', ['a', 'b']);
        await store.patch('a', { properties: { desired: { device: null } } });
        await check('properties.desired.device.period < 100', ['b']);
        await store.delete('b');
        await check('properties.desired.device.period < 100', []);
        await check('tags.rank >= 5', ['a']);
      });

      it('pages in deviceId order through the index, alone and AND-ed with an equality hint', async () => {
        const eps = Array.from({ length: 60 }, (_, i) => `dev-${String(i).padStart(3, '0')}`);
        for (const [i, ep] of eps.entries()) await store.ensure(ep, { tags: { group: i % 2 === 0 ? 'even' : 'odd' } });
        await store.applyReported(eps.map((ep, i) => update(ep, 'device.batteryLevel', i % 20, T0 + i)));
        const low = compileQuery(`SELECT deviceId, ${battery} AS b FROM devices WHERE ${battery} < 5`);
        const expected = eps.flatMap((ep, i) => (i % 20 < 5 ? [{ deviceId: ep, b: i % 20 }] : []));
        const paged = await allPages(store, low, 4);
        expect(paged.items).toEqual(expected);
        expect(paged.pages).toBeGreaterThanOrEqual(4);

        // pages stay stable while twins come and go: a token resumes after the last deviceId served
        const first = await store.query(low, { pageSize: 4 });
        expect(ids(first.items)).toEqual(['dev-000', 'dev-001', 'dev-002', 'dev-003']);
        await store.delete('dev-004');
        await store.applyReported([update('dev-001', 'device.batteryLevel', 2, T0 + 100), update('dev-021', 'device.batteryLevel', 50, T0 + 100)]);
        const rest = await allPages(store, low, 4, first.continuationToken);
        expect(ids(rest.items)).toEqual(['dev-020', 'dev-022', 'dev-023', 'dev-024', 'dev-040', 'dev-041', 'dev-042', 'dev-043', 'dev-044']);

        const evenLow = await allPages(store, compileQuery(`SELECT deviceId FROM devices WHERE tags.group = 'even' AND ${battery} <= 2`), 2);
        expect(ids(evenLow.items)).toEqual(['dev-000', 'dev-002', 'dev-020', 'dev-022', 'dev-040', 'dev-042']);
        await check(`tags.group = 'odd' AND ${battery} <= 2`, ['dev-001', 'dev-041']);
      });

      it('matches only numbers when the path holds other kinds on some twins', async () => {
        // k2 holds a node ({x: 1}), k4 a null (deleted), 'missing' nothing
        const values: [string, ReportedUpdate['value']][] = [['v', 3], ['v', '3'], ['v.x', 1], ['v', true], ['v', null], ['v', 12]];
        await store.ensure('missing');
        for (const [i, [leaf, value]] of values.entries()) {
          await store.ensure(`k${i}`);
          await store.applyReported([update(`k${i}`, leaf, value, T0)]);
        }
        await check('properties.reported.v < 10', ['k0']);
        await check('properties.reported.v >= 3', ['k0', 'k5']);
        // string ordering has no index: scanned, and still correct
        const strings = where("properties.reported.v < 'z'");
        expect(strings.rangeHints).toEqual([]);
        expect(ids((await allPages(store, strings, 10)).items)).toEqual(['k1']);
        // OR and functions have no hint: a scan
        const either = where('properties.reported.v < 5 OR IS_STRING(properties.reported.v)');
        expect(either.rangeHints).toEqual([]);
        expect(ids((await allPages(store, either, 10)).items)).toEqual(['k0', 'k1']);
      });
    });

    describe('change feed', () => {
      it('delivers every change to subscribers of another instance', async () => {
        const seen: TwinChange[] = [];
        const unsubscribe = await fx.other.onChange((c) => seen.push(c));
        await store.ensure('dev1');
        await store.patch('dev1', { tags: { a: 1 }, properties: { desired: { b: 2 } } });
        await store.applyReported([update('dev1', 'x', 1, T0)]);
        await store.setConnection('dev1', 'connected');
        await store.recordDesiredSync('dev1', ['b'], { status: 'pending', desiredVersion: 2 });
        await store.delete('dev1');
        await until(() => seen.length >= 6, 'six change messages');
        expect(seen).toEqual([
          { ep: 'dev1', origin: store.instanceId, sections: ['created'], version: 1 },
          { ep: 'dev1', origin: store.instanceId, sections: ['tags', 'desired'], version: 2 },
          { ep: 'dev1', origin: store.instanceId, sections: ['reported'], version: 3 },
          { ep: 'dev1', origin: store.instanceId, sections: ['connection'], version: 3 },
          { ep: 'dev1', origin: store.instanceId, sections: ['desiredSync'], version: 3 },
          { ep: 'dev1', origin: store.instanceId, sections: ['deleted'], version: 0 },
        ]);
        unsubscribe();
        await store.ensure('dev2');
        await new Promise((r) => setTimeout(r, 50));
        expect(seen).toHaveLength(6);
      });

      it('publishes nothing for writes that change nothing', async () => {
        await store.ensure('dev1');
        await store.applyReported([update('dev1', 'x', 1, T0 + 10)]);
        const seen: TwinChange[] = [];
        await fx.other.onChange((c) => seen.push(c));
        // On a cluster a PUBLISH reaches the subscriber's node over the cluster bus, so the message of the write above
        // can arrive after the subscription. A marker write to the same twin (same slot, same link, in order) comes
        // after it: once the marker is seen, everything older has been delivered.
        await store.setConnection('dev1', 'connected');
        await until(() => seen.some((c) => c.sections.includes('connection')), 'the marker message');
        seen.length = 0;
        await store.patch('dev1', { tags: { gone: null } });
        await store.applyReported([update('dev1', 'x', 2, T0 + 5)]); // stale, activity not newer either
        await store.ensure('dev1');
        await store.setStatus('dev1', 'enabled');
        await until(() => seen.length >= 1, 'the status message');
        await new Promise((r) => setTimeout(r, 30));
        expect(seen.map((c) => c.sections)).toEqual([['status']]);
      });
    });
  });
}
