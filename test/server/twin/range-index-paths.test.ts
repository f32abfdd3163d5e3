import { describe, expect, it } from 'vitest';
import { canonicalPaths, covers, intersectPaths, missingPaths } from '../../../server/twin/range-index-paths.ts';

describe('range index paths', () => {
  it('covers a leaf and what lies below a prefix, never a sibling that shares its first letters', () => {
    expect(covers(['tags.a'], 'tags.a')).toBe(true);
    expect(covers(['tags.a'], 'tags.a.b')).toBe(true);
    expect(covers(['tags.a'], 'tags.ab')).toBe(false);
    expect(covers(['tags.a'], 'tags')).toBe(false);
    expect(covers([], 'tags.a')).toBe(false);
  });

  it('keeps lists canonical, intersects them and names what a backfill must add', () => {
    expect(canonicalPaths(['tags.a', 'tags', 'properties.reported.x.y', 'properties.reported.x', 'tags'])).toEqual(['properties.reported.x', 'tags']);
    expect(intersectPaths(['properties.reported', 'tags'], ['properties.reported.x', 'properties.desired', 'tags.a'])).toEqual(['properties.reported.x', 'tags.a']);
    expect(intersectPaths(['tags'], ['properties.desired'])).toEqual([]);
    expect(missingPaths(['properties.reported', 'tags'], ['properties.reported.x', 'tags'])).toEqual(['properties.reported']);
    expect(missingPaths(['properties.reported.x', 'tags.a'], ['properties.reported', 'tags'])).toEqual([]);
  });
});
