import { describe, expect, it } from 'vitest';
import { isServerError } from '../../../server/errors.ts';
import { MemoryRegistrationStore } from '../../../server/registration/memory-registration-store.ts';
import { registrationStoreContract, sampleRegistration } from './registration-store.contract.ts';

registrationStoreContract('MemoryRegistrationStore', async () => {
  const store = new MemoryRegistrationStore();
  return { store, other: store, cleanup: () => store.close() };
});

describe('MemoryRegistrationStore', () => {
  it('returns frozen copies that callers cannot change', async () => {
    const store = new MemoryRegistrationStore();
    const reg = sampleRegistration('dev');
    await store.add(reg);
    const got = await store.getByEndpoint('dev');
    expect(Object.isFrozen(got)).toBe(true);
    expect(Object.isFrozen(got?.objectLinks)).toBe(true);
    expect(got).not.toBe(reg);
  });

  it('rejects calls after close with INTERNAL', async () => {
    const store = new MemoryRegistrationStore();
    await store.close();
    await expect(store.count()).rejects.toSatisfy((err) => isServerError(err, 'INTERNAL'));
  });
});
