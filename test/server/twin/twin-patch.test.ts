import { describe, expect, it } from 'vitest';
import { isServerError } from '../../../server/errors.ts';
import { applyTwinPatch, emptySection, replacementPatch, tagLeaves, validateTwinPatch } from '../../../server/twin/twin-patch.ts';
import { etagMatches, formatEtag } from '../../../server/twin/twin.ts';

const T0 = Date.UTC(2024, 0, 1);

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(isServerError(err) && err.code === 'BAD_REQUEST').toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('twin patches (Azure IoT Hub device twins doc)', () => {
  it('refuses patches that are not objects', () => {
    expect(refusal(() => validateTwinPatch(null))).toBe('a twin patch must be a JSON object');
    expect(refusal(() => validateTwinPatch([1]))).toBe('a twin patch must be a JSON object');
    expect(refusal(() => validateTwinPatch({ tags: 'x' }))).toBe('tags: expected an object');
    expect(refusal(() => validateTwinPatch({ properties: { desired: [1] } }))).toBe('properties.desired: arrays are not allowed');
  });

  it('leaves the input untouched and reports no change for an equal value', () => {
    const state = { tags: { a: { b: 1 } }, desired: emptySection(T0, true) };
    const frozen = structuredClone(state);
    const outcome = applyTwinPatch(state, { tags: { a: { b: 1 } } }, T0 + 1);
    expect(outcome.tagsChanged).toBe(false);
    expect(outcome.tags).toBe(state.tags);
    const changed = applyTwinPatch(state, { tags: { a: { b: 2 } } }, T0 + 1);
    expect(changed.tags).toEqual({ a: { b: 2 } });
    expect(state).toEqual(frozen);
    expect(changed.tagIndex).toEqual({ removed: [{ path: 'tags.a.b', value: '1' }], added: [{ path: 'tags.a.b', value: '2' }] });
  });

  it('creates nothing for a patch object holding only nulls, but keeps an explicit empty object', () => {
    const state = { tags: {}, desired: emptySection(T0, true) };
    expect(applyTwinPatch(state, { tags: { a: { b: null } } }, T0).tagsChanged).toBe(false);
    expect(applyTwinPatch(state, { tags: { a: {} } }, T0).tags).toEqual({ a: {} });
  });

  it('lists tag leaves with JSON values for the equality index', () => {
    expect(tagLeaves({ location: { plant: 'P1', floor: 2 }, on: true })).toEqual([
      { path: 'tags.location.plant', value: '"P1"' },
      { path: 'tags.location.floor', value: '2' },
      { path: 'tags.on', value: 'true' },
    ]);
  });

  it('turns a replacement into a patch that nulls what disappears', () => {
    expect(replacementPatch({ a: 1, b: { c: 2, d: 3 }, e: 4 }, { b: { c: 5 }, f: 6 })).toEqual({ a: null, b: { c: 5, d: null }, e: null, f: 6 });
    const state = { tags: { a: 1, b: { c: 2, d: 3 } }, desired: emptySection(T0, true) };
    expect(applyTwinPatch(state, { tags: replacementPatch(state.tags, { b: { c: 5 } }) }, T0).tags).toEqual({ b: { c: 5 } });
  });
});

describe('ETags (RFC 7232)', () => {
  it('are weak, change with the version and the incarnation, and compare weakly', () => {
    const etag = formatEtag(T0, 7);
    expect(etag).toMatch(/^W\/"[0-9a-z]+\.7"$/);
    expect(formatEtag(T0 + 1, 7)).not.toBe(etag);
    expect(etagMatches(etag, etag)).toBe(true);
    expect(etagMatches(etag.slice(2), etag)).toBe(true);
    expect(etagMatches('*', etag)).toBe(true);
    expect(etagMatches(`"x", ${etag}`, etag)).toBe(true);
    expect(etagMatches(formatEtag(T0, 6), etag)).toBe(false);
  });
});
