import { describe, expect, it } from 'vitest';
import { DeadlineScheduler, type Schedulable } from '../../client/deadline-scheduler.ts';
import { sleep } from './helpers/wait.ts';

function item(log: string[], name: string): Schedulable {
  return { schedAt: 0, schedIndex: -1, onDeadline: () => void log.push(name) };
}

describe('DeadlineScheduler', () => {
  it('fires items in deadline order with one timer, honouring moves and cancels', async () => {
    const s = new DeadlineScheduler();
    const log: string[] = [];
    const now = Date.now();
    const a = item(log, 'a');
    const b = item(log, 'b');
    const c = item(log, 'c');
    const d = item(log, 'd');
    s.schedule(a, now + 60);
    s.schedule(b, now + 20);
    s.schedule(c, now + 40);
    s.schedule(d, now + 30);
    s.schedule(a, now + 10); // moved earlier
    s.cancel(d);
    expect(s.size).toBe(3);
    expect(s.isScheduled(d)).toBe(false);
    for (let waited = 0; log.length < 3 && waited < 5000; waited += 20) await sleep(20);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(s.size).toBe(0);
  });

  it('keeps the heap consistent under many random operations', () => {
    const s = new DeadlineScheduler();
    const items: Schedulable[] = Array.from({ length: 500 }, () => ({ schedAt: 0, schedIndex: -1, onDeadline: () => undefined }));
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let k = 0; k < 5000; k++) {
      const it = items[Math.floor(rnd() * items.length)];
      if (rnd() < 0.2) s.cancel(it);
      else s.schedule(it, Date.now() + 1e6 + Math.floor(rnd() * 1e6));
    }
    const heap = (s as unknown as { heap: Schedulable[] }).heap;
    heap.forEach((x, i) => {
      expect(x.schedIndex).toBe(i);
      if (i > 0) expect(heap[(i - 1) >> 1].schedAt).toBeLessThanOrEqual(x.schedAt);
    });
    for (const it of items) s.cancel(it);
    expect(s.size).toBe(0);
  });

  it('lets an item reschedule itself from its callback without looping', async () => {
    const s = new DeadlineScheduler();
    let runs = 0;
    const self: Schedulable = {
      schedAt: 0,
      schedIndex: -1,
      onDeadline: (now) => {
        runs++;
        if (runs < 3) s.schedule(self, now); // due again at once: runs on the next timer turn
      },
    };
    s.schedule(self, Date.now());
    // Each rerun waits for a timer turn, which a loaded machine may delay: wait for the third run, then make sure
    // no fourth follows (no loop).
    for (let waited = 0; runs < 3 && waited < 5000; waited += 10) await sleep(10);
    await sleep(50);
    expect(runs).toBe(3);
  });
});
