import { MemoryTwinStore } from '../../../server/twin/memory-twin-store.ts';
import { T0, twinStoreContract, type TestClock } from './twin-store.contract.ts';

twinStoreContract('MemoryTwinStore', async () => {
  const clock: TestClock = { now: T0 };
  const now = () => clock.now;
  const store = new MemoryTwinStore({ now, query: { scanBudget: 1000 } });
  const other = new MemoryTwinStore({ backend: store.backend, now, query: { scanBudget: 1000 } });
  return {
    store,
    other,
    clock,
    cleanup: async () => {
      await store.close();
      await other.close();
    },
  };
});
