import { describe, expect, it } from 'vitest';
import { hashToRegistration, registrationToFields } from '../../../server/registration/registration-hash.ts';
import { decodeObjectLinks, encodeObjectLinks, sharedObjectLinks } from '../../../server/registration/registration-parts.ts';
import { applyRegistrationUpdate, createRegistration, type NewRegistration } from '../../../server/registration/registration.ts';

const device = (endpoint: string, port: number): NewRegistration => ({
  endpoint,
  peer: { address: '127.0.0.1', port },
  lifetime: 300,
  binding: 'U',
  queueMode: false,
  lwm2mVersion: '1.1',
  serverId: 'node-a',
  contentFormats: [60, 110, 112],
  objectLinks: [{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0, version: '1.1' }, { objectId: 5 }],
});

/** The registration as a store read gives it back. */
function stored(input: NewRegistration) {
  const reg = createRegistration(input, { now: 1_000, graceMs: 0 });
  const f = registrationToFields(reg);
  return hashToRegistration({ d: f.blob, id: f.registrationId, lt: String(f.lifetime), lu: String(f.lastUpdate), ex: String(reg.expiresAt) })!;
}

describe('registration parts shared across devices', () => {
  it('two devices of one type point at one frozen copy of their object links and content formats, from Register and from the store', () => {
    const a = createRegistration(device('a', 5001), { now: 1_000, graceMs: 0 });
    const b = createRegistration(device('b', 5002), { now: 1_000, graceMs: 0 });
    const c = stored(device('c', 5003));
    expect(b.objectLinks).toBe(a.objectLinks);
    expect(c.objectLinks).toBe(a.objectLinks);
    expect(c.contentFormats).toBe(a.contentFormats);
    expect(Object.isFrozen(a.objectLinks) && Object.isFrozen(a.objectLinks[0]) && Object.isFrozen(a.contentFormats)).toBe(true);
    expect(a.objectLinks).toEqual([{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0, version: '1.1' }, { objectId: 5 }]);
    expect(Object.keys(a.objectLinks[2])).toEqual(['objectId']); // absent fields stay absent
    expect(c).toEqual({ ...a, endpoint: 'c', registrationId: c.registrationId, peer: { address: '127.0.0.1', port: 5003 } });
  });

  it('an Update with other links gets the shared copy of those, and leaves the first set to the devices still using it', () => {
    const a = createRegistration(device('a', 5001), { now: 1_000, graceMs: 0 });
    const updated = applyRegistrationUpdate(a, { peer: a.peer, lastUpdate: 2_000, graceMs: 0, objectLinks: [{ objectId: 3, instanceId: 0 }] });
    expect(updated.objectLinks).toEqual([{ objectId: 3, instanceId: 0 }]);
    expect(updated.objectLinks).toBe(sharedObjectLinks([{ objectId: 3, instanceId: 0 }]));
    expect(a.objectLinks).toHaveLength(3);
    const contentFormats = applyRegistrationUpdate(a, { peer: a.peer, lastUpdate: 2_000, graceMs: 0 }).contentFormats;
    expect(contentFormats).toBe(a.contentFormats);
  });

  it('object links round-trip through their stored form, versions encoded', () => {
    const links = [{ objectId: 3, instanceId: 0, version: '1.1' }, { objectId: 19, version: 'a,b@c' }, { objectId: 4, instanceId: 12 }];
    const text = encodeObjectLinks(links);
    expect(text).toBe('3/0@1.1,19@a%2Cb%40c,4/12');
    expect(decodeObjectLinks(text)).toEqual(links);
    expect(decodeObjectLinks('')).toEqual([]);
  });
});
