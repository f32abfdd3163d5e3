import { CoapClient } from 'node-coap-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtlsEvents, registrationOf, securityOnceRegistered } from '../helpers/dtls-devices.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * node-coap-client (DTLS from node-dtls-client, a TypeScript DTLS 1.2 client no one here wrote) registers over coaps
 * with a PSK against the whole server: Register answered 2.01 and the registration and twin say `psk`; a wrong key
 * registers nothing. node-coap-client is a client only, so the server's follow-up requests to the device go
 * unanswered; the registration does not depend on them.
 */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ observeObjects: [] });
});
afterAll(async () => {
  CoapClient.reset();
  await t.stop();
});

/** node-coap-client takes the PSK as a string and uses its bytes as the key. */
const asciiKey = (ep: string): string => `node-coap-client-key-${ep}`.slice(0, 32);

async function provision(ep: string): Promise<{ identity: string; key: string }> {
  const identity = `ncc-id-${ep}`;
  const key = asciiKey(ep);
  await t.api.put(`/api/devices/${ep}/security`, { mode: 'psk', identity, key: Buffer.from(key).toString('hex') });
  return { identity, key };
}

const registration = (ep: string) => registrationOf(t, ep);
const handshakeFailures = () => dtlsEvents(t, 'handshake_failed');

const registerUrl = (ep: string): string => `coaps://127.0.0.1:${t.coaps.port}/rd?ep=${ep}&lt=60&lwm2m=1.1&b=U`;

describe('node-coap-client (node-dtls-client) over coaps with a PSK', () => {
  it('registers: 2.01, the registration and the twin say psk', async () => {
    const ep = 'ncc-device';
    const { identity, key } = await provision(ep);
    CoapClient.reset();
    CoapClient.setSecurityParams('127.0.0.1', { psk: { [identity]: key } });
    // node-coap-client 2.1.0 labels every request application/json (Content-Format 50): a link-format payload would
    // arrive mislabelled and be refused (next test), so this Register carries no payload.
    const res = await CoapClient.request(registerUrl(ep), 'post', undefined, { keepAlive: true, confirmable: true });
    expect(res.code.toString(), res.payload?.toString()).toBe('2.01');
    const security = await securityOnceRegistered(t, ep);
    expect(security.registration).toBe('psk');
    expect(security.twin).toBe('psk');
    expect(security.reported.lwm2m.endpoint).toBe(ep);
  });

  it('a Register whose link-format payload is labelled application/json is refused with 4.00 over the session', async () => {
    const ep = 'ncc-mislabelled';
    const { identity, key } = await provision(ep);
    CoapClient.reset();
    CoapClient.setSecurityParams('127.0.0.1', { psk: { [identity]: key } });
    const res = await CoapClient.request(registerUrl(ep), 'post', Buffer.from('</1/0>,</3/0>'), { keepAlive: true, confirmable: true });
    expect(res.code.toString()).toBe('4.00');
    expect(res.payload?.toString()).toMatch(/link-format/);
    expect(await registration(ep)).toBeUndefined();
  });

  it('a wrong key: the handshake fails and nothing registers', async () => {
    const ep = 'ncc-wrong-key';
    const { identity } = await provision(ep);
    const before = await handshakeFailures();
    CoapClient.reset();
    CoapClient.setSecurityParams('127.0.0.1', { psk: { [identity]: 'definitely-not-the-right-key' } });
    const result = await CoapClient.tryToConnect(`coaps://127.0.0.1:${t.coaps.port}/`);
    expect(result).not.toBe(true);
    await eventually(async () => (await handshakeFailures()) > before, 'handshake failure counted');
    expect(await registration(ep)).toBeUndefined();
  });
});
