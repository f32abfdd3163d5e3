import { describe, expect, it } from 'vitest';
import { RegistrationCache } from '../../../server/lwm2m/registration-cache.ts';
import { createRegistration, type Registration } from '../../../server/registration/registration.ts';

const reg = (endpoint: string, now = 1000): Registration =>
  createRegistration({ endpoint, peer: { address: '127.0.0.1', port: 5000 }, lifetime: 300, binding: 'U', queueMode: false, lwm2mVersion: '1.1' }, { now, graceMs: 0 });

describe('RegistrationCache', () => {
  it('a registration read after a miss takes free room but never evicts: round-robin lookups over one device more than the bound miss only for that device', () => {
    const cache = new RegistrationCache(3);
    for (const ep of ['a', 'b', 'c']) cache.put(reg(ep));
    const misses: string[] = [];
    // notifications round-robin over 4 devices against 3 entries: a miss reads the store and hands the result back
    for (let round = 0; round < 5; round++) {
      for (const ep of ['a', 'b', 'c', 'd']) {
        if (cache.get(ep) === undefined) {
          misses.push(ep);
          cache.putRead(reg(ep));
        }
      }
    }
    expect(misses).toEqual(['d', 'd', 'd', 'd', 'd']);
    expect(cache.size).toBe(3);
  });

  it('a read refreshes an endpoint it holds, and fills free room', () => {
    const cache = new RegistrationCache(3);
    cache.put(reg('a', 1000));
    const newer = reg('a', 2000);
    cache.putRead(newer);
    expect(cache.get('a')).toBe(newer);
    cache.putRead(reg('b'));
    expect(cache.get('b')?.endpoint).toBe('b');
  });

  it('a Register or Update (put) still evicts the least recently used entry when full', () => {
    const cache = new RegistrationCache(2);
    cache.put(reg('a'));
    cache.put(reg('b'));
    cache.get('a');
    cache.put(reg('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.endpoint).toBe('a');
    expect(cache.get('c')?.endpoint).toBe('c');
  });
});
