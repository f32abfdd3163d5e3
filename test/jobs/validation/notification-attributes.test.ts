import { beforeAll, describe, expect, it } from 'vitest';
import type { ObjectRegistry } from '../../../objects/object-registry.ts';
import { PropertyNames, type ResolvedProperty } from '../../../objects/property-names.ts';
import { checkNotificationAttributes } from '../../../jobs/validation/notification-attributes.ts';
import { loadRegistry } from '../registry.ts';

let names: PropertyNames;
let battery: ResolvedProperty;
let device: ResolvedProperty;
let timezone: ResolvedProperty;
beforeAll(async () => {
  const registry: ObjectRegistry = await loadRegistry();
  names = new PropertyNames(registry);
  battery = names.resolveProperty('/3/0/9');
  device = names.resolveProperty('/3/0');
  timezone = names.resolveProperty('/3/0/15');
});

function codeOf(attrs: unknown, target: ResolvedProperty): string | undefined {
  try {
    checkNotificationAttributes(attrs, target);
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('checkNotificationAttributes', () => {
  it('keeps valid attributes, including null to unset', () => {
    expect(checkNotificationAttributes({ pmin: 5, pmax: 60, gt: 80, lt: 20, st: 5 }, battery)).toEqual({ pmin: 5, pmax: 60, gt: 80, lt: 20, st: 5 });
    expect(checkNotificationAttributes({ pmin: null, pmax: 300 }, device)).toEqual({ pmin: null, pmax: 300 });
  });

  it('refuses what OMA TS Core §5.1.2 forbids', () => {
    expect(codeOf({ pmin: 61, pmax: 60 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ pmin: 1.5 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ pmin: -1 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ gt: 5 }, device)).toBe('BAD_VALUE');
    expect(codeOf({ gt: 5 }, timezone)).toBe('BAD_VALUE');
    expect(codeOf({ lt: 50, gt: 40 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ lt: 20, gt: 30, st: 5 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ st: -1 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ dim: 2 }, battery)).toBe('BAD_VALUE');
    expect(codeOf({ pmin: '5' }, battery)).toBe('BAD_VALUE');
    expect(codeOf({}, battery)).toBe('INVALID_JOB');
    expect(codeOf(null, battery)).toBe('INVALID_JOB');
  });
});
