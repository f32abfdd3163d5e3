import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import { DtlsSocket } from '../../protocol/dtls/dtls-socket.ts';
import { dtlsEvents, registrationOf, securityOnceRegistered } from '../helpers/dtls-devices.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Devices register over coaps (DTLS 1.2 PSK) with stacks no one here wrote — libcoap's coap-client on OpenSSL and
 * on GnuTLS — and the identity-bound endpoint rules hold end to end over real UDP and a real Redis. node-coap-client
 * (node-dtls-client) has its own file, dtls-node-coap-client.test.ts.
 */
let t: TestServer;
const closers: { close(): unknown }[] = [];

beforeAll(async () => {
  t = await startTestServer({ observeObjects: [] });
});
afterAll(async () => {
  for (const c of closers) await c.close();
  await t.stop();
});

const asciiKey = (name: string): string => `key-of-${name}-0123456789`.slice(0, 32);

async function provision(ep: string, identity = `id-${ep}`): Promise<{ identity: string; key: string }> {
  const key = asciiKey(ep);
  await t.api.put(`/api/devices/${ep}/security`, { mode: 'psk', identity, key: Buffer.from(key).toString('hex') });
  return { identity, key };
}

function run(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => execFile(bin, args, { timeout: 15_000 }, (_err, stdout, stderr) => resolve({ stdout, stderr })));
}

const registration = (ep: string) => registrationOf(t, ep);

/** A device-side CoAP endpoint over DTLS PSK (lwtwin's own client stack). */
async function pskDevice(identity: string, key: string): Promise<CoapEndpoint> {
  const dtls = await DtlsSocket.bind({ client: { psk: { identity, key: Buffer.from(key) } }, retransmitInitialMs: 200 });
  const ep = CoapEndpoint.over(dtls);
  closers.push(ep);
  return ep;
}

const registerQuery = (ep: string): string[] => [`ep=${ep}`, 'lt=60', 'lwm2m=1.1', 'b=U'];

describe.each(['coap-client-openssl', 'coap-client-gnutls'])('%s registers over coaps with a PSK', (bin) => {
  it('the registration and the twin say psk', async () => {
    const ep = `libcoap-${bin.split('-').at(-1)}`;
    const { identity, key } = await provision(ep);
    await run(bin, ['-m', 'post', '-k', key, '-u', identity, '-t', '40', '-e', '</1/0>,</3/0>', '-B', '5', `coaps://127.0.0.1:${t.coaps.port}/rd?ep=${ep}&lt=60&lwm2m=1.1&b=U`]);
    const security = await securityOnceRegistered(t, ep);
    expect(security.registration).toBe('psk');
    expect(security.twin).toBe('psk');
  });

  it('a wrong key registers nothing', async () => {
    const ep = `libcoap-wrongkey-${bin.split('-').at(-1)}`;
    const { identity } = await provision(ep);
    const before = await metric('handshake_failed');
    await run(bin, ['-m', 'post', '-k', 'definitely-not-the-right-key', '-u', identity, '-B', '3', `coaps://127.0.0.1:${t.coaps.port}/rd?ep=${ep}&lt=60&b=U`]);
    await eventually(async () => (await metric('handshake_failed')) > before, 'handshake failure counted');
    expect(await registration(ep)).toBeUndefined();
  });
});

const metric = (event: string) => dtlsEvents(t, event);

describe('identity-bound endpoints', () => {
  it('an unknown PSK identity gets no session', async () => {
    const dev = await pskDevice('nobody-knows-me', asciiKey('x'));
    await expect(dev.request(t.coaps, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('ghost') }, { timeoutMs: 2000 })).rejects.toThrow();
    expect(await registration('ghost')).toBeUndefined();
  });

  it("a device presenting another device's endpoint name is refused with 4.03, and cannot update or de-register it", async () => {
    const a = await provision('bound-a');
    const b = await provision('bound-b');
    const devA = await pskDevice(a.identity, a.key);
    const regA = await devA.request(t.coaps, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('bound-a'), payload: Buffer.from('</3/0>') });
    expect(regA.code).toBe('2.01');
    const devB = await pskDevice(b.identity, b.key);
    const stolen = await devB.request(t.coaps, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('bound-a') });
    expect(stolen.code).toBe('4.03');
    const update = await devB.request(t.coaps, { method: 'POST', uriPath: regA.locationPath });
    expect(update.code).toBe('4.03');
    const del = await devB.request(t.coaps, { method: 'DELETE', uriPath: regA.locationPath });
    expect(del.code).toBe('4.03');
    expect((await registration('bound-a'))?.security).toBe('psk');
    expect((await devA.request(t.coaps, { method: 'POST', uriPath: regA.locationPath })).code).toBe('2.04');
    expect((await devA.request(t.coaps, { method: 'DELETE', uriPath: regA.locationPath })).code).toBe('2.02');
  });

  it('an endpoint with a security entry is refused over plain CoAP, and plain CoAP cannot touch a DTLS registration', async () => {
    const s = await provision('secured-only');
    const plain = await CoapEndpoint.bind();
    closers.push(plain);
    const res = await plain.request(t.coap, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('secured-only') });
    expect(res.code).toBe('4.03');
    expect(res.payload.toString()).toMatch(/coaps/);
    const dev = await pskDevice(s.identity, s.key);
    const reg = await dev.request(t.coaps, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('secured-only') });
    expect(reg.code).toBe('2.01');
    expect((await plain.request(t.coap, { method: 'DELETE', uriPath: reg.locationPath })).code).toBe('4.03');
    const open = await plain.request(t.coap, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('nosec-device') });
    expect(open.code).toBe('2.01');
    expect((await registration('nosec-device'))?.security).toBe('nosec');
  });
});

describe('--require-dtls', () => {
  it('refuses plain CoAP registrations altogether', async () => {
    const strict = await startTestServer({ requireDtls: true, observeObjects: [] });
    try {
      const plain = await CoapEndpoint.bind();
      closers.push(plain);
      const res = await plain.request(strict.coap, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('open-device') });
      expect(res.code).toBe('4.03');
      await strict.api.put('/api/devices/strict-dev/security', { mode: 'psk', identity: 'strict-id', key: Buffer.from(asciiKey('strict')).toString('hex') });
      const dev = await pskDevice('strict-id', asciiKey('strict'));
      expect((await dev.request(strict.coaps, { method: 'POST', uriPath: ['rd'], uriQuery: registerQuery('strict-dev') })).code).toBe('2.01');
    } finally {
      await strict.stop();
    }
  });
});
