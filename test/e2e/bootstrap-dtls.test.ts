import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LwM2mClient } from '../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { DtlsClientCredentials } from '../../protocol/dtls/client-handshaker.ts';
import { DtlsSocket } from '../../protocol/dtls/dtls-socket.ts';
import { startSimulator } from '../../scripts/simulator/simulator.ts';
import { simulatorPsk } from '../../scripts/simulator/simulator-psk.ts';
import { cli } from '../helpers/cli.ts';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Zero-touch secure onboarding end to end: a device that knows only its bootstrap server (plain CoAP, or coaps with a
 * factory bootstrap PSK) is given a freshly generated DM PSK and the coaps DM server, then registers over DTLS; the
 * server observes it and reads it over that session. Plus the refusals: a wrong bootstrap PSK, a device bootstrapping
 * as another endpoint than its credentials hold, plain bootstrap of an endpoint with bootstrap credentials, and a
 * Bootstrap-Request on the DM coaps port.
 */
describe('secure onboarding: bootstrap server -> generated PSK -> coaps registration', () => {
  let t: TestServer;
  let bsPlain: { address: string; port: number };
  let bsSecure: { address: string; port: number };
  const secret = 'cd'.repeat(32);
  const FAST = { ackTimeoutMs: 300 };
  const sessions = async (ep: string) => (await t.api.get(`/api/bootstrap/${encodeURIComponent(ep)}/sessions`)).items;
  const setBootstrapPsk = async (ep: string, identity: string, key: Buffer) =>
    t.api.put(`/api/devices/${encodeURIComponent(ep)}/security?server=bootstrap`, { mode: 'psk', identity, key: key.toString('hex') });

  beforeAll(async () => {
    t = await startTestServer({ bootstrapPort: 0, bootstrapCoapsPort: 0, observeObjects: [3], requestTimeoutMs: 2000, serverSecret: 'bootstrap-dtls-secret-0123456789abcdef' }, { jobs: false });
    bsPlain = { address: '127.0.0.1', port: t.server.bootstrap.port! };
    bsSecure = { address: '127.0.0.1', port: t.server.bootstrap.coapsPort! };
    await t.api.put('/api/bootstrap', { server: { uri: `coaps://127.0.0.1:${t.coaps.port}`, shortServerId: 1, lifetime: 120 }, security: { mode: 'psk', generate: true } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  for (const transport of ['coap', 'coaps'] as const) {
    for (const version of ['1.0', '1.1'] as const) {
      it(`a ${version} device bootstrapping over ${transport} registers over DTLS PSK with its generated key`, async () => {
        const prefix = `bd-${transport}-${version.replace('.', '')}-`;
        const ep = `${prefix}0`;
        if (transport === 'coaps') {
          const { identity, key } = simulatorPsk(secret, ep);
          if (version === '1.0') await setBootstrapPsk(ep, identity, key);
          else {
            // The README's command for a device's factory bootstrap credentials.
            const set = await cli(['security', 'set', ep, '--bootstrap', '--psk-identity', identity, '--psk-key', key.toString('hex')], { LWTWIN_API_URL: t.server.httpUrl, LWTWIN_TOKEN: ADMIN_TOKEN });
            expect(set.code, set.stderr).toBe(0);
            expect(set.stdout).toContain(`${ep}: psk, identity "${identity}"`);
            expect(set.stdout).not.toContain(key.toString('hex'));
          }
        }
        const sim = startSimulator({
          count: 1,
          server: t.coap,
          bootstrap: transport === 'coaps' ? bsSecure : bsPlain,
          ...(transport === 'coaps' ? { bootstrapPskSecret: secret } : {}),
          prefix,
          seed: 5,
          v10Share: version === '1.0' ? 1 : 0,
          tickMs: 200,
          lifetime: 60,
          coapParams: FAST,
        });
        try {
          await sim.ready;
          expect(sim.stats()).toMatchObject({ registered: 1, failed: 0 });
          expect(await t.api.get(`/api/devices/${ep}`)).toMatchObject({ endpoint: ep, lwm2mVersion: version, security: 'psk', lifetime: 120 });
          const [s] = await sessions(ep);
          expect(s).toMatchObject({ outcome: 'finished', lwm2mVersion: version, contentFormat: version === '1.0' ? 11542 : 112, pskIdentity: ep });
          // The DM key the device registered with is the generated one, not its bootstrap key.
          const dmKey = (await t.server.security.dm.findByPskIdentity(ep))!.key;
          expect(dmKey.equals(simulatorPsk(secret, ep).key)).toBe(false);
          const first = await eventually(async () => {
            const tw = await t.api.get(`/api/devices/${ep}/twin`);
            const r = tw.properties.reported;
            return r.lwm2m?.security === 'psk' && r.lwm2m.bootstrappedAt && r.device?.batteryLevel !== undefined ? tw : undefined;
          }, 'twin with lwm2m.security, bootstrappedAt and observed values');
          const since = first.properties.reported.$metadata.device.batteryLevel.$lastUpdated;
          await eventually(async () => {
            const md = (await t.api.get(`/api/devices/${ep}/twin`)).properties.reported.$metadata.device.batteryLevel;
            return md.$source === 'notify' && md.$lastUpdated !== since;
          }, 'a notification over the DTLS session updates the twin');
          const read = await t.server.lwm2m.read(ep, '/3/0/0');
          expect(JSON.parse(JSON.stringify(read.leaves))).toEqual([{ path: '/3/0/0', value: 'lwtwin' }]);
        } finally {
          await sim.stop();
        }
      }, 30_000);
    }
  }

  it('a device whose DM key no longer works goes back to the bootstrap server, gets a new key and registers again', async () => {
    const ep = 'bd-fallback';
    const client = new LwM2mClient({
      endpointName: ep,
      bootstrap: { server: bsPlain },
      coapParams: FAST,
      dtlsOptions: { retransmitInitialMs: 200 },
      retry: { baseMs: 50, maxMs: 200, maxAttempts: 2 },
      instances: [new SimpleInstance(3, 0, { 0: 'acme' })],
    });
    try {
      await client.start();
      const firstKey = client.dmAccount!.pskKey!;
      // The operator revokes the DM credentials; the device reboots and its DTLS handshake now fails.
      await t.api.delete(`/api/devices/${ep}/security`);
      await client.stop();
      await client.start();
      expect(client.state).toBe('registered');
      const secondKey = client.dmAccount!.pskKey!;
      expect(secondKey.equals(firstKey)).toBe(false);
      expect((await t.server.security.dm.findByPskIdentity(ep))!.key).toEqual(secondKey);
      expect((await sessions(ep)).map((x: any) => x.outcome)).toEqual(['finished', 'finished']);
      expect(await t.api.get(`/api/devices/${ep}`)).toMatchObject({ security: 'psk' });
    } finally {
      await client.stop();
    }
  }, 30_000);

  it('a wrong bootstrap PSK ends in an alert, no session, and a denied entry in the audit', async () => {
    const ep = 'bd-wrong-key';
    await setBootstrapPsk(ep, ep, Buffer.alloc(16, 1));
    const client = new LwM2mClient({
      endpointName: ep,
      bootstrap: { server: bsSecure, dtls: { psk: { identity: ep, key: Buffer.alloc(16, 2) } }, maxAttempts: 1 },
      coapParams: FAST,
      dtlsOptions: { retransmitInitialMs: 200 },
      instances: [new SimpleInstance(3, 0, { 0: 'acme' })],
    });
    try {
      // Alert 20: bad_record_mac (RFC 5246 §7.2.2): the server could not authenticate the device's Finished.
      await expect(client.start()).rejects.toThrow(/bootstrap failed 1 times \(last: DTLS handshake failed: peer sent fatal alert 20\)/);
      const [s] = await eventually(async () => ((await sessions(ep)).length > 0 ? sessions(ep) : undefined), 'denied audit entry');
      expect(s).toMatchObject({ endpoint: ep, outcome: 'denied', error: expect.stringMatching(/DTLS handshake failed/) });
      expect(s.steps).toEqual([]);
      expect(await t.server.security.dm.summary(ep)).toBeUndefined();
      await expect(t.api.get(`/api/devices/${ep}`)).rejects.toThrow();
    } finally {
      await client.stop();
    }
  }, 20_000);

  /** A raw CoAP endpoint over a DTLS client socket with these credentials. */
  async function dtlsEndpoint(creds: DtlsClientCredentials): Promise<CoapEndpoint> {
    const dtls = await DtlsSocket.bind({ address: '127.0.0.1', port: 0, client: creds, retransmitInitialMs: 200, maxRetransmissions: 2 });
    return CoapEndpoint.over(dtls, { params: { ackTimeoutMs: 300, maxRetransmit: 1 } });
  }

  it('refuses (4.03) a device authenticated for endpoint A that asks to bootstrap as B, and plain bootstrap of an endpoint with bootstrap credentials', async () => {
    const key = Buffer.alloc(16, 7);
    await setBootstrapPsk('bd-a', 'bd-a-identity', key);
    await setBootstrapPsk('bd-b', 'bd-b-identity', Buffer.alloc(16, 8));
    const asA = await dtlsEndpoint({ psk: { identity: 'bd-a-identity', key } });
    const plain = await CoapEndpoint.bind({ address: '127.0.0.1', port: 0, params: { ackTimeoutMs: 300, maxRetransmit: 1 } });
    try {
      const res = await asA.request(bsSecure, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bd-b'] });
      expect(res.code).toBe('4.03');
      expect(res.payload.toString()).toMatch(/not the one the bootstrap credentials of bd-b hold/);
      const unknown = await asA.request(bsSecure, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bd-nobody'] });
      expect(unknown.code).toBe('4.03');
      const [s] = await sessions('bd-b');
      expect(s).toMatchObject({ outcome: 'denied', steps: [] });
      // Over plain CoAP an endpoint with bootstrap credentials is refused: no one could then fetch its DM key.
      const clear = await plain.request(bsPlain, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bd-a'] });
      expect(clear.code).toBe('4.03');
      expect(clear.payload.toString()).toMatch(/bootstrap over coaps/);
      expect(await t.server.security.dm.summary('bd-a')).toBeUndefined();
      expect(await t.server.security.dm.summary('bd-b')).toBeUndefined();
      // The same session may bootstrap as its own endpoint.
      expect((await asA.request(bsSecure, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bd-a'] })).code).toBe('2.04');
    } finally {
      await asA.close();
      await plain.close();
    }
  }, 20_000);

  it('refuses a Bootstrap-Request on the DM coaps port: bootstrap credentials do not open a session there, DM ones get 4.04', async () => {
    const bootKey = Buffer.alloc(16, 9);
    await setBootstrapPsk('bd-dm', 'bd-dm-boot', bootKey);
    const dmKey = Buffer.alloc(16, 10);
    await t.api.put('/api/devices/bd-dm/security', { mode: 'psk', identity: 'bd-dm', key: dmKey.toString('hex') });
    const withBootstrapKey = await dtlsEndpoint({ psk: { identity: 'bd-dm-boot', key: bootKey } });
    const withDmKey = await dtlsEndpoint({ psk: { identity: 'bd-dm', key: dmKey } });
    try {
      await expect(withBootstrapKey.request(t.coaps, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bd-dm'] }, { timeoutMs: 3000 })).rejects.toThrow();
      const res = await withDmKey.request(t.coaps, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bd-dm'] });
      expect(res.code).toBe('4.04');
      expect(await sessions('bd-dm')).toEqual([]);
    } finally {
      await withBootstrapKey.close();
      await withDmKey.close();
    }
  }, 20_000);
});
