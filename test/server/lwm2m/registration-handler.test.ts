import { afterEach, describe, expect, it } from 'vitest';
import { OptionNumber } from '../../../protocol/coap/constants.ts';
import { decodeUint, getOption } from '../../../protocol/coap/options.ts';
import { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import { FakeDevice } from './helpers/fake-device.ts';
import { keysOf, serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const t = await startTestServer(opts);
  cleanups.push(() => t.close());
  return t;
}

async function device(t: TestServer, address = '127.0.0.1'): Promise<FakeDevice> {
  const d = await FakeDevice.start(serverPeer(t), t.model, address);
  cleanups.push(() => d.close());
  return d;
}

describe('Register (POST /rd)', () => {
  it('answers 2.01 with Location-Path rd/{id} and stores the registration', async () => {
    const t = await setup();
    const d = await device(t);
    const registered = t.server.next('registered');
    const res = await d.register({ query: ['ep=dev1', 'lt=300', 'lwm2m=1.1', 'b=U'], links: '</>;rt="oma.lwm2m";ct="110 112",</1/0>,</3/0>,</5>;ver=2.0' });
    expect(res.code).toBe('2.01');
    expect(res.locationPath).toHaveLength(2);
    expect(res.locationPath[0]).toBe('rd');
    const reg = await t.store.getByEndpoint('dev1');
    expect(reg).toBeDefined();
    expect(res.locationPath[1]).toBe(reg!.registrationId);
    expect(reg!.peer).toEqual(d.peer);
    expect(reg!.lifetime).toBe(300);
    expect(reg!.serverId).toBe('test-server');
    expect(reg!.lwm2mVersion).toBe('1.1');
    expect(reg!.contentFormats).toEqual([110, 112]);
    expect(reg!.objectLinks).toEqual([{ objectId: 1, instanceId: 0 }, { objectId: 3, instanceId: 0 }, { objectId: 5, version: '2.0' }]);
    const event = await registered;
    expect(event.registration.registrationId).toBe(reg!.registrationId);
    expect(event.previous).toBeUndefined();
  });

  it('reads queue mode from a 1.0 UQ binding and from the 1.1 Q flag', async () => {
    const t = await setup();
    const d10 = await device(t);
    expect((await d10.register({ query: ['ep=q10', 'lt=60', 'lwm2m=1.0', 'b=UQ'] })).code).toBe('2.01');
    const d11 = await device(t);
    expect((await d11.register({ query: ['ep=q11', 'lt=60', 'lwm2m=1.1', 'b=U', 'Q'] })).code).toBe('2.01');
    const r10 = await t.store.getByEndpoint('q10');
    const r11 = await t.store.getByEndpoint('q11');
    expect([r10!.binding, r10!.queueMode]).toEqual(['U', true]);
    expect([r11!.binding, r11!.queueMode]).toEqual(['U', true]);
  });

  it('accepts a Register without Content-Format and with an empty payload', async () => {
    const t = await setup();
    const d = await device(t);
    const res = await d.register({ query: ['ep=bare'], payload: Buffer.alloc(0), contentFormat: -1 });
    expect(res.code).toBe('2.01');
    const reg = await t.store.getByEndpoint('bare');
    expect([reg!.lifetime, reg!.lwm2mVersion, reg!.binding, reg!.objectLinks.length]).toEqual([86400, '1.0', 'U', 0]);
  });

  it.each([
    ['no ep', ['lt=60'], '4.00'],
    ['a bad lt', ['ep=x', 'lt=-5'], '4.00'],
    ['lt=0', ['ep=x', 'lt=0'], '4.00'],
    ['an unsupported version', ['ep=x', 'lwm2m=2.0'], '4.12'],
    ['a newer minor version', ['ep=x', 'lwm2m=1.9'], '4.12'],
    ['Q on a 1.0 client', ['ep=x', 'lwm2m=1.0', 'Q'], '4.00'],
    ['a Q binding on 1.1', ['ep=x', 'lwm2m=1.1', 'b=UQ'], '4.00'],
  ])('refuses %s', async (_name, query, code) => {
    const t = await setup();
    const d = await device(t);
    const res = await d.register({ query });
    expect(res.code).toBe(code);
    expect(res.payload.toString().length).toBeGreaterThan(0);
    expect(await keysOf(t)).toEqual([]);
  });

  it('refuses unparsable links and a non-link-format payload with 4.00, leaving nothing in Redis', async () => {
    const t = await setup();
    const d = await device(t);
    expect((await d.register({ ep: 'badlinks', links: '</3/0>,garbage' })).code).toBe('4.00');
    expect((await d.register({ ep: 'badcf', links: '</3/0>', contentFormat: 0 })).code).toBe('4.00');
    expect(await keysOf(t)).toEqual([]);
    expect(await t.store.count()).toBe(0);
  });

  it('refuses a payload over the cap with 4.13 and Size1', async () => {
    const t = await setup({ maxPayloadBytes: 2048 });
    const d = await device(t);
    const links = Array.from({ length: 400 }, (_, i) => `</${3300 + i}/0>`).join(',');
    const res = await d.register({ ep: 'big', links });
    expect(res.code).toBe('4.13');
    const size1 = getOption(res.message, OptionNumber.SIZE1);
    expect(size1 && decodeUint(size1)).toBe(2048);
    expect(await keysOf(t)).toEqual([]);
  });

  it('answers 4.05 to other methods on /rd and 4.04 to unknown resources', async () => {
    const t = await setup();
    const d = await device(t);
    expect((await d.endpoint.request(serverPeer(t), { method: 'GET', uriPath: ['rd'] })).code).toBe('4.05');
    expect((await d.endpoint.request(serverPeer(t), { method: 'GET', uriPath: ['dp'] })).code).toBe('4.05');
    expect((await d.endpoint.request(serverPeer(t), { method: 'POST', uriPath: ['bs'] })).code).toBe('4.04');
    expect((await d.endpoint.request(serverPeer(t), { method: 'POST', uriPath: ['rd', 'a', 'b'] })).code).toBe('4.04');
  });

  it('throttles a flood of Registers from one address with 5.03 + Max-Age while another address still registers', async () => {
    const t = await setup({ registerRatePerAddress: 0.1, registerBurst: 3 });
    const flooder = await device(t, '127.0.0.1');
    const codes: string[] = [];
    let maxAge: number | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await flooder.register({ ep: `flood${i}` });
      codes.push(res.code);
      const opt = getOption(res.message, OptionNumber.MAX_AGE);
      if (res.code === '5.03' && opt) maxAge = decodeUint(opt);
    }
    expect(codes).toEqual(['2.01', '2.01', '2.01', '5.03', '5.03', '5.03', '5.03', '5.03']);
    expect(maxAge).toBeGreaterThanOrEqual(1);
    expect(maxAge).toBeLessThanOrEqual(10);
    const other = await device(t, '127.0.0.2');
    expect((await other.register({ ep: 'innocent' })).code).toBe('2.01');
    expect((await t.store.getByEndpoint('innocent'))?.peer.address).toBe('127.0.0.2');
  });

  it('a repeat Register of the same endpoint replaces the registration and drops its observations', async () => {
    const t = await setup();
    const d = await device(t);
    d.set('/3/0/9', 80);
    const firstRegistered = t.server.next('registered');
    const first = await d.register({ ep: 'rep' });
    const firstId = first.locationPath[1];
    await firstRegistered;
    await t.server.observe('rep', '/3/0/9');
    expect(t.server.observationsOf('rep')).toHaveLength(1);
    const registered = t.server.next('registered');
    const second = await d.register({ ep: 'rep' });
    expect(second.code).toBe('2.01');
    expect(second.locationPath[1]).not.toBe(firstId);
    const event = await registered;
    expect(event.previous?.registrationId).toBe(firstId);
    expect(t.server.observationsOf('rep')).toHaveLength(0);
    expect(await t.store.getById(firstId)).toBeUndefined();
    expect(await t.store.count()).toBe(1);
  });
});

describe('Update (POST /rd/{id})', () => {
  it('answers 2.04, applies lt and links, and emits updated', async () => {
    const t = await setup();
    const d = await device(t);
    await d.register({ ep: 'upd' });
    const updated = t.server.next('updated');
    const res = await d.update(['lt=120'], '</>;rt="oma.lwm2m";ct="110",</1/0>,</3/0>,</6/0>');
    expect(res.code).toBe('2.04');
    const e = await updated;
    expect(e.previous.lifetime).toBe(300);
    expect(e.current.lifetime).toBe(120);
    expect(e.current.objectLinks.map((l) => l.objectId)).toEqual([1, 3, 6]);
    expect(e.current.contentFormats).toEqual([110]);
  });

  it('records the new source port of an Update (lwm2m-node-lib sends Updates from a fresh socket)', async () => {
    const t = await setup();
    const d = await device(t);
    await d.register({ ep: 'mover' });
    const moved = await CoapEndpoint.bind({ address: '127.0.0.1', port: 0 });
    cleanups.push(() => moved.close());
    const res = await moved.request(serverPeer(t), { method: 'POST', uriPath: d.location });
    expect(res.code).toBe('2.04');
    const reg = await t.store.getByEndpoint('mover');
    expect(reg!.peer.port).toBe(moved.localAddress.port);
  });

  it('answers 4.04 for an unknown registration id and 4.00 for a bad lt', async () => {
    const t = await setup();
    const d = await device(t);
    expect((await d.endpoint.request(serverPeer(t), { method: 'POST', uriPath: ['rd', 'nope'] })).code).toBe('4.04');
    await d.register({ ep: 'u2' });
    expect((await d.update(['lt=abc'])).code).toBe('4.00');
    expect((await t.store.getByEndpoint('u2'))!.lifetime).toBe(300);
  });
});

describe('De-register (DELETE /rd/{id})', () => {
  it('answers 2.02, removes the registration and emits deregistered; 4.04 the second time', async () => {
    const t = await setup();
    const d = await device(t);
    await d.register({ ep: 'bye' });
    const dereg = t.server.next('deregistered');
    expect((await d.deregister()).code).toBe('2.02');
    expect((await dereg).registration.endpoint).toBe('bye');
    expect(await t.store.getByEndpoint('bye')).toBeUndefined();
    expect(await keysOf(t)).toEqual([]);
    expect((await d.deregister()).code).toBe('4.04');
  });
});

describe('expiry and restart', () => {
  it('emits expired when no Update comes within the lifetime, and drops observations', async () => {
    const t = await setup({ lifetimeGraceMs: 0, expirySweepMs: 50 });
    const d = await device(t);
    d.set('/3/0/9', 12);
    await d.register({ query: ['ep=shortlived', 'lt=1', 'lwm2m=1.1'] });
    await t.server.observe('shortlived', '/3/0/9');
    const expired = await t.server.next('expired');
    expect(expired.registration.endpoint).toBe('shortlived');
    expect(await t.store.getByEndpoint('shortlived')).toBeUndefined();
    expect(t.server.observationsOf('shortlived')).toEqual([]);
  });

  it('a restarted server over the same Redis still lists the device and can Read it', async () => {
    const first = await startTestServer();
    const d = await device(first);
    d.set('/3/0/0', 'ACME');
    await d.register({ ep: 'persist' });
    const prefix = first.keys.prefix;
    await first.close();
    const second = await setup({ prefix });
    const page = await second.store.list();
    expect(page.items.map((r) => r.endpoint)).toEqual(['persist']);
    // The device keeps talking to the old port; point it at nothing new: the server reads from its stored address.
    const read = await second.server.read('persist', '/3/0/0');
    expect(read.leaves.map((l) => [l.path.toString(), l.value])).toEqual([['/3/0/0', 'ACME']]);
  });
});
