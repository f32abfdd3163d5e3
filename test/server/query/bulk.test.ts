import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../server/query/evaluate.ts';
import type { IndexHint } from '../../../server/query/index-hints.ts';
import { generateTwins, type GeneratedTwin } from './twin-fixtures.ts';

const TWINS = generateTwins(10_000);

/** Each query next to an independent, hand-written JavaScript filter with the same meaning. */
const CASES: Array<[string, (t: GeneratedTwin) => boolean]> = [
  [
    "tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6",
    (t) => t.tags.location?.plant === 'Redmond43' && t.properties.reported.connectivityMonitoring?.networkBearer === 6,
  ],
  [
    'properties.reported.device.batteryLevel < 20 OR NOT IS_DEFINED(properties.reported.device.batteryLevel)',
    (t) => {
      const b = t.properties.reported.device?.batteryLevel;
      return (typeof b === 'number' && b < 20) || b === undefined;
    },
  ],
  [
    "tags.location.region != 'US' AND status IN ['enabled'] AND tags.level >= 5",
    (t) => t.tags.location !== undefined && t.tags.location.region !== 'US' && t.status === 'enabled' && typeof t.tags.level === 'number' && t.tags.level >= 5,
  ],
  [
    "NOT (tags.level = 'high') AND connectionState = 'connected' AND version % 3 = 0",
    (t) => t.tags.level !== 'high' && t.connectionState === 'connected' && t.version % 3 === 0,
  ],
  [
    "properties.reported.device.batteryLevel = '50' OR (STARTSWITH(deviceId, 'd0001') AND properties.reported.$version NIN [1, 2, 3])",
    (t) => t.properties.reported.device?.batteryLevel === '50' || (t.deviceId.startsWith('d0001') && ![1, 2, 3].includes(t.properties.reported.$version)),
  ],
  [
    "IS_STRING(properties.reported.device.batteryLevel) OR LOWER(tags.location.region) = 'us' AND properties.reported.connectivityMonitoring.networkBearer IN [0, 1]",
    (t) =>
      typeof t.properties.reported.device?.batteryLevel === 'string' ||
      (t.tags.location?.region.toLowerCase() === 'us' && [0, 1].includes(t.properties.reported.connectivityMonitoring?.networkBearer)),
  ],
];

/** Applies hints the way an equality index would: a twin is a candidate when every hinted path holds a listed value. */
function passesHints(twin: unknown, hints: readonly IndexHint[]): boolean {
  return hints.every((h) => {
    let v: unknown = twin;
    for (const s of h.path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[s] : undefined;
    return h.values.some((x) => x === v);
  });
}

describe('evaluation over 10,000 generated twins', () => {
  it.each(CASES)('%s', (condition, reference) => {
    const q = compileQuery(`SELECT * FROM devices WHERE ${condition}`);
    const expected = TWINS.filter(reference).map((t) => t.deviceId);
    const actual = TWINS.filter((t) => q.matches(t)).map((t) => t.deviceId);
    expect(actual).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(TWINS.length);
    // Index hints are a necessary condition: narrowing by them first loses no match.
    const narrowed = TWINS.filter((t) => passesHints(t, q.indexHints)).filter((t) => q.matches(t)).map((t) => t.deviceId);
    expect(narrowed).toEqual(expected);
  });

  it('hints narrow the candidates for IoT Hub query language doc example', () => {
    const q = compileQuery(`SELECT * FROM devices WHERE ${CASES[0][0]}`);
    const candidates = TWINS.filter((t) => passesHints(t, q.indexHints));
    expect(candidates.length).toBeLessThan(TWINS.length / 5);
  });

  it('groups and counts the whole set', () => {
    const q = compileQuery(
      'SELECT tags.location.plant AS plant, COUNT() AS n, AVG(properties.reported.device.batteryLevel) AS avg FROM devices WHERE status = \'enabled\' GROUP BY tags.location.plant',
    );
    const expected = new Map<string | undefined, { n: number; sum: number; k: number }>();
    for (const t of TWINS) {
      if (t.status !== 'enabled') continue;
      const g = expected.get(t.tags.location?.plant) ?? { n: 0, sum: 0, k: 0 };
      g.n++;
      const b = t.properties.reported.device?.batteryLevel;
      if (typeof b === 'number') {
        g.sum += b;
        g.k++;
      }
      expected.set(t.tags.location?.plant, g);
    }
    const rows = q.aggregate(TWINS);
    expect(rows.length).toBe(expected.size);
    for (const row of rows) {
      const g = expected.get(row.plant as string | undefined)!;
      expect(row.n).toBe(g.n);
      expect(row.avg).toBeCloseTo(g.sum / g.k, 9);
    }
    expect(rows.reduce((s, r) => s + (r.n as number), 0)).toBe(TWINS.filter((t) => t.status === 'enabled').length);
  });
});
