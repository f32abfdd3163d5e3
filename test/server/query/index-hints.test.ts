import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../server/query/evaluate.ts';

const hints = (condition: string) => compileQuery(`SELECT * FROM devices WHERE ${condition}`).indexHints;

describe('indexHints', () => {
  it('extracts the Azure IoT Hub query language doc example conditions', () => {
    expect(hints("tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6")).toEqual([
      { path: 'tags.location.plant', values: ['Redmond43'] },
      { path: 'properties.reported.connectivityMonitoring.networkBearer', values: [6] },
    ]);
  });

  it('covers desired, deviceId, connectionState, constants on the left, IN lists and every primitive', () => {
    expect(
      hints(
        "properties.desired.device.timezone = 'UTC' AND 'dev1' = deviceId AND connectionState IN ['connected', 'connected', 'x'] AND tags.a = true AND tags.b = null AND tags.c = -1.5",
      ),
    ).toEqual([
      { path: 'properties.desired.device.timezone', values: ['UTC'] },
      { path: 'deviceId', values: ['dev1'] },
      { path: 'connectionState', values: ['connected', 'x'] },
      { path: 'tags.a', values: [true] },
      { path: 'tags.b', values: [null] },
      { path: 'tags.c', values: [-1.5] },
    ]);
  });

  it('normalises paths: devices. prefix, brackets and numeric segments', () => {
    expect(hints("devices.properties.reported.temperature['0'].sensorValue = 20 AND properties.reported.temperature.1.sensorValue = 21")).toEqual([
      { path: 'properties.reported.temperature.0.sensorValue', values: [20] },
      { path: 'properties.reported.temperature.1.sensorValue', values: [21] },
    ]);
  });

  it('keeps only top-level AND-ed equalities, inside parentheses too', () => {
    expect(hints("(tags.a = 1 AND tags.b = 2) AND (tags.c = 3 OR tags.d = 4) AND NOT tags.e = 5 AND tags.f != 6 AND tags.g NIN [7] AND tags.h > 8")).toEqual([
      { path: 'tags.a', values: [1] },
      { path: 'tags.b', values: [2] },
    ]);
    expect(hints('tags.a = 1 OR tags.b = 2')).toEqual([]);
    expect(hints('NOT (tags.a = 1)')).toEqual([]);
    expect(compileQuery('SELECT * FROM devices').indexHints).toEqual([]);
  });

  it('skips unindexed fields, whole sections, $ keys, dotted keys, computed sides and undefined', () => {
    expect(
      hints(
        "status = 'enabled' AND version = 3 AND etag = 'x' AND tags = 1 AND properties.reported = 1 AND properties.reported.$version = 9 AND tags['a.b'] = 1 AND LOWER(tags.x) = 'a' AND tags.y = tags.z AND tags.u = undefined AND tags.n + 1 = 2",
      ),
    ).toEqual([]);
  });

  it('an empty IN list is a hint that nothing matches', () => {
    expect(hints('tags.a IN []')).toEqual([{ path: 'tags.a', values: [] }]);
  });
});

describe('rangeHints', () => {
  const ranges = (condition: string) => compileQuery(`SELECT * FROM devices WHERE ${condition}`).rangeHints;
  const b = 'properties.reported.device.batteryLevel';

  it('turns number comparisons on a leaf into one interval per path, either side, merged over AND', () => {
    expect(ranges(`${b} < 10`)).toEqual([{ path: b, max: 10, maxInclusive: false, minInclusive: false }]);
    expect(ranges(`10 >= ${b}`)).toEqual([{ path: b, max: 10, maxInclusive: true, minInclusive: false }]);
    expect(ranges(`${b} > -2.5 AND ${b} <= 7 AND ${b} >= -2.5 AND tags.x = 'a'`)).toEqual([{ path: b, min: -2.5, minInclusive: false, max: 7, maxInclusive: true }]);
    expect(ranges('tags.n = 4 AND properties.desired.p >= 1')).toEqual([
      { path: 'tags.n', min: 4, minInclusive: true, max: 4, maxInclusive: true },
      { path: 'properties.desired.p', min: 1, minInclusive: true, maxInclusive: false },
    ]);
  });

  it('gives no hint where a range index cannot narrow: strings, !=, OR, NOT, roots, $ keys and computed sides', () => {
    expect(
      ranges(
        `${b} < 'm' AND ${b} != 3 AND (${b} < 3 OR tags.a = 1) AND NOT (${b} > 4) AND deviceId > 3 AND properties.reported.$version > 1 AND ${b} + 1 < 3 AND ${b} < ${b}`,
      ),
    ).toEqual([]);
  });
});
