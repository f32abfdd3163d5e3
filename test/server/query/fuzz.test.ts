import { describe, expect, it } from 'vitest';
import { compileCondition, compileQuery, type CompiledQuery } from '../../../server/query/evaluate.ts';
import { QueryError } from '../../../server/query/query-error.ts';
import { TWINS, rng } from './twin-fixtures.ts';

const SEEDS = [
  "SELECT * FROM devices WHERE tags.location.plant = 'Redmond43' AND properties.reported.connectivityMonitoring.networkBearer = 6",
  'SELECT properties.reported.telemetryConfig.status AS status, COUNT() AS numberOfDevices FROM devices GROUP BY properties.reported.telemetryConfig.status',
  "SELECT TOP 5 deviceId, properties.reported.temperature['0'].sensorValue AS t FROM devices WHERE NOT (version >= 0x1F OR status IN ['a', \"b\"]) AND STARTSWITH(deviceId, 'dev')",
  'SELECT AVG(properties.reported.device.batteryLevel) AS a, MIN(version), MAX(version) FROM devices WHERE IS_DEFINED(tags.x) AND version % 2 = -1.5e3',
  String.raw`select * from devices where tags.a != undefined and lower(tags.b) NIN [null, true, 'x\'y\u00e9'] or -(version + 2) * 3 <> 4`,
];

const VOCABULARY = [
  'SELECT', 'select', 'TOP', 'FROM', 'devices', 'devices.jobs', 'WHERE', 'GROUP', 'BY', 'AS', 'AND', 'OR', 'NOT', 'IN', 'NIN',
  'true', 'false', 'null', 'undefined', 'COUNT()', 'AVG(', 'SUM(', 'MIN(', 'MAX(', 'IS_DEFINED(', 'LOWER(', 'STARTSWITH(', 'FOO(',
  'tags', 'tags.location.plant', 'properties', 'properties.reported', 'properties.desired.x', '.', '..', '[', ']', "['0']", '[0]',
  '(', ')', ',', '*', '+', '-', '/', '%', '=', '!=', '<>', '<', '>', '<=', '>=', '==', '!', '0', '1.5', '0x1F', '0x', '1e999',
  '-7', "'str'", '"dq"', "'unterminated", String.raw`'\q'`, String.raw`'\u12'`, 'deviceId', 'version', 'status', 'x', '$1',
  '#', '@', ';', '--', '\n', '\t', '\u0000', '\uD800', 'é', '😀', '\u00a0',
];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function tokenSoup(r: Rand): string {
  const n = 1 + int(r, 25);
  let out = '';
  for (let i = 0; i < n; i++) out += pick(r, VOCABULARY) + pick(r, ['', ' ', ' ', '  ', '\n']);
  return out;
}

function randomChars(r: Rand): string {
  const n = int(r, 40);
  let out = '';
  for (let i = 0; i < n; i++) out += r() < 0.7 ? String.fromCharCode(32 + int(r, 95)) : String.fromCharCode(int(r, 0x10000));
  return out;
}

function mutate(r: Rand, text: string): string {
  let s = text;
  const edits = 1 + int(r, 4);
  for (let k = 0; k < edits; k++) {
    const i = int(r, s.length + 1);
    const j = Math.min(s.length, i + int(r, 12));
    switch (int(r, 6)) {
      case 0:
        s = s.slice(0, i) + s.slice(j); // delete a slice
        break;
      case 1:
        s = s.slice(0, i) + pick(r, VOCABULARY) + s.slice(i); // insert a token
        break;
      case 2:
        s = s.slice(0, i) + String.fromCharCode(int(r, 0x10000)) + s.slice(i + 1); // replace a char
        break;
      case 3:
        s = s.slice(0, i) + s.slice(i, j) + s.slice(i); // duplicate a slice
        break;
      case 4:
        s = s.slice(0, i); // truncate
        break;
      default:
        s = s.slice(0, i) + s.slice(i, j).toUpperCase() + s.slice(j); // change case
    }
  }
  return s;
}

// --- grammar-based generator of (mostly) valid queries -------------------------------------------------------------

const PATHS = [
  'deviceId', 'version', 'status', 'connectionState', 'lastActivityTime', 'tags.location.plant', 'tags.location.region',
  'tags.owner', 'tags.labels', 'tags.flags.beta', 'properties.reported.device.batteryLevel', "properties.reported.temperature['0'].sensorValue",
  'properties.reported.temperature.1.sensorValue', 'properties.desired.$version', 'devices.tags.missing', 'properties.reported.31024.10.1',
];
const LITERALS = ["'Redmond43'", "'enabled'", '"dev1"', '7', '-2', '0x10', '21.5', 'true', 'false', 'null', 'undefined', "''"];

function value(r: Rand, depth: number): string {
  const roll = r();
  if (depth <= 0 || roll < 0.4) return pick(r, PATHS);
  if (roll < 0.65) return pick(r, LITERALS);
  if (roll < 0.8) return `${value(r, depth - 1)} ${pick(r, ['+', '-', '*', '/', '%'])} ${value(r, depth - 1)}`;
  if (roll < 0.9) return `${pick(r, ['LOWER', 'UPPER'])}(${value(r, depth - 1)})`;
  return `(${value(r, depth - 1)})`;
}

function condition(r: Rand, depth: number): string {
  const roll = r();
  if (depth <= 0 || roll < 0.35) {
    return `${value(r, 1)} ${pick(r, ['=', '!=', '<>', '<', '>', '<=', '>='])} ${value(r, 1)}`;
  }
  if (roll < 0.45) return `${pick(r, PATHS)} ${pick(r, ['IN', 'NIN'])} [${Array.from({ length: int(r, 4) }, () => pick(r, LITERALS.filter((l) => l !== 'undefined'))).join(', ')}]`;
  if (roll < 0.55) return `${pick(r, ['IS_DEFINED', 'IS_NULL', 'IS_STRING', 'IS_NUMBER', 'IS_BOOL', 'IS_OBJECT', 'IS_PRIMITIVE'])}(${value(r, 1)})`;
  if (roll < 0.62) return `${pick(r, ['STARTSWITH', 'ENDSWITH', 'CONTAINS'])}(${value(r, 1)}, ${pick(r, LITERALS)})`;
  if (roll < 0.72) return `NOT ${condition(r, depth - 1)}`;
  if (roll < 0.9) return `${condition(r, depth - 1)} ${pick(r, ['AND', 'OR', 'and', 'or'])} ${condition(r, depth - 1)}`;
  return `(${condition(r, depth - 1)})`;
}

function query(r: Rand): string {
  const top = r() < 0.2 ? `TOP ${int(r, 5)} ` : '';
  let select: string;
  let groupBy = '';
  const roll = r();
  if (roll < 0.4) select = '*';
  else if (roll < 0.75) {
    select = Array.from({ length: 1 + int(r, 3) }, (_, i) => `${value(r, 1)} AS c${i}`).join(', ');
  } else {
    const key = pick(r, PATHS);
    select = `${key} AS k, COUNT() AS n, ${pick(r, ['AVG', 'SUM', 'MIN', 'MAX'])}(${pick(r, PATHS)}) AS a`;
    groupBy = r() < 0.8 ? ` GROUP BY ${key}` : '';
    if (groupBy === '') select = 'COUNT() AS n';
  }
  const where = r() < 0.85 ? ` WHERE ${condition(r, 3)}` : '';
  return `SELECT ${top}${select} FROM devices${where}${groupBy}`;
}

// --- properties checked for every input ----------------------------------------------------------------------------

interface Tally {
  ok: number;
  failed: number;
}

function check(text: string, compile: (t: string) => CompiledQuery, tally: Tally): void {
  let compiled: CompiledQuery;
  try {
    compiled = compile(text);
  } catch (e) {
    if (!(e instanceof QueryError)) throw new Error(`non-QueryError for ${JSON.stringify(text)}: ${String(e)}`, { cause: e });
    const p = e.position;
    if (e.code !== 'QUERY_TOO_LONG' && (p === undefined || p < 0 || p > text.length || e.line! < 1 || e.column! < 1)) {
      throw new Error(`bad position ${String(p)} for ${JSON.stringify(text)}`, { cause: e });
    }
    tally.failed++;
    return;
  }
  tally.ok++;
  // A compiled query evaluates every document without throwing, and its canonical text compiles to the same query.
  const again = compileQuery(compiled.canonical);
  if (again.canonical !== compiled.canonical) throw new Error(`canonical text not stable for ${JSON.stringify(text)}`);
  for (const twin of [...TWINS, {}, { tags: null, properties: 1 }]) {
    if (compiled.matches(twin) !== again.matches(twin)) throw new Error(`canonical form matches differently: ${JSON.stringify(text)}`);
    if (!compiled.isAggregate) compiled.project(twin);
  }
  compiled.aggregate(TWINS);
}

describe('fuzz: any input string yields a compiled query or a QueryError', () => {
  it('20,000 seeded random and mutated queries', () => {
    const r = rng(20261125);
    const tally: Tally = { ok: 0, failed: 0 };
    for (let i = 0; i < 20_000; i++) {
      const kind = i % 5;
      const text =
        kind === 0 ? tokenSoup(r) : kind === 1 ? randomChars(r) : kind === 2 ? mutate(r, pick(r, SEEDS)) : kind === 3 ? query(r) : mutate(r, query(r));
      check(text, compileQuery, tally);
    }
    // Both outcomes are well represented, so the run exercises the evaluator as well as the error paths.
    expect(tally.ok + tally.failed).toBe(20_000);
    expect(tally.ok).toBeGreaterThan(4_000);
    expect(tally.failed).toBeGreaterThan(4_000);
  });

  it('every generated grammar query compiles', () => {
    const r = rng(7);
    const tally: Tally = { ok: 0, failed: 0 };
    for (let i = 0; i < 2_000; i++) check(query(r), compileQuery, tally);
    expect(tally).toEqual({ ok: 2_000, failed: 0 });
  });

  it('2,000 random conditions through compileCondition', () => {
    const r = rng(99);
    const tally: Tally = { ok: 0, failed: 0 };
    for (let i = 0; i < 2_000; i++) {
      const text = i % 2 === 0 ? condition(r, 3) : mutate(r, condition(r, 2));
      check(text, compileCondition, tally);
    }
    expect(tally.ok).toBeGreaterThan(1_000);
    expect(tally.failed).toBeGreaterThan(100);
  });
});
