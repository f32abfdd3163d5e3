import { describe, expect, it } from 'vitest';
import type { IncomingResponse, ObservationControl } from '../../../protocol/coap/types.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { ObservationRegistry, type NewObservation } from '../../../server/lwm2m/observation-registry.ts';

/** A CoAP observation stand-in that records passive and active cancels. */
function control(key: string): ObservationControl & { forgotten: number; cancelled: number } {
  return {
    tokenKey: key,
    get token() {
      return Buffer.from(key, 'latin1');
    },
    forgotten: 0,
    cancelled: 0,
    forget() {
      this.forgotten++;
    },
    cancel(): Promise<IncomingResponse | undefined> {
      this.cancelled++;
      return Promise.resolve(undefined);
    },
  };
}

function observation(endpoint: string, token: string, paths = ['/3/0']): NewObservation & { control: ReturnType<typeof control> } {
  return { endpoint, registrationId: `reg-${endpoint}`, paths: paths.map((p) => LwM2mPath.parse(p)), composite: false, control: control(token), lastReceivedAt: 1000.7 };
}

describe('ObservationRegistry', () => {
  it('keeps one compact record per observation: the paths are shared across devices, the token is the CoAP observation’s', () => {
    const registry = new ObservationRegistry();
    const a = registry.add(observation('dev-a', 'tok-a'));
    const b = registry.add(observation('dev-b', 'tok-b'));
    expect(a.paths).toBe(b.paths);
    expect(a.paths.map(String)).toEqual(['/3/0']);
    expect(Object.isFrozen(a.paths)).toBe(true);
    expect([a.key, a.tokenKey, a.token.toString('latin1'), a.registrationId]).toEqual(['/3/0', 'tok-a', 'tok-a', 'reg-dev-a']);
    expect(a.lastReceivedAt).toBe(1000);
    expect(registry.byTokenKey('tok-b')).toBe(b);
    expect(registry.get('dev-a', [LwM2mPath.parse('/3/0')])).toBe(a);
    expect([registry.size(), registry.pathSetCount()]).toEqual([2, 1]);
    expect(Object.values(a).some((v) => typeof v === 'function')).toBe(false);
  });

  it('replaces an observation of the same paths (forgetting the old one), and releases the shared paths with the last record', () => {
    const registry = new ObservationRegistry();
    const first = observation('dev', 'tok-1');
    const old = registry.add(first);
    registry.add(observation('dev', 'tok-4', ['/4/0']));
    const again = registry.add(observation('dev', 'tok-2'));
    expect(first.control.forgotten).toBe(1);
    expect(registry.isCurrent(old)).toBe(false);
    expect(registry.byTokenKey('tok-1')).toBeUndefined();
    expect(registry.list('dev').map((o) => o.tokenKey)).toEqual(['tok-2', 'tok-4']);
    expect(registry.remove(old)).toBe(false);
    expect(registry.remove(again)).toBe(true);
    expect([registry.size(), registry.pathSetCount()]).toEqual([1, 1]);
    expect(registry.dropAll('dev')).toBe(1);
    expect([registry.size(), registry.pathSetCount(), registry.list('dev')]).toEqual([0, 0, []]);
  });

  it('dropAll forgets every observation of an endpoint so its tokens are refused, and leaves other endpoints alone', () => {
    const registry = new ObservationRegistry();
    const mine = [observation('dev', 't1', ['/3/0']), observation('dev', 't2', ['/5/0'])];
    for (const o of mine) registry.add(o);
    const theirs = observation('other', 't3');
    registry.add(theirs);
    expect(registry.dropAll('dev')).toBe(2);
    expect(mine.map((o) => o.control.forgotten)).toEqual([1, 1]);
    expect(theirs.control.forgotten).toBe(0);
    expect([registry.byTokenKey('t1'), registry.byTokenKey('t3')?.endpoint]).toEqual([undefined, 'other']);
  });

  it('judges freshness by Observe number and arrival (RFC 7641 §3.4) on the compact record', () => {
    const registry = new ObservationRegistry();
    const obs = registry.add({ ...observation('dev', 't'), lastSeq: 10 });
    expect(registry.accept(obs, 9, 2000.5)).toBe(false);
    expect(registry.accept(obs, 11, 2000.5)).toBe(true);
    expect([obs.lastSeq, obs.lastReceivedAt]).toEqual([11, 2000]);
    expect(registry.accept(obs, 5, 2000 + 128_001)).toBe(true); // more than 128 s later: newer whatever its number
    registry.remove(obs);
    expect(registry.accept(obs, 12, 200_000)).toBe(false);
    expect(registry.counters).toEqual({ accepted: 2, stale: 1, unknown: 1 });
  });
});
