import { describe, expect, it } from 'vitest';
import { checkTwinPatch } from '../../../jobs/validation/twin-patch.ts';

function codeOf(patch: unknown): string | undefined {
  try {
    checkTwinPatch(patch);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('checkTwinPatch', () => {
  it('keeps tags and desired patches, null deleting keys', () => {
    expect(checkTwinPatch({ tags: { plant: 'north', old: null } })).toEqual({ tags: { plant: 'north', old: null } });
    expect(checkTwinPatch({ properties: { desired: { telemetry: { interval: 60 } } } })).toEqual({ properties: { desired: { telemetry: { interval: 60 } } } });
  });

  it('refuses patches that change nothing, reported properties and invalid keys (Azure IoT Hub device twins doc)', () => {
    expect(codeOf({})).toBe('INVALID_JOB');
    expect(codeOf({ tags: {} })).toBe('INVALID_JOB');
    expect(codeOf({ properties: { reported: { a: 1 } } })).toBe('INVALID_JOB');
    expect(codeOf({ status: 'disabled' })).toBe('INVALID_JOB');
    expect(codeOf({ tags: { 'a.b': 1 } })).toBe('INVALID_JOB');
    expect(codeOf({ tags: { $version: 1 } })).toBe('INVALID_JOB');
    expect(codeOf({ tags: { 'a b': 1 } })).toBe('INVALID_JOB');
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 11; i++) deep = { n: deep };
    expect(codeOf({ tags: deep })).toBe('INVALID_JOB');
    expect(codeOf([])).toBe('INVALID_JOB');
  });
});
