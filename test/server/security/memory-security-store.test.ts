import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isServerError } from '../../../server/errors.ts';
import { MemorySecurityStore } from '../../../server/security/memory-security-store.ts';
import { securityStoreContract } from './security-store.contract.ts';

securityStoreContract('MemorySecurityStore', async () => {
  const store = new MemorySecurityStore('dm');
  return { store, other: store, cleanup: () => store.close() };
});

describe('MemorySecurityStore, beyond the contract', () => {
  it('hands out copies: a caller that overwrites a key it was given does not change the stored key', async () => {
    const store = new MemorySecurityStore();
    const key = randomBytes(16);
    const original = Buffer.from(key);
    await store.put('dev-1', { mode: 'psk', identity: 'id-1', key });
    const got = await store.get('dev-1');
    if (got?.mode !== 'psk') throw new Error('expected a psk entry');
    got.key.fill(0);
    (await store.findByPskIdentity('id-1'))!.key.fill(0);
    expect(await store.findByPskIdentity('id-1')).toEqual({ endpoint: 'dev-1', key: original });
  });

  it('refuses every call once closed, instead of answering from memory', async () => {
    const store = new MemorySecurityStore();
    await store.put('dev-1', { mode: 'x509' });
    await store.close();
    const err = await store.get('dev-1').catch((e: unknown) => e);
    expect(isServerError(err, 'INTERNAL')).toBe(true);
    await expect(store.put('dev-2', { mode: 'x509' })).rejects.toThrow('security store is closed');
  });
});
