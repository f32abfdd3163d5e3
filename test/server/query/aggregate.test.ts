import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../server/query/evaluate.ts';
import { isQueryError } from '../../../server/query/query-error.ts';
import { TWINS } from './twin-fixtures.ts';

const twin = (deviceId: string, status: unknown, battery?: unknown, plant?: string) => ({
  deviceId,
  status: 'enabled',
  tags: plant === undefined ? {} : { location: { plant } },
  properties: {
    desired: {},
    reported: {
      ...(status === undefined ? {} : { telemetryConfig: { status } }),
      ...(battery === undefined ? {} : { device: { batteryLevel: battery } }),
    },
  },
});

const FLEET = [
  twin('a', 'Success', 10, 'P1'),
  twin('b', 'Pending', 20, 'P1'),
  twin('c', 'Success', 30, 'P2'),
  twin('d', undefined, 'n/a', 'P2'),
  twin('e', 'Success', 50),
  twin('f', 'Failed'),
];

describe('aggregates', () => {
  it('runs the Azure IoT Hub query language doc GROUP BY example: one row per group, in order of first appearance', () => {
    const q = compileQuery(
      'SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status',
    );
    expect(q.isAggregate).toBe(true);
    expect(q.aggregate(FLEET)).toEqual([
      { status: 'Success', numberOfDevices: 3 },
      { status: 'Pending', numberOfDevices: 1 },
      { numberOfDevices: 1 }, // twins without the property form their own group
      { status: 'Failed', numberOfDevices: 1 },
    ]);
  });

  it('COUNT, SUM, AVG, MIN, MAX over numbers, skipping other values', () => {
    const q = compileQuery(
      'SELECT COUNT() AS n, SUM(properties.reported.device.batteryLevel) AS total, AVG(properties.reported.device.batteryLevel) AS mean, MIN(properties.reported.device.batteryLevel) AS lo, MAX(properties.reported.device.batteryLevel) AS hi FROM devices',
    );
    expect(q.aggregate(FLEET)).toEqual([{ n: 6, total: 110, mean: 27.5, lo: 10, hi: 50 }]);
  });

  it('without GROUP BY always yields one row, even with no twins', () => {
    const q = compileQuery('SELECT COUNT() AS n, SUM(version) AS s, AVG(version) AS a, MIN(version) AS lo, MAX(version) AS hi FROM devices');
    expect(q.aggregate([])).toEqual([{ n: 0, s: 0, a: null, lo: null, hi: null }]);
    expect(compileQuery('SELECT COUNT() FROM devices').aggregate([])).toEqual([{ count: 0 }]);
  });

  it('with GROUP BY and no twins yields no rows', () => {
    expect(compileQuery('SELECT status, COUNT() AS n FROM devices GROUP BY status').aggregate([])).toEqual([]);
  });

  it('applies WHERE before grouping', () => {
    const q = compileQuery("SELECT tags.location.plant AS plant, COUNT() AS n FROM devices WHERE properties.reported.telemetryConfig.status = 'Success' GROUP BY tags.location.plant");
    expect(q.aggregate(FLEET)).toEqual([{ plant: 'P1', n: 1 }, { plant: 'P2', n: 1 }, { n: 1 }]);
  });

  it('groups by several expressions', () => {
    const q = compileQuery(
      'SELECT tags.location.plant, properties.reported.telemetryConfig.status, COUNT() AS n FROM devices WHERE IS_DEFINED(tags.location) GROUP BY tags.location.plant, properties.reported.telemetryConfig.status',
    );
    expect(q.aggregate(FLEET)).toEqual([
      { plant: 'P1', status: 'Success', n: 1 },
      { plant: 'P1', status: 'Pending', n: 1 },
      { plant: 'P2', status: 'Success', n: 1 },
      { plant: 'P2', n: 1 },
    ]);
  });

  it('distinguishes group values by type', () => {
    const q = compileQuery('SELECT properties.reported.telemetryConfig.status AS s, COUNT() AS n FROM devices GROUP BY properties.reported.telemetryConfig.status');
    expect(q.aggregate([twin('a', 1), twin('b', '1'), twin('c', 1), twin('d', null), twin('e', true)])).toEqual([
      { s: 1, n: 2 },
      { s: '1', n: 1 },
      { s: null, n: 1 },
      { s: true, n: 1 },
    ]);
  });

  it('allows GROUP BY columns without aggregates and COUNT without listing the key', () => {
    expect(compileQuery('SELECT status FROM devices GROUP BY status').aggregate(TWINS)).toEqual([{ status: 'enabled' }, { status: 'disabled' }]);
    expect(compileQuery('SELECT COUNT() AS n FROM devices GROUP BY status').aggregate(TWINS)).toEqual([{ n: 2 }, { n: 1 }]);
  });

  it('MIN / MAX fall back to strings when there are no numbers', () => {
    const q = compileQuery('SELECT MIN(lastActivityTime) AS first, MAX(lastActivityTime) AS last FROM devices');
    expect(q.aggregate(TWINS)).toEqual([{ first: '2026-11-24T08:00:00.000Z', last: '2026-11-25T10:00:00.000Z' }]);
  });

  it('aggregates computed expressions', () => {
    const q = compileQuery('SELECT SUM(version * 2) AS s, MAX(-version) AS m FROM devices');
    expect(q.aggregate(TWINS)).toEqual([{ s: 20, m: -1 }]);
  });

  it('applies TOP to groups', () => {
    const q = compileQuery('SELECT TOP 2 properties.reported.telemetryConfig.status AS s, COUNT() AS n FROM devices GROUP BY properties.reported.telemetryConfig.status');
    expect(q.aggregate(FLEET)).toEqual([
      { s: 'Success', n: 3 },
      { s: 'Pending', n: 1 },
    ]);
  });

  it('project() refuses aggregate queries with a QueryError', () => {
    const q = compileQuery('SELECT COUNT() AS n FROM devices');
    try {
      q.project(FLEET[0]);
      expect.unreachable();
    } catch (e) {
      expect(isQueryError(e, 'QUERY_UNSUPPORTED')).toBe(true);
    }
  });
});
