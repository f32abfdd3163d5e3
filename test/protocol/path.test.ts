import { describe, expect, it } from 'vitest';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { isProtocolError } from '../../protocol/errors.ts';

describe('LwM2mPath', () => {
  it('parses and prints every level', () => {
    for (const p of ['/', '/3', '/3/0', '/3/0/9', '/3/0/6/1']) expect(LwM2mPath.parse(p).toString()).toBe(p);
    expect(LwM2mPath.parse('3/0/9/').toString()).toBe('/3/0/9');
    expect(LwM2mPath.parse('/3/0/6/1').resourceInstanceId).toBe(1);
  });
  it('rejects non-numeric ids, ids over 65535 and too many levels', () => {
    for (const bad of ['/a', '/3/x/9', '/65536', '/1/2/3/4/5', '/3//9', '/-1']) {
      expect(() => LwM2mPath.parse(bad), bad).toThrow();
      try {
        LwM2mPath.parse(bad);
      } catch (e) {
        expect(isProtocolError(e, 'PATH_INVALID')).toBe(true);
      }
    }
  });
  it('is immutable and compares by value', () => {
    const p = LwM2mPath.parse('/3/0/9');
    expect(Object.isFrozen(p)).toBe(true);
    expect(p.equals(new LwM2mPath(3, 0, 9))).toBe(true);
    expect(LwM2mPath.parse('/3/0').contains(p)).toBe(true);
    expect(p.contains(LwM2mPath.parse('/3/0'))).toBe(false);
    expect(p.segments('/lwm2m')).toEqual(['lwm2m', '3', '0', '9']);
  });
});
