import { describe, expect, it } from 'vitest';
import { identityKey } from '../../../protocol/dtls/identity.ts';
import { mayActFor } from '../../../server/lwm2m/transport-security.ts';
import type { Registration } from '../../../server/registration/registration.ts';

const at = { address: '127.0.0.1', port: 5000 };
const psk = (identity: string) => ({ ...at, identity: { kind: 'psk' as const, identity } });

describe('mayActFor: who may Update, De-register, Send and notify for a registration', () => {
  it('only the DTLS identity recorded at Register, for a secured registration', () => {
    const reg = { security: 'psk', identity: identityKey({ kind: 'psk', identity: 'dev-a' }) } as Registration;
    expect(mayActFor(reg, psk('dev-a'))).toBe(true);
    expect(mayActFor(reg, psk('dev-b'))).toBe(false); // another session, even from the same address
    expect(mayActFor(reg, at)).toBe(false); // plain CoAP
    expect(mayActFor(reg, { ...at, identity: { kind: 'x509', commonName: 'dev-a', certificate: Buffer.alloc(1) } })).toBe(false);
  });

  it('plain CoAP only, for a plain registration', () => {
    const reg = {} as Registration;
    expect(mayActFor(reg, at)).toBe(true);
    expect(mayActFor(reg, psk('dev-a'))).toBe(false);
  });

  it('identity keys: raw public keys by fingerprint, certificates by CN', () => {
    expect(identityKey({ kind: 'rpk', publicKey: Buffer.from([1, 2]) })).toMatch(/^rpk:[0-9a-f]{64}$/);
    expect(identityKey({ kind: 'x509', commonName: 'ep', certificate: Buffer.alloc(3) })).toBe('x509:ep');
  });
});
