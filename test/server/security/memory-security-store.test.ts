import { MemorySecurityStore } from '../../../server/security/memory-security-store.ts';
import { securityStoreContract } from './security-store.contract.ts';

securityStoreContract('MemorySecurityStore', async () => {
  const store = new MemorySecurityStore('dm');
  return { store, other: store, cleanup: () => store.close() };
});
