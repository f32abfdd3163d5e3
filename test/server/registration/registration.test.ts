import { describe, expect, it } from 'vitest';
import {
  applyRegistrationUpdate,
  computeExpiresAt,
  createRegistration,
  formatPeer,
  newRegistrationId,
  REGISTRATION_ID_LENGTH,
} from '../../../server/registration/registration.ts';

describe('newRegistrationId', () => {
  it('makes short URL-safe base62 ids', () => {
    const ids = Array.from({ length: 2000 }, () => newRegistrationId());
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{10}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(REGISTRATION_ID_LENGTH).toBe(10);
    expect(newRegistrationId(4)).toMatch(/^[0-9A-Za-z]{4}$/);
  });

  it('uses the whole alphabet', () => {
    const chars = new Set(Array.from({ length: 500 }, () => newRegistrationId()).join(''));
    expect(chars.size).toBe(62);
  });
});

describe('createRegistration', () => {
  it('fills in the id, times and defaults', () => {
    const reg = createRegistration(
      { endpoint: 'dev', peer: { address: '10.0.0.1', port: 5683 }, lifetime: 60, binding: 'U', queueMode: false, lwm2mVersion: '1.1' },
      { now: 1_000_000, graceMs: 500, registrationId: 'abc' },
    );
    expect(reg).toEqual({
      endpoint: 'dev',
      registrationId: 'abc',
      peer: { address: '10.0.0.1', port: 5683 },
      lifetime: 60,
      binding: 'U',
      queueMode: false,
      lwm2mVersion: '1.1',
      rootPath: '/',
      contentFormats: [],
      objectLinks: [],
      registeredAt: 1_000_000,
      lastUpdate: 1_000_000,
      expiresAt: 1_000_000 + 60_000 + 500,
    });
    expect(createRegistration({ ...reg, smsNumber: '123' }, { now: 0, graceMs: 0 }).registrationId).toMatch(/^[0-9A-Za-z]{10}$/);
  });
});

describe('applyRegistrationUpdate', () => {
  const reg = createRegistration(
    { endpoint: 'dev', peer: { address: '10.0.0.1', port: 5683 }, lifetime: 60, binding: 'U', queueMode: true, lwm2mVersion: '1.0', smsNumber: '1' },
    { now: 1000, graceMs: 0 },
  );

  it('keeps what the Update does not carry and moves lastUpdate and expiresAt', () => {
    const next = applyRegistrationUpdate(reg, { peer: { address: '10.0.0.2', port: 1 }, lastUpdate: 5000, graceMs: 100 });
    expect(next).toEqual({ ...reg, peer: { address: '10.0.0.2', port: 1 }, lastUpdate: 5000, expiresAt: 5000 + 60_000 + 100 });
  });

  it('takes the new lifetime into the expiry', () => {
    const next = applyRegistrationUpdate(reg, { peer: reg.peer, lastUpdate: 5000, graceMs: 0, lifetime: 10, queueMode: false, smsNumber: '2' });
    expect(next).toMatchObject({ lifetime: 10, expiresAt: 15_000, queueMode: false, smsNumber: '2', registeredAt: 1000 });
  });
});

describe('helpers', () => {
  it('computes the expiry and formats peers', () => {
    expect(computeExpiresAt(1000, 2, 3)).toBe(3003);
    expect(formatPeer({ address: '192.0.2.1', port: 5683 })).toBe('192.0.2.1:5683');
    expect(formatPeer({ address: '2001:db8::1', port: 5684 })).toBe('[2001:db8::1]:5684');
  });
});
