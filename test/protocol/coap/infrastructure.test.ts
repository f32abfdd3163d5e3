import { describe, expect, it } from 'vitest';
import { ExpiringMap } from '../../../protocol/coap/expiring-map.ts';
import { MessageIdAllocator } from '../../../protocol/coap/message-id.ts';
import { TimerWheel, type Timed } from '../../../protocol/coap/timer-wheel.ts';
import { performance } from 'node:perf_hooks';

function timed(onTimer: (now: number) => void): Timed {
  return { wheelSlot: -1, wheelIndex: 0, onTimer };
}

describe('TimerWheel', () => {
  it('fires entries in deadline order, skips cancelled ones and stops when empty', async () => {
    const wheel = new TimerWheel(2);
    const fired: string[] = [];
    const now = performance.now();
    const a = timed(() => fired.push('a'));
    const b = timed(() => fired.push('b'));
    const c = timed(() => fired.push('c'));
    wheel.schedule(a, now + 30);
    wheel.schedule(b, now + 10);
    wheel.schedule(c, now + 20);
    wheel.cancel(c);
    expect(wheel.size).toBe(2);
    expect(wheel.running).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toEqual(['b', 'a']);
    expect(wheel.size).toBe(0);
    expect(wheel.running).toBe(false);
  });

  it('reschedules an entry from its own callback and never fires a cancelled one', async () => {
    const wheel = new TimerWheel(2);
    let count = 0;
    const t: Timed = timed((now) => {
      if (++count < 3) wheel.schedule(t, now + 4);
    });
    wheel.schedule(t, performance.now() + 4);
    const never = timed(() => expect.unreachable());
    wheel.schedule(never, performance.now() + 4);
    wheel.cancel(never);
    // Wait for the outcome rather than a fixed time: a loaded machine may run the wheel late.
    for (let waited = 0; (count < 3 || wheel.running) && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    expect(count).toBe(3);
    expect(wheel.running).toBe(false);
  });
});

describe('ExpiringMap', () => {
  it('evicts the oldest entry beyond the cap and expired entries on access', () => {
    const evicted: string[] = [];
    const m = new ExpiringMap<string, { expiresAt: number }>(2, (k) => evicted.push(k));
    m.set('a', { expiresAt: 100 }, 0);
    m.set('b', { expiresAt: 100 }, 0);
    m.set('c', { expiresAt: 200 }, 0);
    expect(evicted).toEqual(['a']);
    expect(m.get('b', 50)).toBeDefined();
    expect(m.get('b', 100)).toBeUndefined();
    expect(m.size).toBe(1);
    m.prune(300);
    expect(m.size).toBe(0);
  });
});

describe('MessageIdAllocator', () => {
  it('counts up per peer, wraps at 16 bits and bounds the number of peers', () => {
    const ids = new MessageIdAllocator(2);
    const first = ids.allocate('p1');
    expect(ids.allocate('p1')).toBe((first + 1) & 0xffff);
    let outOfRange = 0;
    const seen = new Set<number>();
    for (let i = 0; i < 70_000; i++) {
      const id = ids.allocate('p1');
      if (id < 0 || id > 0xffff) outOfRange++;
      seen.add(id);
    }
    expect(outOfRange).toBe(0);
    expect(seen.size).toBe(65_536);
    ids.allocate('p2');
    ids.allocate('p3');
    expect(ids.size).toBe(2);
  });
});
