import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../../server/lwm2m/typed-emitter.ts';

interface Events {
  ping: { n: number };
}

describe('TypedEmitter', () => {
  it('runs every listener even when one throws, and reports the throw', () => {
    const errors: string[] = [];
    const e = new TypedEmitter<Events>((event, err) => errors.push(`${event}:${(err as Error).message}`));
    const seen: number[] = [];
    e.on('ping', () => {
      throw new Error('boom');
    });
    e.on('ping', (p) => seen.push(p.n));
    e.emit('ping', { n: 1 });
    expect(seen).toEqual([1]);
    expect(errors).toEqual(['ping:boom']);
  });

  it('once listeners run once; next() resolves with the first matching payload', async () => {
    const e = new TypedEmitter<Events>();
    const seen: number[] = [];
    e.once('ping', (p) => seen.push(p.n));
    const next = e.next('ping', (p) => p.n > 1);
    e.emit('ping', { n: 1 });
    e.emit('ping', { n: 2 });
    expect(seen).toEqual([1]);
    expect(await next).toEqual({ n: 2 });
    expect(e.listenerCount('ping')).toBe(0);
  });
});
