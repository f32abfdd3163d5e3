import { describe, expect, it } from 'vitest';
import { LwM2mClient } from '../../client/lwm2m-client.ts';
import type { LwM2mClientOptions } from '../../client/client-options.ts';
import { isClientError } from '../../client/errors.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { parseLinkFormat } from '../../protocol/lwm2m/link-format.ts';
import { clientTestBed } from './helpers/client-test-bed.ts';
import { until } from './helpers/wait.ts';

const bed = clientTestBed<LwM2mClient>();

function instances() {
  return [
    new SimpleInstance(0, 0, { 0: 'coap://127.0.0.1:5683', 1: false, 2: 3 }),
    new SimpleInstance(1, 0, { 0: 1, 1: 300, 6: true, 7: 'U' }),
    new SimpleInstance(3, 0, { 0: 'lwtwin', 11: new Map([[0, 0]]), 16: 'U' }),
    new SimpleInstance(3303, 0, { 5700: 21.5 }),
    new SimpleInstance(3303, 1, { 5700: 19 }),
  ];
}

function client(name: string, extra: Partial<LwM2mClientOptions> = {}): LwM2mClient {
  const c = new LwM2mClient({ endpointName: name, server: bed.server.address, model: bed.model, instances: instances(), ...extra });
  bed.devices.push(c);
  return c;
}

describe('Register', () => {
  it('sends ep, lt, lwm2m=1.1 and b=U with the 1.1 link payload, never object 0', async () => {
    const c = client('reg-11', { lifetime: 300 });
    await c.start();
    const e = await bed.server.waitFor((x) => x.ep === 'reg-11' && x.kind === 'register');
    expect(Object.fromEntries(e.query)).toEqual({ ep: 'reg-11', lt: '300', lwm2m: '1.1', b: 'U' });
    const links = parseLinkFormat(e.payload);
    expect(links[0]).toEqual({ uri: '/', attributes: expect.objectContaining({ rt: 'oma.lwm2m', ct: '60 110 112 11542' }) });
    expect(e.payload.startsWith('</>;rt="oma.lwm2m";ct="60 110 112 11542"')).toBe(true);
    const uris = links.map((l) => l.uri);
    expect(uris).toEqual(['/', '/1', '/1/0', '/3', '/3/0', '/3303', '/3303/0', '/3303/1']);
    expect(links.find((l) => l.uri === '/3')?.attributes.ver).toBe(bed.model.object(3)?.version);
    expect(uris.some((u) => u.startsWith('/0'))).toBe(false);
    expect(c.state).toBe('registered');
    expect(c.registrationLocation?.[0]).toBe('rd');
  });

  it('adds the bare Q flag for a 1.1 client in queue mode', async () => {
    const c = client('reg-11q', { queueMode: true });
    await c.start();
    const e = await bed.server.waitFor((x) => x.ep === 'reg-11q');
    expect(e.query.get('Q')).toBe(true);
    expect(e.query.get('b')).toBe('U');
    expect(e.query.get('lt')).toBe('86400');
  });

  it('registers a 1.0 client with b=UQ, lwm2m=1.0, ct=11542 and no ver', async () => {
    const c = client('reg-10', { version: '1.0', queueMode: true });
    await c.start();
    const e = await bed.server.waitFor((x) => x.ep === 'reg-10');
    expect(Object.fromEntries(e.query)).toEqual({ ep: 'reg-10', lt: '86400', lwm2m: '1.0', b: 'UQ' });
    expect(e.payload.startsWith('</>;rt="oma.lwm2m";ct=11542,')).toBe(true);
    expect(e.payload).not.toContain('ver=');
    expect(e.links?.contentFormats).toEqual([ContentFormat.TLV]);
  });

  it('refuses a 1.1 binding with Q', () => {
    expect(() => new LwM2mClient({ endpointName: 'x', server: bed.server.address, binding: 'UQ' })).toThrow(/binding/);
  });
});

describe('Update and De-register', () => {
  it('sends an Update before the lifetime ends', async () => {
    const c = client('upd-timer', { lifetime: 2, updateAtFraction: 0.5 });
    await c.start();
    const reg = await bed.server.waitFor((x) => x.ep === 'upd-timer' && x.kind === 'register');
    const upd = await bed.server.waitFor((x) => x.ep === 'upd-timer' && x.kind === 'update', 4000);
    expect(upd.at - reg.at).toBeGreaterThanOrEqual(900);
    expect(upd.at - reg.at).toBeLessThan(2000);
    expect(upd.payload).toBe('');
    expect(upd.query.size).toBe(0);
  });

  it('registers again when an Update gets 4.04', async () => {
    const c = client('upd-404');
    await c.start();
    const before = bed.server.events.length;
    bed.server.forget('upd-404');
    c.triggerUpdate();
    const again = await bed.server.waitFor((x) => x.ep === 'upd-404' && x.kind === 'register', 3000, before);
    expect(again.kind).toBe('register');
    expect(bed.server.byEp.get('upd-404')).toBeDefined();
    await until(() => c.state === 'registered', 'the client to be registered again');
    expect(c.registrationLocation).toEqual(['rd', bed.server.byEp.get('upd-404')!.id]);
  });

  it('sends the new lifetime when /1/0/1 changes and the new links when an instance is added', async () => {
    const c = client('upd-lt');
    await c.start();
    const before = bed.server.events.length;
    (c.instance(1, 0) as SimpleInstance).set(1, 120);
    const lt = await bed.server.waitFor((x) => x.ep === 'upd-lt' && x.kind === 'update', 3000, before);
    expect(lt.query.get('lt')).toBe('120');
    expect(c.lifetime).toBe(120);
    const mid = bed.server.events.length;
    c.addInstance(new SimpleInstance(3303, 7, { 5700: 1 }));
    const objs = await bed.server.waitFor((x) => x.ep === 'upd-lt' && x.kind === 'update', 3000, mid);
    expect(objs.links?.objects.some((o) => o.objectId === 3303 && o.instanceId === 7)).toBe(true);
  });

  it('de-registers on stop()', async () => {
    const c = new LwM2mClient({ endpointName: 'dereg', server: bed.server.address, model: bed.model, instances: instances() });
    await c.start();
    await c.stop();
    const e = await bed.server.waitFor((x) => x.ep === 'dereg' && x.kind === 'deregister');
    expect(e.kind).toBe('deregister');
    expect(bed.server.byEp.has('dereg')).toBe(false);
    expect(c.state).toBe('stopped');
  });

  it('retries a refused Register with back-off and gives up after maxAttempts', async () => {
    const failures: string[] = [];
    bed.server.registerCode = '4.03';
    try {
      const c = client('reg-refused', { retry: { baseMs: 20, maxMs: 50, maxAttempts: 3 }, hooks: { onAttemptFailed: (_c, op, reason) => failures.push(`${op}:${reason}`) } });
      const err = await c.start().catch((e: unknown) => e);
      expect(isClientError(err, 'REGISTRATION_FAILED')).toBe(true);
      expect(failures).toEqual(['register:4.03', 'register:4.03', 'register:4.03']);
      expect(c.state).toBe('failed');
    } finally {
      bed.server.registerCode = undefined;
    }
  });
});
