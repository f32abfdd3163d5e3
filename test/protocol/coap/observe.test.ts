import { describe, expect, it } from 'vitest';
import { isNewerNotification } from '../../../protocol/coap/observe.ts';

describe('isNewerNotification (RFC 7641 §3.4)', () => {
  const at = (seq: number, receivedAt = 1_000_000) => ({ seq, receivedAt });

  it('is newer when the number rose by less than 2^23', () => {
    expect(isNewerNotification(at(5), at(6))).toBe(true);
    expect(isNewerNotification(at(0), at(2 ** 23 - 1))).toBe(true);
    expect(isNewerNotification(at(0), at(2 ** 23))).toBe(false);
  });
  it('is newer when the number fell by more than 2^23 (wrap-around)', () => {
    expect(isNewerNotification(at(2 ** 24 - 1), at(0))).toBe(true);
    expect(isNewerNotification(at(2 ** 23 + 1), at(0))).toBe(true);
    expect(isNewerNotification(at(2 ** 23), at(0))).toBe(false);
  });
  it('is not newer for an equal or slightly lower number', () => {
    expect(isNewerNotification(at(7), at(7))).toBe(false);
    expect(isNewerNotification(at(7), at(6))).toBe(false);
  });
  it('is newer, whatever the number, more than 128 s later', () => {
    expect(isNewerNotification(at(7, 0), at(6, 128_001))).toBe(true);
    expect(isNewerNotification(at(7, 0), at(6, 128_000))).toBe(false);
  });
});
