import { describe, expect, it } from 'vitest';
import { DeviceLocks } from '../../../jobs/runtime/device-locks.ts';

describe('DeviceLocks', () => {
  it('runs holders of one key one at a time in acquisition order, other keys in parallel', async () => {
    const locks = new DeviceLocks();
    const log: string[] = [];
    const run = async (key: string, name: string, ms: number): Promise<void> => {
      const release = await locks.acquire(key);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      release();
    };
    await Promise.all([run('a', 'a1', 30), run('a', 'a2', 5), run('b', 'b1', 10), run('a', 'a3', 1)]);
    expect(log.filter((l) => l.endsWith('a1') || l.endsWith('a2') || l.endsWith('a3'))).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(locks.size).toBe(0);
  });

  it('ignores a second release', async () => {
    const locks = new DeviceLocks();
    const release = await locks.acquire('a');
    release();
    release();
    const next = await locks.acquire('a');
    let third = false;
    const pending = locks.acquire('a').then((r) => {
      third = true;
      r();
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(third).toBe(false);
    next();
    await pending;
    expect(third).toBe(true);
  });
});
