import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LwM2mClient } from '../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import { startSimulator } from '../../scripts/simulator/simulator.ts';
import { SimulatedDevice } from '../../scripts/simulator/simulated-device.ts';
import { cli } from '../helpers/cli.ts';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../helpers/server.ts';
import { apiFailure } from '../helpers/api-errors.ts';

const FAST = { ackTimeoutMs: 300 };

async function rawEndpoint(onRequest?: (req: IncomingRequest) => OutgoingResponse | Promise<OutgoingResponse>): Promise<CoapEndpoint> {
  const ep = await CoapEndpoint.bind({ address: '127.0.0.1', port: 0, params: { ackTimeoutMs: 200, maxRetransmit: 1, requestTimeoutMs: 2000 } });
  if (onRequest) ep.onRequest(onRequest);
  return ep;
}

describe('LwM2M bootstrap server', () => {
  let t: TestServer;
  let bs: { address: string; port: number };
  const dmUri = () => `coap://127.0.0.1:${t.coap.port}`;
  const sessions = async (ep: string) => (await t.api.get(`/api/bootstrap/${encodeURIComponent(ep)}/sessions`)).items;

  beforeAll(async () => {
    t = await startTestServer({ bootstrapPort: 0, requestTimeoutMs: 1500, serverSecret: 'bootstrap-e2e-secret-0123456789abcdef' }, { jobs: false });
    bs = { address: '127.0.0.1', port: t.server.bootstrap.port! };
    await t.api.put('/api/bootstrap', { server: { uri: dmUri(), shortServerId: 7, lifetime: 120, binding: 'U' }, security: { mode: 'nosec' }, writes: [{ path: '/3/0/15', value: 'Europe/Oslo' }] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('bootstraps a 1.1 device with SenML CBOR, which then registers with the DM server it was given', async () => {
    const events: any[] = [];
    const abort = new AbortController();
    void (async () => {
      for await (const e of t.api.events({ types: 'bootstrap', deviceId: 'bs-11' }, abort.signal)) events.push(e.data);
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const device = new SimulatedDevice({ name: 'bs-11', seed: 1, server: bs, bootstrap: bs, coapParams: FAST, version: '1.1' });
    try {
      await device.start();
      expect(device.client.state).toBe('registered');
      expect(device.client.server).toEqual({ address: '127.0.0.1', port: t.coap.port });
      expect(device.client.lifetime).toBe(120);
      expect(device.device.read(15)).toBe('Europe/Oslo');
      const reg = await t.api.get('/api/devices/bs-11');
      expect(reg).toMatchObject({ endpoint: 'bs-11', lwm2mVersion: '1.1', lifetime: 120 });
      const [s] = await sessions('bs-11');
      expect(s).toMatchObject({ endpoint: 'bs-11', outcome: 'finished', lwm2mVersion: '1.1', contentFormat: 112, config: 'default' });
      expect(s.steps.map((x: any) => `${x.operation} ${x.path} ${x.code}`)).toEqual(['discover / 2.05', 'read /1 2.05', 'delete / 2.02', 'write /0/1 2.04', 'write /1/0 2.04', 'write /3/0/15 2.04', 'finish /bs 2.04']);
      // The bootstrap server's own account survived the Delete; the written one is the DM account.
      expect(device.client.instance(0, 0)?.read(1)).toBe(true);
      expect(device.client.dmAccount).toMatchObject({ uri: dmUri(), shortServerId: 7, securityMode: 3 });
      const twin = await eventually(async () => {
        const tw = await t.api.get('/api/devices/bs-11/twin').catch(() => undefined);
        return tw?.properties?.reported?.lwm2m?.bootstrappedAt && tw.properties.reported.lwm2m.registrationId ? tw : undefined;
      }, 'twin with lwm2m.bootstrappedAt');
      expect(Date.parse(twin.properties.reported.lwm2m.bootstrappedAt)).toBeGreaterThan(Date.now() - 60_000);
      await eventually(() => events.length > 0, 'bootstrap event');
      expect(events[0]).toMatchObject({ type: 'bootstrap', deviceId: 'bs-11', data: { outcome: 'finished', lwm2mVersion: '1.1' } });
    } finally {
      abort.abort();
      await device.stop();
    }
  }, 30_000);

  it('bootstraps a 1.0 device with TLV (no Bootstrap-Discover or Read), which then registers', async () => {
    const device = new SimulatedDevice({ name: 'bs-10', seed: 2, server: bs, bootstrap: bs, coapParams: FAST, version: '1.0' });
    try {
      await device.start();
      expect(device.client.state).toBe('registered');
      expect(await t.api.get('/api/devices/bs-10')).toMatchObject({ lwm2mVersion: '1.0', lifetime: 120 });
      const [s] = await sessions('bs-10');
      expect(s).toMatchObject({ outcome: 'finished', lwm2mVersion: '1.0', contentFormat: 11542 });
      expect(s.steps.map((x: any) => `${x.operation} ${x.code}`)).toEqual(['discover 4.05', 'delete 2.02', 'write 2.04', 'write 2.04', 'write 2.04', 'finish 2.04']);
    } finally {
      await device.stop();
    }
  }, 30_000);

  it('generates a PSK per device, writes it to the device, stores the same key in the DM security store, and the device registers over DTLS with it', async () => {
    const coapsUri = `coaps://127.0.0.1:${t.coaps.port}`;
    await t.api.put('/api/bootstrap/bs-psk', { server: { uri: coapsUri, shortServerId: 2 }, security: { mode: 'psk', generate: true } });
    expect(await t.api.get('/api/bootstrap/bs-psk')).toEqual({ server: { uri: coapsUri, shortServerId: 2, lifetime: 300, binding: 'U' }, security: { mode: 'psk', generate: true }, writes: [] });
    const newClient = () => new LwM2mClient({ endpointName: 'bs-psk', bootstrap: { server: bs }, coapParams: FAST, dtlsOptions: { retransmitInitialMs: 200 }, instances: [new SimpleInstance(3, 0, { 0: 'acme' })] });
    const client = newClient();
    try {
      await client.start();
      expect(client.state).toBe('registered');
      expect(client.server).toEqual(t.coaps);
      const account = client.dmAccount!;
      expect(account).toMatchObject({ uri: coapsUri, securityMode: 0, pskIdentity: 'bs-psk' });
      expect(account.pskKey).toHaveLength(16);
      expect(await t.server.security.dm.findByPskIdentity('bs-psk')).toEqual({ endpoint: 'bs-psk', key: account.pskKey });
      await eventually(async () => (await t.api.get('/api/devices/bs-psk/twin')).properties.reported.lwm2m?.security === 'psk', 'twin lwm2m.security = psk');
      const [s] = await sessions('bs-psk');
      expect(s).toMatchObject({ outcome: 'finished', config: 'endpoint', pskIdentity: 'bs-psk' });
      expect(JSON.stringify(await sessions('bs-psk'))).not.toContain(account.pskKey!.toString('hex'));
      // A second bootstrap gives a fresh key, and the device registers with that one.
      const again = newClient();
      await again.start();
      expect(again.dmAccount!.pskKey!.equals(account.pskKey!)).toBe(false);
      expect((await t.server.security.dm.findByPskIdentity('bs-psk'))!.key).toEqual(again.dmAccount!.pskKey);
      expect(again.state).toBe('registered');
      await again.stop();
    } finally {
      await client.stop();
    }
  }, 30_000);

  it('answers 4.04 to an unknown endpoint when there is no default, and /bs on the DM port', async () => {
    const raw = await rawEndpoint();
    try {
      await t.api.delete('/api/bootstrap');
      const res = await raw.request(bs, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=stranger'] });
      expect(res.code).toBe('4.04');
      expect(res.payload.toString()).toMatch(/no bootstrap configuration/);
      expect((await raw.request(bs, { method: 'POST', uriPath: ['bs'] })).code).toBe('4.00');
      expect((await raw.request(bs, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=x', 'pct=abc'] })).code).toBe('4.00');
      expect((await raw.request(bs, { method: 'GET', uriPath: ['bs'] })).code).toBe('4.05');
      expect((await raw.request(bs, { method: 'POST', uriPath: ['rd'], uriQuery: ['ep=x'] })).code).toBe('4.04');
      const dm = await raw.request(t.coap, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=stranger'] });
      expect(dm.code).toBe('4.04');
      expect(dm.payload.toString()).toMatch(/bootstrap server/);
      expect(await sessions('stranger')).toEqual([]);
    } finally {
      await raw.close();
      await t.api.put('/api/bootstrap', { server: { uri: dmUri(), shortServerId: 7, lifetime: 120 }, security: { mode: 'nosec' } });
    }
  });

  it('records a device that refuses a write as refused, with its answer', async () => {
    // /3/0/0 (Manufacturer) is read-only on the device: it answers 4.05.
    await t.api.put('/api/bootstrap/bs-refuse', { server: { uri: dmUri() }, writes: [{ path: '/3/0/0', value: 'evil corp' }] });
    const device = new SimulatedDevice({ name: 'bs-refuse', seed: 3, server: bs, bootstrap: bs, coapParams: FAST });
    const started = device.start().catch(() => undefined);
    try {
      const [s] = await eventually(async () => ((await sessions('bs-refuse')).length > 0 ? sessions('bs-refuse') : undefined), 'session record');
      expect(s).toMatchObject({ outcome: 'refused', error: expect.stringMatching(/Bootstrap-Write \/3\/0\/0 with 4\.05/) });
      expect(s.steps.at(-1)).toMatchObject({ operation: 'write', path: '/3/0/0', code: '4.05' });
      expect(device.client.state).toBe('bootstrapping');
    } finally {
      await device.stop();
      await started;
    }
  }, 30_000);

  it('times out a device that never answers Bootstrap-Finish', async () => {
    await t.api.put('/api/bootstrap/bs-mute', { server: { uri: dmUri() } });
    const answers: Record<string, OutgoingResponse> = { GET: { code: '4.05' }, DELETE: { code: '2.02' }, PUT: { code: '2.04' } };
    const raw = await rawEndpoint((req) => (req.method === 'POST' ? new Promise<OutgoingResponse>(() => undefined) : answers[req.method]!));
    try {
      expect((await raw.request(bs, { method: 'POST', uriPath: ['bs'], uriQuery: ['ep=bs-mute'] })).code).toBe('2.04');
      const [s] = await eventually(async () => ((await sessions('bs-mute')).length > 0 ? sessions('bs-mute') : undefined), 'session record', 15_000);
      expect(s).toMatchObject({ outcome: 'timeout', error: expect.stringMatching(/no answer to Bootstrap-Finish \/bs/) });
    } finally {
      await raw.close();
    }
  }, 30_000);

  it('validates configurations and never shows a configured key', async () => {
    const key = '0123456789abcdef0123456789abcdef';
    const shown = await t.api.put('/api/bootstrap/bs-fixed', { server: { uri: 'coaps://10.0.0.1:5684' }, security: { mode: 'psk', identity: 'fixed-id', key } });
    expect(shown.security).toEqual({ mode: 'psk', identity: 'fixed-id' });
    expect(JSON.stringify(await t.api.get('/api/bootstrap/bs-fixed'))).not.toContain(key);
    const cases: Array<[unknown, RegExp]> = [
      [{ server: { uri: 'http://x' } }, /coap:\/\/host/],
      [{ server: { uri: 'coaps://x' }, security: { mode: 'nosec' } }, /nosec needs a coap:\/\//],
      [{ server: { uri: 'coap://x' }, security: { mode: 'psk', generate: true } }, /psk needs a coaps:\/\//],
      [{ server: { uri: 'coaps://x' }, security: { mode: 'psk', identity: 'a', key: 'zz' } }, /hex digits/],
      [{ server: { uri: 'coap://x', shortServerId: 0 } }, /invalid request/],
      [{ server: { uri: 'coap://x', binding: 'X' } }, /binding/],
      [{ server: { uri: 'coap://x' }, writes: [{ path: '/0/1/0', value: 'x' }] }, /objects 0 and 1/],
      [{ server: { uri: 'coap://x' }, writes: [{ path: 'nope', value: 'x' }] }, /not an LwM2M path/],
      [{ security: { mode: 'nosec' } }, /invalid request/],
    ];
    for (const [body, message] of cases) {
      const e = await apiFailure(t.api.put('/api/bootstrap/bs-bad', body));
      expect(e.status, JSON.stringify(body)).toBe(400);
      expect((e.body as any).message, JSON.stringify(body)).toMatch(message);
    }
    expect((await apiFailure(t.api.get('/api/bootstrap/bs-bad'))).status).toBe(404);
    await t.api.delete('/api/bootstrap/bs-fixed');
    expect((await apiFailure(t.api.delete('/api/bootstrap/bs-fixed'))).status).toBe(404);
  });

  it('drives configurations and sessions from the lwtwin CLI', async () => {
    const env = { LWTWIN_API_URL: t.server.httpUrl, LWTWIN_TOKEN: ADMIN_TOKEN };
    const [set, setDefault, noTarget] = await Promise.all([
      cli(['bootstrap', 'set', 'cli-bs', '--server-uri', 'coaps://10.1.2.3:5684', '--ssid', '3', '--generate-psk', '--write', '/3/0/15=Europe/Oslo'], env),
      cli(['bootstrap', 'set', '--default', '--server-uri', dmUri(), '--lifetime', '120', '--ssid', '7'], env),
      cli(['bootstrap', 'set', '--server-uri', dmUri()], env),
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('cli-bs: server coaps://10.1.2.3:5684 ssid 3 lifetime 300s binding U, security psk (a generated key per device), writes /3/0/15="Europe/Oslo"');
    expect(setDefault.code, setDefault.stderr).toBe(0);
    expect(noTarget.code).toBe(1);
    expect(noTarget.stderr).toMatch(/--default/);
    const [get, sessionsOut, bad] = await Promise.all([
      cli(['--json', 'bootstrap', 'get', 'cli-bs'], env),
      cli(['bootstrap', 'sessions', 'bs-11'], env),
      cli(['bootstrap', 'set', 'cli-bad', '--server-uri', 'coap://x', '--psk-identity', 'a', '--psk-key', 'zz'], env),
    ]);
    expect(JSON.parse(get.stdout)).toMatchObject({ server: { uri: 'coaps://10.1.2.3:5684', shortServerId: 3 }, security: { mode: 'psk', generate: true } });
    expect(sessionsOut.stdout).toMatch(/finished\s+1\.1\s+112\s+discover \/ 2\.05; read \/1 2\.05/);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/400/);
    const rm = await cli(['bootstrap', 'rm', 'cli-bs'], env);
    expect(rm.stdout).toContain('cli-bs: bootstrap configuration removed');
    expect(await t.server.bootstrap.store.getConfig('cli-bs')).toBeUndefined();
  }, 90_000);
});

describe('bootstrap at fleet scale', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Bootstrap and registration only: observation set-up after Register is measured elsewhere (simulator-scale).
    t = await startTestServer({ bootstrapPort: 0, observeObjects: [], requestTimeoutMs: 5000 }, { jobs: false });
    await t.api.put('/api/bootstrap', { server: { uri: `coap://127.0.0.1:${t.coap.port}`, shortServerId: 1, lifetime: 300 } });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('bootstraps and registers 1,000 simulated devices (1.0 and 1.1), a fifth of them onto coaps with a generated PSK', async () => {
    const bs = { address: '127.0.0.1', port: t.server.bootstrap.port! };
    const secured = 200;
    const coapsConfig = { server: { uri: `coaps://127.0.0.1:${t.coaps.port}`, shortServerId: 1, lifetime: 300 }, security: { mode: 'psk', generate: true } };
    for (let i = 0; i < secured; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => t.api.put(`/api/bootstrap/bsim-dtls-${i + j}`, coapsConfig)));
    const common = { server: t.coap, bootstrap: bs, seed: 9, v10Share: 0.3, tickMs: 600_000, lifetime: 300, concurrency: 200, coapParams: FAST, requestTimeoutMs: 8000 };
    const plain = startSimulator({ ...common, count: 1000 - secured, prefix: 'bsim-' });
    // Few devices per source address: the coaps server admits 8 handshakes at once per address (maxHandshakesPerAddress).
    const dtls = startSimulator({ ...common, count: secured, prefix: 'bsim-dtls-', devicesPerAddress: 4, concurrency: 64 });
    try {
      await Promise.all([plain.ready, dtls.ready]);
      expect(plain.stats()).toMatchObject({ registered: 1000 - secured, failed: 0 });
      expect(dtls.stats()).toMatchObject({ registered: secured, failed: 0 });
      expect(await t.api.get('/api/devices/bsim-799')).toMatchObject({ endpoint: 'bsim-799', lifetime: 300, security: 'nosec' });
      expect(await t.api.get('/api/devices/bsim-dtls-199')).toMatchObject({ endpoint: 'bsim-dtls-199', lifetime: 300, security: 'psk' });
      const [s] = (await t.api.get('/api/bootstrap/bsim-500/sessions')).items;
      expect(s).toMatchObject({ outcome: 'finished' });
      const [d] = (await t.api.get('/api/bootstrap/bsim-dtls-100/sessions')).items;
      expect(d).toMatchObject({ outcome: 'finished', config: 'endpoint', pskIdentity: 'bsim-dtls-100' });
    } finally {
      await Promise.all([plain.stop(), dtls.stop()]);
    }
  }, 240_000);
});

describe('bootstrap server under a Bootstrap-Request flood', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ bootstrapPort: 0, registerRatePerAddress: 20, registerBurst: 20 }, { jobs: false });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers 5.03 with Max-Age once one address exceeds its rate, like Register', async () => {
    const raw = await rawEndpoint();
    try {
      const bs = { address: '127.0.0.1', port: t.server.bootstrap.port! };
      const codes = await Promise.all(Array.from({ length: 60 }, (_, i) => raw.request(bs, { method: 'POST', uriPath: ['bs'], uriQuery: [`ep=flood-${i}`] }).then((r) => r.code)));
      expect(codes.filter((c) => c === '5.03').length).toBeGreaterThanOrEqual(30);
      expect(codes.filter((c) => c === '4.04').length).toBeGreaterThan(0);
      const metrics = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/lwtwin_bootstrap_total\{outcome="throttled"\} \d+/);
    } finally {
      await raw.close();
    }
  });
});
