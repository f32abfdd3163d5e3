import { describe, expect, it } from 'vitest';
import { MemoryTwinStore } from '../../../server/twin/memory-twin-store.ts';
import { T0, twinStoreContract, type TestClock } from './twin-store.contract.ts';

twinStoreContract('MemoryTwinStore', async () => {
  const clock: TestClock = { now: T0 };
  const now = () => clock.now;
  const store = new MemoryTwinStore({ now, query: { scanBudget: 1000, fewCandidates: 0 } });
  const other = new MemoryTwinStore({ backend: store.backend, now, query: { scanBudget: 1000, fewCandidates: 0 } });
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

describe('MemoryTwinStore instances', () => {
  it('share twins only through a shared backend', async () => {
    const a = new MemoryTwinStore({ now: () => T0 });
    const sameBackend = new MemoryTwinStore({ backend: a.backend, now: () => T0 });
    const separate = new MemoryTwinStore({ now: () => T0 });
    await a.ensure('dev');
    expect(await sameBackend.get('dev')).toBeDefined();
    expect(await separate.get('dev')).toBeUndefined();
    await Promise.all([a.close(), sameBackend.close(), separate.close()]);
  });
});
