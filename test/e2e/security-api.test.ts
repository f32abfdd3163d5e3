import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../scripts/cli/api-client.ts';
import { cli } from '../helpers/cli.ts';
import { ADMIN_TOKEN, OPERATOR_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts';
import { apiFailure } from '../helpers/api-errors.ts';

function p256Pem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
}

describe('security API and CLI', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ serverSecret: 'e2e-server-secret-0123456789abcdefgh' }, { jobs: false });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('sets, shows (never the key), lists and deletes PSK, RPK and x509 entries', async () => {
    const key = randomBytes(16).toString('hex');
    const put = await t.api.put('/api/devices/sec-1/security', { mode: 'psk', identity: 'sec-1-ïd', key });
    expect(put).toEqual({ endpoint: 'sec-1', mode: 'psk', identity: 'sec-1-ïd', updatedAt: expect.any(String) });
    const pem = p256Pem();
    const rpk = await t.api.put('/api/devices/sec-2/security', { mode: 'rpk', publicKey: pem });
    expect(rpk.publicKeyFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    await t.api.put('/api/devices/sec-3/security', { mode: 'x509' });
    const got = await t.api.get('/api/devices/sec-1/security');
    expect(JSON.stringify(got)).not.toContain(key);
    expect(got).toEqual(put);
    expect(await t.server.security.dm.findByPskIdentity('sec-1-ïd')).toEqual({ endpoint: 'sec-1', key: Buffer.from(key, 'hex') });
    const page1 = await t.api.get('/api/security?limit=2');
    expect(page1.items.map((s: any) => s.endpoint)).toEqual(['sec-1', 'sec-2']);
    const page2 = await t.api.get(`/api/security?limit=2&cursor=${page1.cursor}`);
    expect(page2).toEqual({ items: [expect.objectContaining({ endpoint: 'sec-3', mode: 'x509' })] });
    expect(JSON.stringify(page1)).not.toContain(key);
    await t.api.delete('/api/devices/sec-3/security');
    expect((await apiFailure(t.api.get('/api/devices/sec-3/security'))).status).toBe(404);
    expect((await apiFailure(t.api.delete('/api/devices/sec-3/security'))).status).toBe(404);
  });

  it('keeps the bootstrap credentials apart from the DM credentials', async () => {
    await t.api.put('/api/devices/bs-1/security?server=bootstrap', { mode: 'psk', identity: 'bs-1', key: randomBytes(16).toString('hex') });
    expect((await apiFailure(t.api.get('/api/devices/bs-1/security'))).status).toBe(404);
    expect(await t.api.get('/api/devices/bs-1/security?server=bootstrap')).toMatchObject({ mode: 'psk', identity: 'bs-1' });
    await t.api.put('/api/devices/bs-2/security', { mode: 'psk', identity: 'bs-1', key: randomBytes(16).toString('hex') });
    expect((await apiFailure(t.api.get('/api/devices/bs-1/security?server=nope'))).status).toBe(400);
  });

  it('answers 409 for an identity or public key bound to another endpoint', async () => {
    const pem = p256Pem();
    await t.api.put('/api/devices/own-1/security', { mode: 'psk', identity: 'taken', key: randomBytes(16).toString('hex') });
    await t.api.put('/api/devices/own-2/security', { mode: 'rpk', publicKey: pem });
    const e1 = await apiFailure(t.api.put('/api/devices/thief/security', { mode: 'psk', identity: 'taken', key: randomBytes(16).toString('hex') }));
    expect(e1.status).toBe(409);
    expect(e1.body).toMatchObject({ statusCode: 409, code: 'CONFLICT', error: 'Conflict', message: expect.stringContaining('identity is already bound'), details: { endpoint: 'own-1' } });
    const e2 = await apiFailure(t.api.put('/api/devices/thief/security', { mode: 'rpk', publicKey: pem }));
    expect(e2.status).toBe(409);
  });

  it('refuses bad input with 4xx and a clear message', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const cases: Array<[unknown, RegExp]> = [
      [{ mode: 'psk', identity: 'x', key: 'abc' }, /hex digits/],
      [{ mode: 'psk', identity: 'x', key: 'zz'.repeat(16) }, /hex digits/],
      [{ mode: 'psk', identity: 'x', key: '00'.repeat(15) }, /16 to 64 bytes/],
      [{ mode: 'psk', identity: 'x', key: '00'.repeat(65) }, /16 to 64 bytes/],
      [{ mode: 'psk', identity: 'ü'.repeat(65), key: '00'.repeat(16) }, /130 bytes of UTF-8; at most 128/],
      [{ mode: 'psk', identity: '', key: '00'.repeat(16) }, /non-empty/],
      [{ mode: 'psk', key: '00'.repeat(16) }, /needs "identity"/],
      [{ mode: 'psk', identity: 'x' }, /needs "key"/],
      [{ mode: 'psk', identity: 'x', key: '00'.repeat(16), publicKey: 'x' }, /takes no publicKey/],
      [{ mode: 'rpk', publicKey: 'hello' }, /PEM "PUBLIC KEY"/],
      [{ mode: 'rpk', publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }, /not a valid PEM public key/],
      [{ mode: 'rpk', publicKey: rsa }, /P-256.*got rsa/],
      [{ mode: 'rpk', publicKey: p384 }, /P-256.*secp384r1/],
      [{ mode: 'x509', identity: 'x' }, /takes no identity/],
      [{ mode: 'nosec' }, /invalid request/],
      [{ identity: 'x' }, /invalid request/],
    ];
    for (const [body, message] of cases) {
      const e = await apiFailure(t.api.put('/api/devices/bad/security', body));
      expect(e.status, JSON.stringify(body)).toBe(400);
      expect((e.body as any).message, JSON.stringify(body)).toMatch(message);
    }
    expect((await apiFailure(t.api.request('PUT', '/api/devices/bad/security', undefined, { 'content-type': 'application/json' }))).status).toBe(400);
    const operator = new ApiClient(t.server.httpUrl, OPERATOR_TOKEN);
    expect((await apiFailure(operator.put('/api/devices/bad/security', { mode: 'x509' }))).status).toBe(403);
    expect((await apiFailure(new ApiClient(t.server.httpUrl).get('/api/security'))).status).toBe(401);
    expect(await t.api.get('/api/devices/bad/security').catch((e: ApiError) => e.status)).toBe(404);
  });

  it('documents request and response schemas in the OpenAPI document', async () => {
    const doc = await t.api.get('/api/docs');
    const put = doc.paths['/api/devices/{ep}/security'].put;
    expect(put.requestBody.content['application/json'].schema.properties.mode.enum).toEqual(['psk', 'rpk', 'x509']);
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '400', '409']));
    expect(doc.paths['/api/security'].get.responses['200']).toBeDefined();
  });

  it('drives the entries from the lwtwin CLI', async () => {
    const env = { LWTWIN_API_URL: t.server.httpUrl, LWTWIN_TOKEN: ADMIN_TOKEN };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-sec-'));
    writeFileSync(path.join(dir, 'dev.pem'), p256Pem());
    // Independent invocations run side by side: each CLI start costs seconds on a loaded machine.
    const [set, rpk, both] = await Promise.all([
      cli(['--json', 'security', 'set', 'cli-1', '--psk-identity', 'cli-1-id', '--generate-key'], env),
      cli(['security', 'set', 'cli-2', '--rpk', path.join(dir, 'dev.pem')], env),
      cli(['security', 'set', 'cli-3', '--x509', '--rpk', 'x.pem'], env),
    ]);
    expect(set.code, set.stderr).toBe(0);
    const out = JSON.parse(set.stdout);
    expect(out).toMatchObject({ endpoint: 'cli-1', mode: 'psk', identity: 'cli-1-id', key: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await t.server.security.dm.findByPskIdentity('cli-1-id')).toEqual({ endpoint: 'cli-1', key: Buffer.from(out.key, 'hex') });
    expect(rpk.stdout).toMatch(/cli-2: rpk, public key sha256:/);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/exactly one of/);
    const [get, list, conflict] = await Promise.all([
      cli(['security', 'get', 'cli-1'], env),
      cli(['security', 'list'], env),
      cli(['security', 'set', 'cli-3', '--psk-identity', 'cli-1-id', '--psk-key', '00'.repeat(16)], env),
    ]);
    expect(get.stdout).toContain('cli-1: psk, identity "cli-1-id"');
    expect(get.stdout).not.toContain(out.key);
    expect(list.stdout).toMatch(/cli-1\s+psk\s+cli-1-id/);
    expect(list.stdout).not.toContain(out.key);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/409 this PSK identity is already bound to another endpoint/);
    const rm = await cli(['security', 'rm', 'cli-1'], env);
    expect(rm.stdout).toContain('cli-1: credentials removed');
    expect(await t.server.security.dm.get('cli-1')).toBeUndefined();
  }, 90_000);
});
