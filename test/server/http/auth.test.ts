import { describe, expect, it, vi } from 'vitest';

const compared: Array<[number, number]> = [];
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return actual.timingSafeEqual(a, b);
    },
  };
});
const { TokenAuth } = await import('../../../server/http/auth.ts');

describe('TokenAuth', () => {
  const auth = new TokenAuth({ 'short-token-0123': 'reader', 'a-much-longer-operator-token-0123456789': 'operator', 'admin-token-abcdefghijklmnop': 'admin' });

  it('finds the role of each token and nothing for others', () => {
    expect(auth.roleOf('Bearer short-token-0123')).toBe('reader');
    expect(auth.roleOf('bearer a-much-longer-operator-token-0123456789')).toBe('operator');
    expect(auth.roleOf('Bearer admin-token-abcdefghijklmnop')).toBe('admin');
    expect(auth.roleOf('Bearer admin-token-abcdefghijklmnoq')).toBeUndefined();
    expect(auth.roleOf('Bearer admin-token-abcdefghijklmno')).toBeUndefined();
    expect(auth.roleOf('Basic admin-token-abcdefghijklmnop')).toBeUndefined();
    expect(auth.roleOf(undefined)).toBeUndefined();
  });

  it('does the same constant-time work for every presented token, whatever its length', () => {
    // A comparison skipped when the lengths differ tells an attacker the token's length by timing.
    for (const presented of ['x', 'short-token-0123', 'y'.repeat(16), 'z'.repeat(500), 'a-much-longer-operator-token-0123456789']) {
      compared.length = 0;
      auth.roleOf(`Bearer ${presented}`);
      expect(compared).toHaveLength(3);
      expect(new Set(compared.flat())).toEqual(new Set([32]));
    }
  });
});
