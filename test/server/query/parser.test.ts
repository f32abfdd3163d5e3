import { describe, expect, it } from 'vitest';
import type { Expression } from '../../../server/query/ast.ts';
import { formatExpression, formatQuery } from '../../../server/query/format.ts';
import { parseCondition, parseQuery } from '../../../server/query/parser.ts';

/** Compact shape of an expression, for asserting structure and precedence. */
function shape(e: Expression): unknown {
  switch (e.kind) {
    case 'literal':
      return e.value === undefined ? 'undefined' : e.value;
    case 'path':
      return e.segments.join('/');
    case 'negate':
      return ['neg', shape(e.operand)];
    case 'arithmetic':
    case 'comparison':
      return [e.operator, shape(e.left), shape(e.right)];
    case 'in':
      return [e.negated ? 'NIN' : 'IN', shape(e.operand), e.values];
    case 'not':
      return ['NOT', shape(e.operand)];
    case 'and':
    case 'or':
      return [e.kind.toUpperCase(), ...e.operands.map(shape)];
    case 'call':
      return [e.name, ...e.args.map(shape)];
    case 'aggregate':
      return [e.name, ...(e.argument ? [shape(e.argument)] : [])];
  }
}

const cond = (text: string) => shape(parseCondition(text));

describe('parseQuery', () => {
  it('parses the Azure IoT Hub query language doc filter example', () => {
    const q = parseQuery(
      "SELECT * FROM devices WHERE tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6",
    );
    expect(q.select).toEqual({ kind: 'star' });
    expect(q.groupBy).toEqual([]);
    expect(shape(q.where!)).toEqual([
      'AND',
      ['=', 'tags/location/plant', 'Redmond43'],
      ['=', 'properties/reported/connectivityMonitoring/networkBearer', 6],
    ]);
  });

  it('parses the Azure IoT Hub query language doc GROUP BY example with column names', () => {
    const q = parseQuery(
      'SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status',
    );
    expect(q.select.kind).toBe('columns');
    if (q.select.kind !== 'columns') return;
    expect(q.select.columns.map((c) => [c.name, shape(c.expression)])).toEqual([
      ['status', 'properties/reported/telemetryConfig/status'],
      ['numberOfDevices', ['COUNT']],
    ]);
    expect(q.groupBy.map(shape)).toEqual(['properties/reported/telemetryConfig/status']);
  });

  it('accepts keywords, root fields and function names in any case', () => {
    const q = parseQuery("select top 5 DeviceID, Tags.location.plant from DEVICES where not is_defined(PROPERTIES.Reported.x) and Status = 'enabled'");
    expect(q.select).toMatchObject({ kind: 'columns', top: 5 });
    expect(shape(q.where!)).toEqual(['AND', ['NOT', ['IS_DEFINED', 'properties/reported/x']], ['=', 'status', 'enabled']]);
    if (q.select.kind === 'columns') expect(q.select.columns.map((c) => shape(c.expression))).toEqual(['deviceId', 'tags/location/plant']);
  });

  it('names columns by alias, else last path segment, else aggregate name, else position', () => {
    const q = parseQuery('SELECT deviceId, tags.location.plant, version + 1, LOWER(status) AS s FROM devices');
    if (q.select.kind !== 'columns') throw new Error('columns expected');
    expect(q.select.columns.map((c) => c.name)).toEqual(['deviceId', 'plant', '$3', 's']);
    const a = parseQuery('SELECT COUNT(), MAX(version) FROM devices');
    if (a.select.kind === 'columns') expect(a.select.columns.map((c) => c.name)).toEqual(['count', 'max']);
  });

  it('parses TOP with a star', () => {
    expect(parseQuery('SELECT TOP 10 * FROM devices').select).toEqual({ kind: 'star', top: 10 });
    expect(parseQuery('SELECT TOP 0x10 * FROM devices').select).toEqual({ kind: 'star', top: 16 });
  });
});

describe('paths', () => {
  it('drops the devices. prefix and normalises bracketed and numeric segments', () => {
    expect(cond("devices.tags.location.plant = 'x'")).toEqual(['=', 'tags/location/plant', 'x']);
    expect(cond("properties.reported.temperature['0'].sensorValue > 1")).toEqual(['>', 'properties/reported/temperature/0/sensorValue', 1]);
    expect(cond('properties.reported.temperature.0.sensorValue > 1')).toEqual(['>', 'properties/reported/temperature/0/sensorValue', 1]);
    expect(cond('properties.reported.temperature[0].sensorValue > 1')).toEqual(['>', 'properties/reported/temperature/0/sensorValue', 1]);
    expect(cond('properties.reported.31024.10.1 = 7')).toEqual(['=', 'properties/reported/31024/10/1', 7]);
    expect(cond("tags[\"odd key\"]['a.b'] = 1")).toEqual(['=', 'tags/odd key/a.b', 1]);
    expect(cond('properties.desired.$metadata.$lastUpdated > "2026"')).toEqual(['>', 'properties/desired/$metadata/$lastUpdated', '2026']);
    expect(cond('devices.deviceId = "d"')).toEqual(['=', 'deviceId', 'd']);
  });

  it('allows keywords as keys below the root', () => {
    expect(cond('tags.select.from.where = 1')).toEqual(['=', 'tags/select/from/where', 1]);
  });

  it('accepts every root field', () => {
    for (const f of ['deviceId', 'etag', 'version', 'status', 'connectionState', 'lastActivityTime', 'tags', 'properties']) {
      expect(cond(`IS_DEFINED(${f})`)).toEqual(['IS_DEFINED', f]);
    }
  });
});

describe('precedence', () => {
  it('binds AND tighter than OR and NOT tighter than AND', () => {
    expect(cond('version = 1 OR version = 2 AND version = 3')).toEqual([
      'OR',
      ['=', 'version', 1],
      ['AND', ['=', 'version', 2], ['=', 'version', 3]],
    ]);
    expect(cond('NOT version = 1 AND version = 2')).toEqual(['AND', ['NOT', ['=', 'version', 1]], ['=', 'version', 2]]);
    expect(cond('(version = 1 OR version = 2) AND version = 3')).toEqual([
      'AND',
      ['OR', ['=', 'version', 1], ['=', 'version', 2]],
      ['=', 'version', 3],
    ]);
  });

  it('binds * / % tighter than + -, both left-associative, and comparisons loosest', () => {
    expect(cond('version + 2 * 3 - 4 % 3 >= 10 / 2 / 5')).toEqual([
      '>=',
      ['-', ['+', 'version', ['*', 2, 3]], ['%', 4, 3]],
      ['/', ['/', 10, 2], 5],
    ]);
    expect(cond('(version + 2) * 3 = 9')).toEqual(['=', ['*', ['+', 'version', 2], 3], 9]);
  });

  it('flattens AND / OR chains', () => {
    expect(cond('version = 1 AND version = 2 AND version = 3')).toEqual([
      'AND',
      ['=', 'version', 1],
      ['=', 'version', 2],
      ['=', 'version', 3],
    ]);
  });

  it('folds negative numbers and keeps unary minus on expressions', () => {
    expect(cond('version > -5')).toEqual(['>', 'version', -5]);
    expect(cond('-version < -0x10')).toEqual(['<', ['neg', 'version'], -16]);
    expect(cond('version - -2 = 3')).toEqual(['=', ['-', 'version', -2], 3]);
  });

  it('parses IN / NIN with constant lists', () => {
    expect(cond("status IN ['enabled', 'disabled']")).toEqual(['IN', 'status', ['enabled', 'disabled']]);
    expect(cond('version NIN [1, -2, 0x3, 1.5, true, null]')).toEqual(['NIN', 'version', [1, -2, 3, 1.5, true, null]]);
    expect(cond('version in []')).toEqual(['IN', 'version', []]);
  });

  it('parses literals', () => {
    expect(cond('tags.a = true OR tags.a = FALSE OR tags.a = null OR tags.a = undefined OR tags.a = 1.25e2')).toEqual([
      'OR',
      ['=', 'tags/a', true],
      ['=', 'tags/a', false],
      ['=', 'tags/a', null],
      ['=', 'tags/a', 'undefined'],
      ['=', 'tags/a', 125],
    ]);
  });
});

describe('format', () => {
  const queries = [
    "SELECT * FROM devices WHERE tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6",
    "select top 3 deviceId as id, tags['a-b'].c from devices where not (version = 1 or version = 2) and (version + 1) * 2 > -3",
    'SELECT status, COUNT() AS n, AVG(properties.reported.device.batteryLevel) AS avg FROM devices GROUP BY status',
    String.raw`SELECT * FROM devices WHERE tags.x = 'it\'s \\ "q"' AND tags.y NIN [1, 'two', null] AND IS_DEFINED(tags.z) AND NOT NOT tags.w = undefined`,
    'SELECT * FROM devices WHERE (version = 1) = true AND version - -2 = 3 AND -(version + 1) < 0',
  ];

  it('prints canonical text that parses back to the same tree', () => {
    for (const text of queries) {
      const canonical = formatQuery(parseQuery(text));
      expect(formatQuery(parseQuery(canonical)), text).toBe(canonical);
      expect(shape(parseQuery(canonical).where ?? { kind: 'literal', value: true, start: 0, end: 0 })).toEqual(
        shape(parseQuery(text).where ?? { kind: 'literal', value: true, start: 0, end: 0 }),
      );
    }
  });

  it('normalises case, spacing, <> and redundant parentheses', () => {
    expect(formatQuery(parseQuery("select   *  from devices where ((status <> 'x'))"))).toBe("SELECT * FROM devices WHERE status != 'x'");
    expect(formatExpression(parseCondition("tags['plain'].x = 1 and (tags.b = 2)"))).toBe('tags.plain.x = 1 AND tags.b = 2');
  });
});
