import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeLeaves, decodeNode, decodePathList, encodeLeaves } from '../../../protocol/lwm2m/codec/codec.ts';
import { nodeToLeaves } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { isServerError, type ServerError } from '../../../server/errors.ts';
import { FakeDevice } from './helpers/fake-device.ts';
import { serverPeer, startTestServer, type TestServer } from './helpers/test-server.ts';

let t: TestServer;
const devices: FakeDevice[] = [];

beforeAll(async () => {
  t = await startTestServer({ requestTimeoutMs: 1000 });
});
afterAll(async () => {
  for (const d of devices) await d.close();
  await t.close();
});

/** A registered fake device; `links` decides its announced formats and root path. */
async function registered(ep: string, query: string[], links: string): Promise<FakeDevice> {
  const d = await FakeDevice.start(serverPeer(t), t.model);
  devices.push(d);
  const res = await d.register({ query: [`ep=${ep}`, 'lt=300', ...query], links });
  expect(res.code).toBe('2.01');
  return d;
}

async function rejection(p: Promise<unknown>): Promise<ServerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isServerError(err)) throw new Error(`expected a ServerError, got ${String(err)}`);
  return err;
}

function lastRequest(d: FakeDevice) {
  const r = d.received.at(-1);
  if (!r) throw new Error('the device received nothing');
  return r;
}

describe('device operations against a LwM2M 1.1 device announcing SenML', () => {
  let d: FakeDevice;
  beforeEach(async () => {
    d = await registered(`v11-${devices.length}`, ['lwm2m=1.1'], '</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>,</3/0>,</3303>');
    d.set('/3/0/0', 'ACME').set('/3/0/9', 87).set('/3/0/6/0', 1).set('/3/0/6/1', 5).set('/1/0/1', 300);
  });
  const ep = () => `v11-${devices.length - 1}`;

  it('Read of a resource asks for SenML CBOR and decodes through the model', async () => {
    const r = await t.server.read(ep(), '/3/0/9');
    expect(lastRequest(d).accept).toBe(112);
    expect(lastRequest(d).uriPath).toEqual(['3', '0', '9']);
    expect(r.contentFormat).toBe(112);
    expect(r.node).toEqual({ kind: 'resource', id: 9, value: 87 });
  });

  it('Read of an object instance returns every leaf', async () => {
    const r = await t.server.read(ep(), '/3/0');
    expect(r.leaves.map((l) => `${l.path.toString()}=${String(l.value)}`).sort()).toEqual(['/3/0/0=ACME', '/3/0/6/0=1', '/3/0/6/1=5', '/3/0/9=87']);
  });

  it('maps a 4.04 answer to DEVICE_ERROR with the CoAP code and a clear message', async () => {
    const err = await rejection(t.server.read(ep(), '/3/0/99'));
    expect(err.code).toBe('DEVICE_ERROR');
    expect(err.coapCode).toBe('4.04');
    expect(err.details?.coapCode).toBe('4.04');
    expect(err.message).toBe(`Device ${ep()} answered 4.04 Not Found to Read /3/0/99`);
  });

  it('maps silence to TIMEOUT within the deadline, without hanging', async () => {
    d.respond = () => new Promise(() => {});
    const started = Date.now();
    const err = await rejection(t.server.read(ep(), '/3/0/9', { timeoutMs: 300 }));
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toContain('did not answer Read /3/0/9 within 300 ms');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('Discover asks for link-format and parses attributes', async () => {
    d.respond = (req) => (req.accept === 40 ? { code: '2.05', contentFormat: 40, payload: Buffer.from('</3/0>,</3/0/6>;dim=2,</3/0/9>;pmin=10;gt=50') } : undefined);
    const r = await t.server.discover(ep(), '/3/0');
    expect(r.links.map((l) => [l.path.toString(), l.attributes])).toEqual([
      ['/3/0', {}],
      ['/3/0/6', { dim: 2 }],
      ['/3/0/9', { pmin: 10, gt: 50 }],
    ]);
  });

  it('Write replace sends PUT with a typed SenML CBOR value; partial update sends POST', async () => {
    await t.server.write(ep(), '/1/0/1', '600');
    let req = lastRequest(d);
    expect([req.method, req.contentFormat]).toEqual(['PUT', 112]);
    expect(d.values.get('/1/0/1')).toBe(600);
    await t.server.write(ep(), '/3/0', { 14: '+02:00', 15: 'Europe/Paris' }, { mode: 'update' });
    req = lastRequest(d);
    expect([req.method, req.uriPath.join('/')]).toEqual(['POST', '3/0']);
    const leaves = decodeLeaves(112, req.payload, t.model);
    expect(leaves.map((l) => [l.path.toString(), l.value])).toEqual([
      ['/3/0/14', '+02:00'],
      ['/3/0/15', 'Europe/Paris'],
    ]);
  });

  it('refuses invalid writes before sending anything', async () => {
    const before = d.received.length;
    const notWritable = await rejection(t.server.write(ep(), '/3/0/0', 'X'));
    expect([notWritable.code, notWritable.message]).toEqual(['BAD_REQUEST', 'resource /3/0/0 (manufacturer) is not writable']);
    expect((await rejection(t.server.write(ep(), '/1/0/1', 'abc'))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.write(ep(), '/1/0/1', { 0: 1 }))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.write(ep(), '/3/0/999', 1))).code).toBe('NOT_FOUND');
    expect((await rejection(t.server.write(ep(), '/3/0/9', 1, { mode: 'update' }))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.write(ep(), '/3/0/x', 1))).code).toBe('BAD_REQUEST');
    expect(d.received.length).toBe(before);
  });

  it('writes a resource of an object the model does not know as given', async () => {
    await t.server.write(ep(), '/31024/0/1', 7);
    const req = lastRequest(d);
    expect(req.uriPath).toEqual(['31024', '0', '1']);
    expect(decodeLeaves(112, req.payload, t.model).map((l) => [l.path.toString(), l.value])).toEqual([['/31024/0/1', 7]]);
  });

  it('Write-Attributes sends the query, unsets by bare name, and validates first', async () => {
    await t.server.writeAttributes(ep(), '/3/0/9', { pmin: 10, pmax: 60, gt: 50.5, st: null });
    const req = lastRequest(d);
    expect([req.method, req.uriQuery, req.payload.length]).toEqual(['PUT', ['pmin=10', 'pmax=60', 'gt=50.5', 'st'], 0]);
    const before = d.received.length;
    expect((await rejection(t.server.writeAttributes(ep(), '/3/0/9', { pmin: 60, pmax: 10 }))).message).toContain('pmax (10) must not be less than pmin (60)');
    expect((await rejection(t.server.writeAttributes(ep(), '/3/0', { gt: 5 }))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.writeAttributes(ep(), '/3/0/0', { lt: 5 }))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.writeAttributes(ep(), '/3/0/9', { lt: 10, gt: 20, st: 6 }))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.writeAttributes(ep(), '/3/0/9', { pmin: 1.5 }))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.writeAttributes(ep(), '/3/0/9', { dim: 2 } as never))).code).toBe('BAD_REQUEST');
    expect(d.received.length).toBe(before);
  });

  it('Execute posts text arguments and refuses non-executable resources', async () => {
    await t.server.execute(ep(), '/3/0/4');
    expect([lastRequest(d).method, lastRequest(d).payload.length]).toEqual(['POST', 0]);
    await t.server.execute(ep(), '/3/0/4', "0,1='coap://x'");
    expect([lastRequest(d).contentFormat, lastRequest(d).payload.toString()]).toEqual([0, "0,1='coap://x'"]);
    expect((await rejection(t.server.execute(ep(), '/3/0/0'))).code).toBe('BAD_REQUEST');
    expect((await rejection(t.server.execute(ep(), '/3/0/4', 'not args'))).code).toBe('BAD_REQUEST');
  });

  it('Create returns the instance id from Location-Path; Delete sends DELETE', async () => {
    d.respond = (req) => (req.method === 'POST' && req.uriPath.length === 1 ? { code: '2.01', locationPath: ['3303', '4'] } : undefined);
    const created = await t.server.create(ep(), '/3303', { 5750: 'outdoor' }, { instanceId: 4 });
    expect(created.instanceId).toBe(4);
    const req = lastRequest(d);
    expect(decodeLeaves(req.contentFormat!, req.payload, t.model).map((l) => [l.path.toString(), l.value])).toEqual([['/3303/4/5750', 'outdoor']]);
    await t.server.delete(ep(), '/3303/4');
    expect([lastRequest(d).method, lastRequest(d).uriPath]).toEqual(['DELETE', ['3303', '4']]);
    expect((await rejection(t.server.delete(ep(), '/3303'))).code).toBe('BAD_REQUEST');
  });

  it('Read-Composite sends FETCH with a SenML path list and returns the leaves', async () => {
    d.respond = (req) => {
      if (req.method !== 'FETCH') return undefined;
      const paths = decodePathList(req.contentFormat!, req.payload).map(String);
      const leaves = [...d.values].filter(([p]) => paths.some((q) => LwM2mPath.parse(q).contains(LwM2mPath.parse(p)))).map(([p, v]) => ({ path: LwM2mPath.parse(p), value: v }));
      return { code: '2.05', contentFormat: 112, payload: encodeLeaves(112, leaves, t.model) };
    };
    const r = await t.server.readComposite(ep(), ['/3/0/9', '/1/0/1']);
    const req = lastRequest(d);
    expect([req.method, req.uriPath, req.contentFormat, req.accept]).toEqual(['FETCH', [], 112, 112]);
    expect(r.leaves.map((l) => [l.path.toString(), l.value]).sort()).toEqual([
      ['/1/0/1', 300],
      ['/3/0/9', 87],
    ]);
  });

  it('Write-Composite sends iPATCH with typed SenML values', async () => {
    d.respond = (req) => (req.method === 'iPATCH' ? { code: '2.04' } : undefined);
    await t.server.writeComposite(ep(), { '/1/0/1': '120', '/3/0/15': 'UTC' });
    const req = lastRequest(d);
    expect([req.method, req.contentFormat]).toEqual(['iPATCH', 112]);
    expect(decodeLeaves(112, req.payload, t.model).map((l) => [l.path.toString(), l.value])).toEqual([
      ['/1/0/1', 120],
      ['/3/0/15', 'UTC'],
    ]);
    expect((await rejection(t.server.writeComposite(ep(), { '/3/0/9': 1 }))).code).toBe('BAD_REQUEST');
  });
});

describe('content-format selection and quirks', () => {
  it('reads a LwM2M 1.0 device that announced nothing without Accept, writes TLV, and refuses composite operations', async () => {
    const d = await registered('v10', ['lwm2m=1.0'], '</1/0>,</3/0>');
    d.set('/3/0/9', 42).set('/3/0/0', 'Z');
    const r = await t.server.read('v10', '/3/0');
    expect(lastRequest(d).accept).toBeUndefined();
    expect(r.contentFormat).toBe(11542);
    expect(r.leaves).toHaveLength(2);
    await t.server.write('v10', '/3/0/13', new Date('2024-01-02T03:04:05Z'));
    expect(lastRequest(d).contentFormat).toBe(11542);
    expect(d.values.get('/3/0/13')).toEqual(new Date('2024-01-02T03:04:05Z'));
    const err = await rejection(t.server.readComposite('v10', ['/3/0/9']));
    expect([err.code, err.message]).toEqual(['BAD_REQUEST', 'Read-Composite is not possible with device v10: LwM2M 1.0 has no composite operations']);
  });

  it('Create without an instance id on a 1.0 device sends resources only in TLV and reads the new id', async () => {
    const d = await registered('v10c', ['lwm2m=1.0'], '</1/0>,</3/0>,</3303>');
    d.respond = (req) => (req.method === 'POST' && req.uriPath.length === 1 ? { code: '2.01', locationPath: ['3303', '7'] } : undefined);
    const created = await t.server.create('v10c', '/3303', { 5750: 'indoor' });
    expect(created.instanceId).toBe(7);
    const req = lastRequest(d);
    expect(req.contentFormat).toBe(11542);
    const node = decodeNode(11542, req.payload, new LwM2mPath(3303, 0), t.model);
    expect(nodeToLeaves(node, new LwM2mPath(3303, 0)).map((l) => [l.path.toString(), l.value])).toEqual([['/3303/0/5750', 'indoor']]);
  });

  it('uses text/plain for a single resource of a 1.1 device that announced only text, and no Accept for an instance', async () => {
    const d = await registered('textonly', ['lwm2m=1.1'], '</>;rt="oma.lwm2m";ct="0 40 42",</3/0>');
    d.respond = (req) => (req.accept === undefined ? { code: '2.05', contentFormat: 11542, payload: Buffer.from([0xc1, 0x09, 0x33]) } : undefined);
    d.set('/3/0/9', 64);
    const single = await t.server.read('textonly', '/3/0/9');
    expect([lastRequest(d).accept, single.contentFormat, single.node]).toEqual([0, 0, { kind: 'resource', id: 9, value: 64 }]);
    const inst = await t.server.read('textonly', '/3/0');
    expect(lastRequest(d).accept).toBeUndefined();
    expect(inst.leaves.map((l) => [l.path.toString(), l.value])).toEqual([['/3/0/9', 51]]);
  });

  it('asks a 1.0 device that announced TLV for TLV', async () => {
    const d = await registered('v10tlv', ['lwm2m=1.0'], '</>;ct=11542,</3/0>');
    d.set('/3/0/9', 5);
    const r = await t.server.read('v10tlv', '/3/0/9');
    expect([lastRequest(d).accept, r.contentFormat, r.node]).toEqual([11542, 11542, { kind: 'resource', id: 9, value: 5 }]);
  });

  it('reads an answer without Content-Format as text for a single resource', async () => {
    const d = await registered('nocf', ['lwm2m=1.0'], '</3/0>');
    d.respond = () => ({ code: '2.05', payload: Buffer.from('95') });
    const r = await t.server.read('nocf', '/3/0/9');
    expect([r.contentFormat, r.node]).toEqual([0, { kind: 'resource', id: 9, value: 95 }]);
  });

  it('honours an alternate root path', async () => {
    const d = await registered('altroot', ['lwm2m=1.1'], '</lwm2m>;rt="oma.lwm2m";ct="110",</lwm2m/1/0>,</lwm2m/3/0>');
    d.rootSegments = ['lwm2m'];
    d.set('/3/0/0', 'Rooted');
    const r = await t.server.read('altroot', '/3/0/0');
    expect(lastRequest(d).uriPath).toEqual(['lwm2m', '3', '0', '0']);
    expect(lastRequest(d).accept).toBe(110);
    expect(r.node).toEqual({ kind: 'resource', id: 0, value: 'Rooted' });
  });

  it('an undecodable answer is DEVICE_ERROR, an unknown endpoint NOT_FOUND, a bad path BAD_REQUEST', async () => {
    const d = await registered('garbage', ['lwm2m=1.1'], '</>;rt="oma.lwm2m";ct="110",</3/0>');
    d.respond = () => ({ code: '2.05', contentFormat: 110, payload: Buffer.from('{not json') });
    const bad = await rejection(t.server.read('garbage', '/3/0'));
    expect(bad.code).toBe('DEVICE_ERROR');
    expect(bad.message).toContain('Device garbage sent an invalid answer to Read /3/0');
    expect((await rejection(t.server.read('nobody', '/3/0/9'))).code).toBe('NOT_FOUND');
    expect((await rejection(t.server.read('garbage', '/3/0/9/1/2'))).code).toBe('BAD_REQUEST');
  });
});
