import { describe, expect, it } from 'vitest';
import { SharedValues } from '../../protocol/shared-values.ts';

describe('SharedValues', () => {
  it('hands every holder of a key the same value and forgets it when the last holder releases it', () => {
    const table = new SharedValues<{ n: number }>();
    let made = 0;
    const make = () => ({ n: ++made });
    const a = table.acquire('k', make);
    const b = table.acquire('k', make);
    const other = table.acquire('j', make);
    expect(b).toBe(a);
    expect(a.value).toEqual({ n: 1 });
    expect([a.refs, made, table.size]).toEqual([2, 2, 2]);
    table.release(a);
    expect(table.size).toBe(2);
    table.release(b);
    expect(table.size).toBe(1);
    const c = table.acquire('k', make);
    expect(c).not.toBe(a);
    expect(c.value).toEqual({ n: 3 });
    table.release(other);
    table.release(c);
    expect(table.size).toBe(0);
  });

  it('ignores a release beyond the acquisitions and never drops a newer entry under the same key', () => {
    const table = new SharedValues<string>();
    const old = table.acquire('k', () => 'old');
    table.release(old);
    const fresh = table.acquire('k', () => 'new');
    table.release(old); // a second release of the old entry
    expect([fresh.refs, table.size, fresh.value]).toEqual([1, 1, 'new']);
  });
});
