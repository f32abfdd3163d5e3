import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../server/sync/fifo.ts';

describe('Fifo', () => {
  it('hands items back in the order they were pushed, across its compactions', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    let next = 0;
    // interleave pushes and shifts so the consumed prefix is dropped many times while items wait behind it
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3000; i++) q.push(next++);
      for (let i = 0; i < 2500; i++) out.push(q.shift()!);
    }
    expect(q.length).toBe(next - out.length);
    while (q.length > 0) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
  });

  it('is empty after clear and usable again', () => {
    const q = new Fifo<string>();
    q.push('a');
    q.push('b');
    q.clear();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    q.push('c');
    expect(q.shift()).toBe('c');
  });
});
