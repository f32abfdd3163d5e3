import { describe, expect, it } from 'vitest';
import { compileCondition, compileQuery } from '../../../server/query/evaluate.ts';
import { isQueryError } from '../../../server/query/query-error.ts';
import { DEV1, DEV2, DEV3, TWINS } from './twin-fixtures.ts';

/** deviceIds of the fixture twins matching a WHERE condition. */
const where = (condition: string): string[] =>
  TWINS.filter((t) => compileQuery(`SELECT * FROM devices WHERE ${condition}`).matches(t)).map((t) => t.deviceId);

describe('Azure IoT Hub query language doc examples', () => {
  it('filters on a tag and a reported property', () => {
    const q = compileQuery(
      "SELECT * FROM devices WHERE tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6",
    );
    expect(TWINS.filter((t) => q.matches(t))).toEqual([DEV1]);
    expect(q.project(DEV1)).toBe(DEV1);
    expect(q.isAggregate).toBe(false);
  });

  it('without WHERE matches everything', () => {
    const q = compileQuery('SELECT * FROM devices');
    expect(TWINS.every((t) => q.matches(t))).toBe(true);
  });
});

describe('comparison operators', () => {
  it('= and != / <> between values of the same kind', () => {
    expect(where("status = 'enabled'")).toEqual(['dev1', 'dev3']);
    expect(where("status != 'enabled'")).toEqual(['dev2']);
    expect(where("status <> 'enabled'")).toEqual(['dev2']);
    expect(where('version = 7')).toEqual(['dev1']);
    expect(where('tags.flags.beta = true')).toEqual(['dev1']);
    expect(where('tags.owner = null')).toEqual(['dev1']);
  });

  it('< > <= >= on numbers', () => {
    expect(where('version < 2')).toEqual(['dev3']);
    expect(where('version <= 2')).toEqual(['dev2', 'dev3']);
    expect(where('version > 2')).toEqual(['dev1']);
    expect(where('version >= 2')).toEqual(['dev1', 'dev2']);
    expect(where('properties.reported.temperature.0.sensorValue > 21.4')).toEqual(['dev1']);
  });

  it('< > <= >= on strings compare by code unit (ISO timestamps sort by time)', () => {
    expect(where("lastActivityTime > '2026-11-25T00:00:00Z'")).toEqual(['dev1']);
    expect(where("deviceId >= 'dev2'")).toEqual(['dev2', 'dev3']);
    expect(where("'dev2' > deviceId")).toEqual(['dev1']);
    expect(where("status < 'e'")).toEqual(['dev2']);
  });

  it('puts the literal on either side', () => {
    expect(where('2 < version')).toEqual(['dev1']);
    expect(where("'enabled' = status")).toEqual(['dev1', 'dev3']);
  });

  it('compares two paths', () => {
    expect(where('properties.desired.$version < properties.reported.$version')).toEqual(['dev1', 'dev2']);
    expect(where('properties.desired.$version = properties.reported.$version')).toEqual(['dev3']);
    expect(where('properties.desired.$version != properties.reported.$version')).toEqual(['dev1', 'dev2']);
  });

  it('never orders booleans or null', () => {
    expect(where('tags.flags.beta > false')).toEqual([]);
    expect(where('tags.owner >= null')).toEqual([]);
  });
});

describe('type mismatch and missing paths', () => {
  it('compares a string with a number as false, never as an error', () => {
    // dev2 reports batteryLevel as the string '80'.
    expect(where('properties.reported.device.batteryLevel = 80')).toEqual([]);
    expect(where("properties.reported.device.batteryLevel = '80'")).toEqual(['dev2']);
    expect(where('properties.reported.device.batteryLevel > 10')).toEqual(['dev1']);
    expect(where("properties.reported.device.batteryLevel > '10'")).toEqual(['dev2']);
    expect(where("version = '7'")).toEqual([]);
  });

  it('treats a missing path as undefined: every comparison with it is false, != included', () => {
    expect(where("tags.location.plant = 'nowhere'")).toEqual([]);
    expect(where("tags.location.plant != 'Redmond43'")).toEqual(['dev2']);
    expect(where('properties.reported.device.batteryLevel < 1000')).toEqual(['dev1']);
    expect(where('tags.nothing.here != 1')).toEqual([]);
    // NOT (x = v) includes the twins where x is missing.
    expect(where("NOT (tags.location.plant = 'Redmond43')")).toEqual(['dev2', 'dev3']);
  });

  it('tests presence with = undefined / != undefined', () => {
    expect(where('tags.location = undefined')).toEqual(['dev3']);
    expect(where('tags.location != undefined')).toEqual(['dev1', 'dev2']);
    expect(where('undefined = tags.location')).toEqual(['dev3']);
    expect(where('tags.location > undefined')).toEqual([]);
    expect(where('tags.owner = undefined')).toEqual(['dev2', 'dev3']); // null is defined
  });

  it('never compares objects or arrays', () => {
    expect(where('tags.location = tags.location')).toEqual([]);
    expect(where('tags.labels != 1')).toEqual([]);
    expect(where("tags.labels IN ['a']")).toEqual([]);
  });

  it('walks only own members of the document', () => {
    expect(where('IS_DEFINED(tags.constructor)')).toEqual([]);
    expect(where("IS_DEFINED(tags['__proto__'])")).toEqual([]);
    expect(where('IS_DEFINED(tags.location.plant.length)')).toEqual([]);
    expect(where('tags.labels.0 = \'a\'')).toEqual(['dev1']);
  });

  it('evaluates against malformed documents without throwing', () => {
    const q = compileQuery("SELECT deviceId, LOWER(tags.x) AS l FROM devices WHERE tags.a.b = 1 OR IS_OBJECT(properties) OR version + 1 > 2");
    for (const doc of [{}, { tags: null }, { tags: 5 }, { tags: { a: 'str' } }, { properties: [] }, Object.create(null)]) {
      expect(() => q.matches(doc)).not.toThrow();
      expect(() => q.project(doc)).not.toThrow();
    }
    expect(q.matches({ properties: { desired: {} } })).toBe(true);
  });
});

describe('logical operators', () => {
  it('AND, OR, NOT and parentheses', () => {
    expect(where("status = 'enabled' AND connectionState = 'connected'")).toEqual(['dev1', 'dev3']);
    expect(where("version = 7 OR status = 'disabled'")).toEqual(['dev1', 'dev2']);
    expect(where("NOT status = 'enabled'")).toEqual(['dev2']);
    expect(where('NOT NOT version = 7')).toEqual(['dev1']);
    expect(where('version = 1 OR version = 2 AND version = 7')).toEqual(['dev3']);
    expect(where('(version = 1 OR version = 2) AND version = 7')).toEqual([]);
    expect(where('version = 1 OR version = 2 OR version = 7')).toEqual(['dev1', 'dev2', 'dev3']);
    expect(where('version > 0 AND version < 10 AND version != 2')).toEqual(['dev1', 'dev3']);
  });

  it('treats a non-boolean condition as false', () => {
    expect(where('version')).toEqual([]);
    expect(where('tags.flags.beta')).toEqual(['dev1']);
    expect(where('NOT version')).toEqual(['dev1', 'dev2', 'dev3']);
    expect(where('true')).toEqual(['dev1', 'dev2', 'dev3']);
  });
});

describe('IN / NIN', () => {
  it('matches membership with strict types', () => {
    expect(where("status IN ['disabled', 'other']")).toEqual(['dev2']);
    expect(where('version IN [1, 7]')).toEqual(['dev1', 'dev3']);
    expect(where("version IN ['7']")).toEqual([]);
    expect(where('version IN []')).toEqual([]);
    expect(where('tags.owner IN [null]')).toEqual(['dev1']);
  });

  it('NIN excludes the listed values and missing paths', () => {
    expect(where('version NIN [1, 7]')).toEqual(['dev2']);
    expect(where("tags.location.region NIN ['us']")).toEqual(['dev2']);
    expect(where('version NIN []')).toEqual(['dev1', 'dev2', 'dev3']);
  });

  it('works with long lists', () => {
    const list = Array.from({ length: 50 }, (_, i) => i * 2 + 1).join(', ');
    expect(where(`version IN [${list}]`)).toEqual(['dev1', 'dev3']);
    expect(where(`version NIN [${list}]`)).toEqual(['dev2']);
  });
});

describe('arithmetic', () => {
  it('applies + - * / % to numbers', () => {
    expect(where('version + 1 = 8')).toEqual(['dev1']);
    expect(where('version - 1 = 6')).toEqual(['dev1']);
    expect(where('version * 2 = 14')).toEqual(['dev1']);
    expect(where('version / 2 = 3.5')).toEqual(['dev1']);
    expect(where('version % 2 = 0')).toEqual(['dev2']);
    expect(where('-version = -7')).toEqual(['dev1']);
    expect(where('2 + 3 * version = 23')).toEqual(['dev1']);
  });

  it('yields undefined for non-numbers and non-finite results', () => {
    expect(where("status + 1 = 'enabled1'")).toEqual([]);
    expect(where('IS_DEFINED(version / 0)')).toEqual([]);
    expect(where('IS_DEFINED(version % 0)')).toEqual([]);
    expect(where('IS_DEFINED(-status)')).toEqual([]);
  });
});

describe('functions', () => {
  it('IS_DEFINED and IS_NULL', () => {
    expect(where('IS_DEFINED(tags.location)')).toEqual(['dev1', 'dev2']);
    expect(where('NOT IS_DEFINED(tags.location)')).toEqual(['dev3']);
    expect(where('IS_DEFINED(tags.owner)')).toEqual(['dev1']);
    expect(where('IS_NULL(tags.owner)')).toEqual(['dev1']);
    expect(where('IS_NULL(tags.missing)')).toEqual([]);
  });

  it('type tests', () => {
    expect(where('IS_STRING(properties.reported.device.batteryLevel)')).toEqual(['dev2']);
    expect(where('IS_NUMBER(properties.reported.device.batteryLevel)')).toEqual(['dev1']);
    expect(where('IS_BOOL(tags.flags.beta)')).toEqual(['dev1']);
    expect(where('IS_OBJECT(tags.location)')).toEqual(['dev1', 'dev2']);
    expect(where('IS_OBJECT(tags.labels)')).toEqual([]);
    expect(where('IS_OBJECT(tags.owner)')).toEqual([]);
    expect(where('IS_PRIMITIVE(tags.owner)')).toEqual(['dev1']);
    expect(where('IS_PRIMITIVE(tags.location)')).toEqual([]);
    expect(where('IS_PRIMITIVE(version)')).toEqual(['dev1', 'dev2', 'dev3']);
  });

  it('STARTSWITH, ENDSWITH, CONTAINS on strings only', () => {
    expect(where("STARTSWITH(tags.location.plant, 'Red')")).toEqual(['dev1']);
    expect(where("ENDSWITH(tags.location.plant, '12')")).toEqual(['dev2']);
    expect(where("CONTAINS(properties.reported.device.manufacturer, 'me C')")).toEqual(['dev1']);
    expect(where("STARTSWITH(deviceId, '')")).toEqual(['dev1', 'dev2', 'dev3']);
    expect(where('STARTSWITH(version, 7)')).toEqual([]);
    expect(where("CONTAINS(tags.labels, 'a')")).toEqual([]);
  });

  it('LOWER and UPPER', () => {
    expect(where("LOWER(tags.location.plant) = 'redmond43'")).toEqual(['dev1']);
    expect(where("UPPER(tags.location.region) IN ['US', 'EU']")).toEqual(['dev1', 'dev2']);
    expect(where('IS_DEFINED(LOWER(version))')).toEqual([]);
  });

  it('accepts nested calls and expressions as arguments', () => {
    expect(where("STARTSWITH(LOWER(tags.location.plant), LOWER('PAR'))")).toEqual(['dev2']);
    expect(where('IS_NUMBER(version * 2)')).toEqual(['dev1', 'dev2', 'dev3']);
    expect(where('IS_BOOL(version = 7)')).toEqual(['dev1', 'dev2', 'dev3']);
  });
});

describe('projections', () => {
  it('names columns by AS or by the last path segment and omits undefined values', () => {
    const q = compileQuery(
      "SELECT deviceId, tags.location.plant, properties.reported.device.batteryLevel AS battery, properties.reported.temperature['1'].sensorValue AS t1 FROM devices",
    );
    expect(q.project(DEV1)).toEqual({ deviceId: 'dev1', plant: 'Redmond43', battery: 55, t1: 30 });
    expect(q.project(DEV2)).toEqual({ deviceId: 'dev2', plant: 'Paris12', battery: '80' });
    expect(q.project(DEV3)).toEqual({ deviceId: 'dev3' });
  });

  it('projects objects, computed values and conditions', () => {
    const q = compileQuery('SELECT tags.location, version * 10 AS v10, version > 5 AS recent, UPPER(status) FROM devices');
    expect(q.project(DEV1)).toEqual({ location: DEV1.tags.location, v10: 70, recent: true, $4: 'ENABLED' });
    expect(q.project(DEV3)).toEqual({ v10: 10, recent: false, $4: 'ENABLED' });
  });

  it('aggregate() on a non-aggregate query returns the matching projections', () => {
    const q = compileQuery("SELECT deviceId FROM devices WHERE status = 'enabled'");
    expect(q.aggregate(TWINS)).toEqual([{ deviceId: 'dev1' }, { deviceId: 'dev3' }]);
  });
});

describe('TOP', () => {
  it('exposes the limit and cuts results', () => {
    const q = compileQuery('SELECT TOP 2 * FROM devices');
    expect(q.top).toBe(2);
    expect(q.aggregate(TWINS)).toEqual([DEV1, DEV2]);
    expect(compileQuery('SELECT TOP 0 deviceId FROM devices').aggregate(TWINS)).toEqual([]);
    expect(compileQuery('SELECT TOP 10 deviceId FROM devices WHERE version > 1').aggregate(TWINS)).toEqual([
      { deviceId: 'dev1' },
      { deviceId: 'dev2' },
    ]);
    expect(compileQuery('SELECT * FROM devices').top).toBeUndefined();
  });
});

describe('compileQuery', () => {
  it('gives equal canonical text and hash to queries that differ only in case and spacing', () => {
    const a = compileQuery("select * from devices where status='enabled'");
    const b = compileQuery("SELECT *\n  FROM devices\n  WHERE (status = 'enabled')");
    expect(a.canonical).toBe("SELECT * FROM devices WHERE status = 'enabled'");
    expect(b.hash).toBe(a.hash);
    expect(compileQuery("SELECT * FROM devices WHERE status = 'disabled'").hash).not.toBe(a.hash);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(compileQuery('SELECT * FROM devices'))).toBe(true);
  });

  it('compileCondition compiles a job queryCondition (Azure IoT Hub jobs doc)', () => {
    const c = compileCondition("tags.location.plant = 'Redmond43' OR version = 2");
    expect(TWINS.filter((t) => c.matches(t)).map((t) => t.deviceId)).toEqual(['dev1', 'dev2']);
    expect(c.indexHints).toEqual([]);
    expect(compileCondition("deviceId IN ['dev3']").indexHints).toEqual([{ path: 'deviceId', values: ['dev3'] }]);
    try {
      compileCondition('version = ');
      expect.unreachable();
    } catch (e) {
      expect(isQueryError(e, 'QUERY_SYNTAX')).toBe(true);
      expect((e as { position: number }).position).toBe(10);
    }
    expect(() => compileCondition('')).toThrow(/expected a condition/);
    expect(() => compileCondition('COUNT() = 1')).toThrow(/only allowed as a whole SELECT column/);
  });
});
