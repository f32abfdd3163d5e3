import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteArguments } from '../../client/execute-arguments.ts';
import type { LwM2mClient } from '../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { decodeNode, encodeNode, encodePathList, encodeLeaves, decodeLeaves } from '../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { parseDiscoverLinks } from '../../protocol/lwm2m/link-format.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import type { LwM2mObjectInstance, LwM2mResource } from '../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';
import { FIXED_TIME, fixtureClient, VELOCITY } from './helpers/fixture-device.ts';
import { segs, TestServer } from './helpers/test-server.ts';

let server: TestServer;
let model: ModelLookup;
let dev: LwM2mClient;
let dev10: LwM2mClient;
const executed: Array<[number, ExecuteArguments]> = [];

beforeAll(async () => {
  server = await TestServer.start();
  model = await ObjectRegistry.loadDefault();
  dev = fixtureClient('ops-11', server.address, model, executed, { factories: { 3303: (id) => new SimpleInstance(3303, id, { 5700: 0, 5701: 'Cel', 5750: '' }) } });
  dev10 = fixtureClient('ops-10', server.address, model, [], { version: '1.0' });
  await Promise.all([dev.start(), dev10.start()]);
});
afterAll(async () => {
  await Promise.all([dev.stop(), dev10.stop()]);
  await server.close();
});

const P = (s: string) => LwM2mPath.parse(s);
const MULTI_VALUE_FORMATS = [ContentFormat.TLV, ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR, ContentFormat.JSON];

function resources(node: ReturnType<typeof decodeNode>): Map<number, LwM2mResource> {
  expect(node.kind).toBe('objectInstance');
  return (node as LwM2mObjectInstance).resources;
}

describe('Read', () => {
  it.each(MULTI_VALUE_FORMATS)('answers /3/0 in content format %i with typed values', async (cf) => {
    const res = await server.read('ops-11', '/3/0', cf);
    expect(res.code).toBe('2.05');
    expect(res.contentFormat).toBe(cf);
    const r = resources(decodeNode(cf, res.payload, P('/3/0'), model));
    expect(r.get(0)).toEqual({ kind: 'resource', id: 0, value: 'lwtwin' });
    expect(r.get(9)).toEqual({ kind: 'resource', id: 9, value: 87 });
    expect(r.get(6)).toEqual({ kind: 'multipleResource', id: 6, instances: new Map([[0, 1], [1, 5]]) });
    expect((r.get(13) as { value: Date }).value.getTime()).toBe(FIXED_TIME.getTime());
    expect(r.has(4)).toBe(false); // executable resources are not read
  });

  it.each(MULTI_VALUE_FORMATS)('answers the object /6 in content format %i (float and opaque)', async (cf) => {
    const res = await server.read('ops-11', '/6', cf);
    expect(res.code).toBe('2.05');
    const node = decodeNode(cf, res.payload, P('/6'), model);
    expect(node.kind).toBe('object');
    const inst = (node as { instances: Map<number, LwM2mObjectInstance> }).instances.get(0)!;
    expect(inst.resources.get(0)).toEqual({ kind: 'resource', id: 0, value: 48.858 });
    expect(Buffer.from((inst.resources.get(4) as { value: Uint8Array }).value)).toEqual(VELOCITY);
  });

  it('answers single resources as text, opaque and CBOR', async () => {
    const text = await server.read('ops-11', '/3303/0/5700', ContentFormat.TEXT);
    expect([text.code, text.contentFormat, text.payload.toString()]).toEqual(['2.05', 0, '21.5']);
    const opaque = await server.read('ops-11', '/6/0/4', ContentFormat.OPAQUE);
    expect([opaque.code, opaque.contentFormat]).toEqual(['2.05', 42]);
    expect(opaque.payload).toEqual(VELOCITY);
    const cbor = await server.read('ops-11', '/3/0/9', ContentFormat.CBOR);
    expect(decodeNode(ContentFormat.CBOR, cbor.payload, P('/3/0/9'), model)).toEqual({ kind: 'resource', id: 9, value: 87 });
    const ri = await server.read('ops-11', '/3/0/6/1', ContentFormat.TEXT);
    expect(ri.payload.toString()).toBe('5');
  });

  it('defaults to SenML CBOR for 1.1 and TLV for 1.0', async () => {
    const a = await server.read('ops-11', '/3/0');
    expect(a.contentFormat).toBe(ContentFormat.SENML_CBOR);
    const b = await server.read('ops-10', '/3/0');
    expect(b.contentFormat).toBe(ContentFormat.TLV);
    expect(resources(decodeNode(ContentFormat.TLV, b.payload, P('/3/0'), model)).get(1)).toEqual({ kind: 'resource', id: 1, value: 'model-x' });
  });

  it('answers 4.06 for an Accept it cannot produce', async () => {
    expect((await server.read('ops-11', '/3/0', ContentFormat.LWM2M_CBOR)).code).toBe('4.06');
    expect((await server.read('ops-11', '/3/0', 9999)).code).toBe('4.06');
    expect((await server.read('ops-11', '/3/0', ContentFormat.TEXT)).code).toBe('4.06');
    expect((await server.read('ops-11', '/3/0/0', ContentFormat.OPAQUE)).code).toBe('4.06');
    expect((await server.read('ops-10', '/3/0', ContentFormat.SENML_JSON)).code).toBe('4.06');
  });

  it('answers 4.04 for unknown paths and 4.05 for reading an executable resource', async () => {
    for (const p of ['/99', '/99/0', '/3/1', '/3/0/2', '/3/0/6/7', '/3/0/9/0', '/foo', '/0', '/0/0']) {
      expect((await server.read('ops-11', p)).code, p).toBe('4.04');
    }
    expect((await server.read('ops-11', '/3/0/4')).code).toBe('4.05');
    const security = await server.request('ops-11', { method: 'PUT', uriPath: segs('/0/0/0'), contentFormat: ContentFormat.TEXT, payload: Buffer.from('coap://evil') });
    expect(security.code).toBe('4.04');
    expect((await server.request('ops-11', { method: 'GET', uriPath: segs('/0'), accept: ContentFormat.LINK })).code).toBe('4.04');
  });
});

describe('Write', () => {
  it('writes a resource then reads it back', async () => {
    const w = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0/14'), contentFormat: ContentFormat.TEXT, payload: Buffer.from('+02:00') });
    expect(w.code).toBe('2.04');
    expect((await server.read('ops-11', '/3/0/14', ContentFormat.TEXT)).payload.toString()).toBe('+02:00');
  });

  it('replaces (PUT) and partially updates (POST) an instance', async () => {
    const path = P('/3/0');
    const node: LwM2mObjectInstance = {
      kind: 'objectInstance',
      id: 0,
      resources: new Map<number, LwM2mResource>([
        [14, { kind: 'resource', id: 14, value: '-05:00' }],
        [15, { kind: 'resource', id: 15, value: 'America/New_York' }],
      ]),
    };
    const put = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0'), contentFormat: ContentFormat.TLV, payload: encodeNode(ContentFormat.TLV, node, path, model) });
    expect(put.code).toBe('2.04');
    const post = await server.request('ops-11', {
      method: 'POST',
      uriPath: segs('/3/0'),
      contentFormat: ContentFormat.SENML_JSON,
      payload: Buffer.from(JSON.stringify([{ bn: '/3/0/', n: '15', vs: 'Europe/Paris' }])),
    });
    expect(post.code).toBe('2.04');
    const r = resources(decodeNode(ContentFormat.SENML_JSON, (await server.read('ops-11', '/3/0', ContentFormat.SENML_JSON)).payload, path, model));
    expect(r.get(14)).toEqual({ kind: 'resource', id: 14, value: '-05:00' });
    expect(r.get(15)).toEqual({ kind: 'resource', id: 15, value: 'Europe/Paris' });
  });

  it('answers 4.05 for a read-only resource and leaves the instance unchanged', async () => {
    const ro = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0/9'), contentFormat: ContentFormat.TEXT, payload: Buffer.from('5') });
    expect(ro.code).toBe('4.05');
    const mixed = await server.request('ops-11', {
      method: 'POST',
      uriPath: segs('/3/0'),
      contentFormat: ContentFormat.SENML_JSON,
      payload: Buffer.from(JSON.stringify([{ bn: '/3/0/', n: '14', vs: '+09:00' }, { n: '0', vs: 'evil' }])),
    });
    expect(mixed.code).toBe('4.05');
    expect((await server.read('ops-11', '/3/0/14', ContentFormat.TEXT)).payload.toString()).not.toBe('+09:00');
    expect((await server.read('ops-11', '/3/0/9', ContentFormat.TEXT)).payload.toString()).toBe('87');
  });

  it('answers 4.00 for a malformed payload and 4.15 for an unsupported format', async () => {
    const bad = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0'), contentFormat: ContentFormat.TLV, payload: Buffer.from([0xc8, 0x0e, 0x20, 0x41]) });
    expect(bad.code).toBe('4.00');
    const badTime = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0/13'), contentFormat: ContentFormat.TEXT, payload: Buffer.from('noon') });
    expect(badTime.code).toBe('4.00');
    const noCf = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0/14'), payload: Buffer.from('x') });
    expect(noCf.code).toBe('4.00');
    for (const cf of [9999, ContentFormat.LINK, ContentFormat.LWM2M_CBOR]) {
      const r = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3/0/14'), contentFormat: cf, payload: Buffer.from('x') });
      expect(r.code, String(cf)).toBe('4.15');
    }
    const senml10 = await server.request('ops-10', { method: 'PUT', uriPath: segs('/3/0/14'), contentFormat: ContentFormat.SENML_JSON, payload: Buffer.from('[]') });
    expect(senml10.code).toBe('4.15');
  });

  it('answers 4.04 for writes to unknown instances', async () => {
    const r = await server.request('ops-11', { method: 'PUT', uriPath: segs('/3303/9/5750'), contentFormat: ContentFormat.TEXT, payload: Buffer.from('x') });
    expect(r.code).toBe('4.04');
  });
});

describe('Execute, Create and Delete', () => {
  it('executes with arguments and refuses non-executable resources', async () => {
    executed.length = 0;
    const r = await server.request('ops-11', { method: 'POST', uriPath: segs('/3/0/4'), payload: Buffer.from("0,1='coap://x'") });
    expect(r.code).toBe('2.04');
    expect(executed).toEqual([[4, new Map<number, string | undefined>([[0, undefined], [1, 'coap://x']])]]);
    expect((await server.request('ops-11', { method: 'POST', uriPath: segs('/3/0/4'), payload: Buffer.from('0=x') })).code).toBe('4.00');
    expect((await server.request('ops-11', { method: 'POST', uriPath: segs('/3/0/9') })).code).toBe('4.05');
    expect((await server.request('ops-11', { method: 'POST', uriPath: segs('/3/0/5') })).code).toBe('4.05'); // Factory Reset not implemented
  });

  it('creates an instance (2.01 + Location-Path) and deletes it, updating the registration each time', async () => {
    const before = server.events.length;
    const node: LwM2mObjectInstance = { kind: 'objectInstance', id: 4, resources: new Map([[5750, { kind: 'resource', id: 5750, value: 'outdoor' }]]) };
    const payload = encodeNode(ContentFormat.TLV, { kind: 'object', id: 3303, instances: new Map([[4, node]]) }, P('/3303'), model);
    const created = await server.request('ops-11', { method: 'POST', uriPath: ['3303'], contentFormat: ContentFormat.TLV, payload });
    expect(created.code).toBe('2.01');
    expect(created.locationPath).toEqual(['3303', '4']);
    expect((await server.read('ops-11', '/3303/4/5750', ContentFormat.TEXT)).payload.toString()).toBe('outdoor');
    const upd = await server.waitFor((e) => e.ep === 'ops-11' && e.kind === 'update' && !!e.links, 3000, before);
    expect(upd.links?.objects).toContainEqual({ objectId: 3303, instanceId: 4 });
    const mid = server.events.length;
    expect((await server.request('ops-11', { method: 'DELETE', uriPath: segs('/3303/4') })).code).toBe('2.02');
    expect((await server.read('ops-11', '/3303/4')).code).toBe('4.04');
    const upd2 = await server.waitFor((e) => e.ep === 'ops-11' && e.kind === 'update' && !!e.links, 3000, mid);
    expect(upd2.links?.objects.some((o) => o.objectId === 3303 && o.instanceId === 4)).toBe(false);
  });

  it('refuses Delete of /3/0, of objects and Create where no factory exists', async () => {
    expect((await server.request('ops-11', { method: 'DELETE', uriPath: segs('/3/0') })).code).toBe('4.05');
    expect((await server.request('ops-11', { method: 'DELETE', uriPath: segs('/3303') })).code).toBe('4.05');
    expect((await server.request('ops-11', { method: 'POST', uriPath: ['6'], contentFormat: ContentFormat.TLV, payload: Buffer.alloc(0) })).code).toBe('4.05');
  });
});

describe('Discover and Write-Attributes', () => {
  it('lists the object with ver, its instance and resources with dim', async () => {
    const res = await server.request('ops-11', { method: 'GET', uriPath: ['3'], accept: ContentFormat.LINK });
    expect([res.code, res.contentFormat]).toEqual(['2.05', 40]);
    const links = parseDiscoverLinks(res.payload.toString());
    expect(links[0].path.toString()).toBe('/3');
    expect(links[0].attributes.ver).toBe(model.object(3)?.version);
    expect(links[1].path.toString()).toBe('/3/0');
    expect(links.find((l) => l.path.toString() === '/3/0/6')?.attributes.dim).toBe(2);
    expect(links.find((l) => l.path.toString() === '/3/0/4')).toBeDefined();
  });

  it('attaches, shows, inherits and unsets attributes', async () => {
    const put = (path: string, ...query: string[]) => server.request('ops-11', { method: 'PUT', uriPath: segs(path), uriQuery: query });
    expect((await put('/3/0', 'pmin=10', 'pmax=60')).code).toBe('2.04');
    expect((await put('/3/0/9', 'gt=50', 'lt=10.5', 'st=2')).code).toBe('2.04');
    const res = await server.request('ops-11', { method: 'GET', uriPath: segs('/3/0/9'), accept: ContentFormat.LINK });
    expect(parseDiscoverLinks(res.payload.toString())[0].attributes).toEqual({ pmin: 10, pmax: 60, gt: 50, lt: 10.5, st: 2 });
    expect((await put('/3/0/9', 'gt', 'st')).code).toBe('2.04');
    const after = await server.request('ops-11', { method: 'GET', uriPath: segs('/3/0'), accept: ContentFormat.LINK });
    const links = parseDiscoverLinks(after.payload.toString());
    expect(links[0].attributes).toEqual({ pmin: 10, pmax: 60 });
    expect(links.find((l) => l.path.toString() === '/3/0/9')?.attributes).toEqual({ lt: 10.5 });
  });

  it('answers 4.00 for invalid attribute combinations and names', async () => {
    const put = (path: string, ...query: string[]) => server.request('ops-11', { method: 'PUT', uriPath: segs(path), uriQuery: query });
    expect((await put('/3303/0/5700', 'lt=30', 'gt=20')).code).toBe('4.00');
    expect((await put('/3303/0/5700', 'lt=10', 'gt=20', 'st=5')).code).toBe('4.00');
    expect((await put('/3303/0/5700', 'pmin=10', 'pmax=5')).code).toBe('4.00');
    expect((await put('/3303/0/5700', 'foo=1')).code).toBe('4.00');
    expect((await put('/3303/0/5700', 'dim=3')).code).toBe('4.00');
    expect((await put('/3303/0/5700', 'pmin=x')).code).toBe('4.00');
    expect((await put('/3303/0', 'gt=5')).code).toBe('4.00');
    expect((await put('/3/0/0', 'gt=5')).code).toBe('4.00'); // string resource
    expect((await put('/3303/0/5700', 'lt=10', 'gt=20', 'st=4')).code).toBe('2.04');
    expect((await put('/3303/7/5700', 'pmin=1')).code).toBe('4.04');
  });
});

describe('composite operations (1.1)', () => {
  it('Read-Composite returns the requested paths, skipping missing ones', async () => {
    const payload = encodePathList(ContentFormat.SENML_JSON, [P('/3/0/0'), P('/3303/0'), P('/3303/9')]);
    const res = await server.request('ops-11', { method: 'FETCH', uriPath: [], contentFormat: ContentFormat.SENML_JSON, accept: ContentFormat.SENML_CBOR, payload });
    expect([res.code, res.contentFormat]).toEqual(['2.05', ContentFormat.SENML_CBOR]);
    const leaves = decodeLeaves(ContentFormat.SENML_CBOR, res.payload, model);
    const byPath = new Map(leaves.map((l) => [l.path.toString(), l.value]));
    expect(byPath.get('/3/0/0')).toBe('lwtwin');
    expect(byPath.get('/3303/0/5700')).toBe(21.5);
    expect(byPath.get('/3303/0/5701')).toBe('Cel');
  });

  it('Write-Composite writes several resources at once', async () => {
    const payload = encodeLeaves(ContentFormat.SENML_CBOR, [{ path: P('/3/0/15'), value: 'Asia/Tokyo' }, { path: P('/3303/0/5750'), value: 'fridge' }], model);
    const res = await server.request('ops-11', { method: 'iPATCH', uriPath: [], contentFormat: ContentFormat.SENML_CBOR, payload });
    expect(res.code).toBe('2.04');
    expect((await server.read('ops-11', '/3/0/15', ContentFormat.TEXT)).payload.toString()).toBe('Asia/Tokyo');
    expect((await server.read('ops-11', '/3303/0/5750', ContentFormat.TEXT)).payload.toString()).toBe('fridge');
  });

  it('is not allowed for a 1.0 client', async () => {
    const payload = encodePathList(ContentFormat.SENML_JSON, [P('/3/0/0')]);
    const res = await server.request('ops-10', { method: 'FETCH', uriPath: [], contentFormat: ContentFormat.SENML_JSON, payload });
    expect(res.code).toBe('4.05');
  });
});
