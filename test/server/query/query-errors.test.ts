import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../server/query/evaluate.ts';
import { MAX_QUERY_LENGTH } from '../../../server/query/parser.ts';
import { QueryError, isQueryError, type QueryErrorCode } from '../../../server/query/query-error.ts';

function errorOf(text: string): QueryError {
  try {
    compileQuery(text);
  } catch (e) {
    expect(isQueryError(e)).toBe(true);
    return e as QueryError;
  }
  throw new Error(`no error for: ${text}`);
}

const W = 'SELECT * FROM devices WHERE ';

/** [query, code, position, message fragment] */
const CASES: Array<[string, QueryErrorCode, number, string]> = [
  [`${W}tags.location.plant = 'Redmond43' AND version = AND status = 'x'`, 'QUERY_SYNTAX', 76, "expected a value after '=' but found 'AND'"],
  ['', 'QUERY_SYNTAX', 0, 'expected SELECT but found end of query'],
  ['DELETE FROM devices', 'QUERY_SYNTAX', 0, "expected SELECT but found 'DELETE'"],
  ['SELECT FROM devices', 'QUERY_SYNTAX', 7, "expected '*' or a column after 'SELECT' but found 'FROM'"],
  ['SELECT * devices', 'QUERY_SYNTAX', 9, "expected FROM after '*' but found 'devices'"],
  ['SELECT deviceId status FROM devices', 'QUERY_SYNTAX', 16, "expected AS, ',' or FROM after 'deviceId' but found 'status'"],
  ['SELECT * FROM twins', 'QUERY_SYNTAX', 14, "expected 'devices' after 'FROM' but found 'twins'"],
  ['SELECT * FROM devices.jobs', 'QUERY_UNSUPPORTED', 14, 'FROM devices.jobs is not supported'],
  [`${W}(version = 1`, 'QUERY_SYNTAX', 40, "expected ')' after '1' but found end of query"],
  [`${W}version = 1 version = 2`, 'QUERY_SYNTAX', 40, "expected AND, OR, GROUP BY or end of query after '1' but found 'version'"],
  [`${W}tags.location. = 1`, 'QUERY_SYNTAX', 43, "expected a property name after '.' but found '='"],
  [`${W}foo.bar = 1`, 'QUERY_SYNTAX', 28, "unknown field 'foo'"],
  [`${W}properties.foo = 1`, 'QUERY_SYNTAX', 39, "expected 'desired' or 'reported' after 'properties' but found 'foo'"],
  [`${W}deviceId.x = 1`, 'QUERY_SYNTAX', 36, "'deviceId' has no members"],
  [`${W}status IN ('a')`, 'QUERY_SYNTAX', 38, "expected '[' and a list of values after 'IN' but found '('"],
  [`${W}status IN ['a' 'b']`, 'QUERY_SYNTAX', 43, "expected ',' or ']' after 'a' but found 'b'"],
  [`${W}status IN [tags.x]`, 'QUERY_SYNTAX', 39, 'expected a string, number, true, false or null'],
  [`${W}FOO(status)`, 'QUERY_UNSUPPORTED', 28, "function 'FOO' is not supported"],
  [`${W}IS_DEFINED(status, 1)`, 'QUERY_SYNTAX', 28, 'IS_DEFINED takes 1 argument, got 2'],
  [`${W}STARTSWITH(status)`, 'QUERY_SYNTAX', 28, 'STARTSWITH takes 2 arguments, got 1'],
  [`${W}COUNT() > 1`, 'QUERY_UNSUPPORTED', 28, 'COUNT() is only allowed as a whole SELECT column'],
  ['SELECT COUNT() + 1 AS n FROM devices', 'QUERY_UNSUPPORTED', 7, 'COUNT() is only allowed as a whole SELECT column'],
  ['SELECT deviceId, COUNT() AS n FROM devices', 'QUERY_UNSUPPORTED', 7, "column 'deviceId' must be an aggregate"],
  ['SELECT * FROM devices GROUP BY status', 'QUERY_UNSUPPORTED', 31, 'SELECT * cannot be combined with GROUP BY'],
  ['SELECT deviceId, tags.deviceId FROM devices', 'QUERY_SYNTAX', 17, "duplicate column name 'deviceId'"],
  ['SELECT TOP 1.5 * FROM devices', 'QUERY_SYNTAX', 11, 'TOP expects a whole number'],
  ['SELECT TOP * FROM devices', 'QUERY_SYNTAX', 11, "expected a whole number after 'TOP' but found '*'"],
  ['SELECT deviceId AS FROM FROM devices', 'QUERY_SYNTAX', 19, "expected a column name after 'AS' but found 'FROM'"],
  [`${W}status = 'x' GROUP status`, 'QUERY_SYNTAX', 47, "expected BY after 'GROUP' but found 'status'"],
  [`${W}status = 'unterminated`, 'QUERY_SYNTAX', 37, 'unterminated string'],
  [`${W}version = 0x`, 'QUERY_SYNTAX', 38, "invalid number '0x'"],
  [`${W}version == 1`, 'QUERY_SYNTAX', 37, "expected a value after '=' but found '='"],
  [`${W}version = 1 AND`, 'QUERY_SYNTAX', 43, "expected a value after 'AND' but found end of query"],
];

describe('QueryError positions and messages', () => {
  it.each(CASES)('%s', (text, code, position, fragment) => {
    const e = errorOf(text);
    expect(e.code).toBe(code);
    expect(e.position).toBe(position);
    expect(e.detail).toContain(fragment);
    const prefix = code === 'QUERY_SYNTAX' ? 'Syntax error' : 'Unsupported query';
    expect(e.message).toBe(`${prefix} at position ${position}: ${e.detail}`);
    expect(e.name).toBe('QueryError');
  });

  it('formats the message as in the brief example', () => {
    expect(errorOf("SELECT * FROM devices WHERE status = AND version = 1").message).toBe(
      "Syntax error at position 37: expected a value after '=' but found 'AND'",
    );
  });

  it('reports 1-based line and column', () => {
    const e = errorOf("SELECT *\nFROM devices\nWHERE status = 'a'\n  AND version >");
    expect(e.position).toBe(56);
    expect([e.line, e.column]).toEqual([4, 16]);
    const first = errorOf('SELECT * FROM nope');
    expect([first.line, first.column]).toEqual([1, 15]);
  });

  it('rejects queries over 8192 characters with QUERY_TOO_LONG', () => {
    const padding = ' '.repeat(MAX_QUERY_LENGTH);
    const e = errorOf(`SELECT * FROM devices${padding}`);
    expect(e.code).toBe('QUERY_TOO_LONG');
    expect(e.position).toBe(MAX_QUERY_LENGTH);
    const exact = `SELECT * FROM devices WHERE status = '${'x'.repeat(MAX_QUERY_LENGTH - 39)}'`;
    expect(exact.length).toBe(MAX_QUERY_LENGTH);
    expect(() => compileQuery(exact)).not.toThrow();
  });

  it('bounds nesting so deep input never overflows the stack', () => {
    const deepParens = `${W}${'('.repeat(2000)}version = 1${')'.repeat(2000)}`;
    expect(errorOf(deepParens).code).toBe('QUERY_UNSUPPORTED');
    expect(errorOf(`${W}${'NOT '.repeat(1500)}version = 1`).code).toBe('QUERY_UNSUPPORTED');
    expect(errorOf(`${W}version = ${'-'.repeat(3000)}1`).code).toBe('QUERY_UNSUPPORTED');
    expect(errorOf(`${W}version = ${'1+'.repeat(3000)}1`).code).toBe('QUERY_UNSUPPORTED');
    expect(errorOf(`${W}${'LOWER('.repeat(1000)}status${')'.repeat(1000)} = 'a'`).code).toBe('QUERY_UNSUPPORTED');
    // Long flat AND / OR chains are fine.
    expect(compileQuery(`${W}${Array(500).fill('version=1').join(' OR ')}`).matches({ version: 1 })).toBe(true);
  });

  it('rejects a non-string query with a QueryError', () => {
    expect(() => compileQuery(42 as unknown as string)).toThrow(QueryError);
  });
});
