import { describe, expect, it } from 'vitest';
import { toResourceValue, toWriteValue } from '../../../jobs/validation/resource-value.ts';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('toResourceValue', () => {
  it('accepts values that fit each resource type', () => {
    expect(toResourceValue('integer', -5, 'p')).toBe(-5);
    expect(toResourceValue('integer', '9223372036854775807', 'p')).toBe(9223372036854775807n);
    expect(toResourceValue('unsignedInteger', 7, 'p')).toBe(7);
    expect(toResourceValue('float', 21.5, 'p')).toBe(21.5);
    expect(toResourceValue('boolean', false, 'p')).toBe(false);
    expect(toResourceValue('string', 'Europe/Paris', 'p')).toBe('Europe/Paris');
    expect(toResourceValue('time', '2030-01-02T03:04:05.123Z', 'p')).toEqual(new Date('2030-01-02T03:04:05.123Z'));
    expect(toResourceValue('time', 1_700_000_000, 'p')).toEqual(new Date(1_700_000_000_000));
    expect(toResourceValue('objlnk', '3:0', 'p')).toBe('3:0');
    expect(Buffer.from(toResourceValue('opaque', 'AQID', 'p') as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses values that do not fit with BAD_VALUE naming the property and type', () => {
    expect(code(() => toResourceValue('integer', 1.5, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('integer', '12a', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('integer', '9223372036854775808', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('unsignedInteger', -1, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('float', Number.NaN, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('float', '1.5', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('boolean', 'true', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('string', 5, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('time', '2030-13-45', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('time', 1.5, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('objlnk', '3:70000', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('objlnk', '3-0', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('opaque', 'not base64!', 'p'))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('none', 1, 'p'))).toBe('NOT_WRITABLE');
    expect(() => toResourceValue('string', 5, 'device.timezone')).toThrow(/device\.timezone is of type string: expected a string, got 5/);
  });

  it('enforces the model range', () => {
    expect(toResourceValue('integer', 100, 'p', { min: 0, max: 100 })).toBe(100);
    expect(code(() => toResourceValue('integer', 101, 'p', { min: 0, max: 100 }))).toBe('BAD_VALUE');
    expect(code(() => toResourceValue('float', -0.5, 'p', { min: 0, max: 1 }))).toBe('BAD_VALUE');
  });
});

describe('toWriteValue', () => {
  const multi = { id: 6, type: 'integer' as const, multiple: true };
  it('builds a multiple-resource node from an object keyed by instance id', () => {
    expect(toWriteValue(multi, true, { '0': 1, '3': 5 }, 'device.x')).toEqual({ kind: 'multipleResource', id: 6, instances: new Map([[0, 1], [3, 5]]) });
  });
  it('takes a single value for one resource instance', () => {
    expect(toWriteValue(multi, false, 4, 'device.x.0')).toBe(4);
  });
  it('refuses arrays, empty objects, bad ids and bad instance values', () => {
    expect(code(() => toWriteValue(multi, true, [1, 2], 'p'))).toBe('BAD_VALUE');
    expect(code(() => toWriteValue(multi, true, {}, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toWriteValue(multi, true, { a: 1 }, 'p'))).toBe('BAD_VALUE');
    expect(code(() => toWriteValue(multi, true, { '0': 'x' }, 'p'))).toBe('BAD_VALUE');
  });
});
