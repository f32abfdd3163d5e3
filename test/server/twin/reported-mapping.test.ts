import { beforeAll, describe, expect, it } from 'vitest';
import { ObjectRegistry } from '../../../objects/object-registry.ts';
import { PropertyNames } from '../../../objects/property-names.ts';
import type { LwM2mLeaf } from '../../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { isServerError } from '../../../server/errors.ts';
import { MemoryTwinStore } from '../../../server/twin/memory-twin-store.ts';
import { toReportedDeletion, toReportedUpdates, toTwinValue } from '../../../server/twin/reported-mapping.ts';

let names: PropertyNames;
beforeAll(async () => {
  names = new PropertyNames(await ObjectRegistry.loadDefault());
});

const leaf = (path: string, value: LwM2mLeaf['value']): LwM2mLeaf => ({ path: LwM2mPath.parse(path), value });

describe('toTwinValue', () => {
  it('keeps strings, booleans, safe numbers and objlnk as they are', () => {
    expect(toTwinValue('ACME')).toBe('ACME');
    expect(toTwinValue(true)).toBe(true);
    expect(toTwinValue(-12.5)).toBe(-12.5);
    expect(toTwinValue(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toTwinValue('3:0')).toBe('3:0');
  });

  it('maps time, opaque, bigint and non-finite floats to JSON', () => {
    expect(toTwinValue(new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7)))).toBe('2024-02-29T23:59:58.007Z');
    expect(toTwinValue(Uint8Array.of(0xde, 0xad, 0xbe, 0xef))).toBe('3q2+7w==');
    expect(toTwinValue(Buffer.from('hi'))).toBe('aGk=');
    expect(toTwinValue(Buffer.from('xxhi').subarray(2))).toBe('aGk=');
    expect(toTwinValue(42n)).toBe(42);
    expect(toTwinValue(-(2n ** 53n) + 1n)).toBe(-(2 ** 53) + 1);
    expect(toTwinValue(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(toTwinValue(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(toTwinValue(1e20)).toBe('100000000000000000000');
    expect(toTwinValue(Number.NaN)).toBe('NaN');
    expect(toTwinValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('refuses an invalid date with a ServerError', () => {
    let err: unknown;
    try {
      toTwinValue(new Date(Number.NaN));
    } catch (e) {
      err = e;
    }
    expect(isServerError(err) && err.code === 'BAD_REQUEST').toBe(true);
  });
});

describe('toReportedUpdates (docs/twin-model.md)', () => {
  it('names properties from the object model and stamps source and time', () => {
    const updates = toReportedUpdates(
      names,
      'dev1',
      [leaf('/3/0/9', 55), leaf('/3/0/6/0', 1), leaf('/3/0/6/1', 5), leaf('/3303/0/5700', 21.5), leaf('/31024/10/1', 7), leaf('/3/0/13', new Date(0))],
      'notify',
      1000,
    );
    expect(updates).toEqual([
      { ep: 'dev1', property: ['device', 'batteryLevel'], value: 55, source: 'notify', timestamp: 1000 },
      { ep: 'dev1', property: ['device', 'availablePowerSources', '0'], value: 1, source: 'notify', timestamp: 1000 },
      { ep: 'dev1', property: ['device', 'availablePowerSources', '1'], value: 5, source: 'notify', timestamp: 1000 },
      { ep: 'dev1', property: ['temperature', '0', 'sensorValue'], value: 21.5, source: 'notify', timestamp: 1000 },
      { ep: 'dev1', property: ['31024', '10', '1'], value: 7, source: 'notify', timestamp: 1000 },
      { ep: 'dev1', property: ['device', 'currentTime'], value: '1970-01-01T00:00:00.000Z', source: 'notify', timestamp: 1000 },
    ]);
    expect(toReportedDeletion(names, 'dev1', LwM2mPath.parse('/3303/0'), 'read', 2000)).toEqual({
      ep: 'dev1',
      property: ['temperature', '0'],
      value: null,
      source: 'read',
      timestamp: 2000,
    });
    expect(toReportedDeletion(names, 'dev1', LwM2mPath.parse('/'), 'read', 2000)).toBeUndefined();
  });

  it('produces the docs/twin-model.md reported shape in a store', async () => {
    const store = new MemoryTwinStore();
    await store.ensure('dev1');
    await store.applyReported(toReportedUpdates(names, 'dev1', [leaf('/3/0/6/0', 1), leaf('/3/0/6/1', 5), leaf('/31024/10/1', 7)], 'read', 1000));
    const reported = (await store.get('dev1'))!.properties.reported;
    expect(reported.device).toEqual({ availablePowerSources: { '0': 1, '1': 5 } });
    expect(reported['31024']).toEqual({ '10': { '1': 7 } });
  });
});
