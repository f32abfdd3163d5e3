import { describe, expect, it } from 'vitest';
import type { LwM2mClient } from '../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { CoapType, type IncomingResponse } from '../../protocol/coap/types.ts';
import { decodeLeaves, decodeNode, encodePathList } from '../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { clientTestBed } from './helpers/client-test-bed.ts';
import { fixtureClient } from './helpers/fixture-device.ts';
import { segs } from './helpers/test-server.ts';
import { sleep, until } from './helpers/wait.ts';

const bed = clientTestBed<LwM2mClient>();
let n = 0;

async function device(extra: Parameters<typeof fixtureClient>[4] = {}): Promise<{ c: LwM2mClient; ep: string; temp: SimpleInstance }> {
  const ep = `obs-${n++}`;
  const c = fixtureClient(ep, bed.server.address, bed.model, [], extra);
  bed.devices.push(c);
  await c.start();
  return { c, ep, temp: c.instance(3303, 0) as SimpleInstance };
}

const TEMP = '/3303/0/5700';

function valueOf(res: IncomingResponse): number {
  return Number(res.payload.toString());
}

async function observeText(ep: string, path: string, got: IncomingResponse[]) {
  const handle = await bed.server.observe(ep, { method: 'GET', uriPath: segs(path), accept: ContentFormat.TEXT }, (r) => got.push(r));
  expect(handle.first.code).toBe('2.05');
  expect(handle.first.observe).toBeTypeOf('number');
  return handle;
}

async function attrs(ep: string, path: string, ...query: string[]): Promise<void> {
  const res = await bed.server.request(ep, { method: 'PUT', uriPath: segs(path), uriQuery: query });
  expect(res.code).toBe('2.04');
}

describe('notification timing (pmin / pmax)', () => {
  it('notifies at least every pmax without changes, with rising Observe numbers', async () => {
    const { ep } = await device();
    await attrs(ep, TEMP, 'pmin=0', 'pmax=1');
    const got: IncomingResponse[] = [];
    const start = Date.now();
    const h = await observeText(ep, TEMP, got);
    await until(() => got.length >= 2, 'two periodic notifications', 4000);
    const elapsed = Date.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(got.map(valueOf)).toEqual([21.5, 21.5]);
    expect(got[0].observe!).toBeGreaterThan(h.first.observe!);
    expect(got[1].observe!).toBeGreaterThan(got[0].observe!);
    expect(got[0].message.type).toBe(CoapType.NON); // 'daily': NON except one CON per day
  });

  it('holds changes back until pmin has passed and sends the latest value', async () => {
    const { ep, temp } = await device();
    await attrs(ep, TEMP, 'pmin=1');
    const got: IncomingResponse[] = [];
    const start = Date.now();
    await observeText(ep, TEMP, got);
    for (const v of [22, 23, 24, 25]) {
      temp.set(5700, v);
      await sleep(20);
    }
    await sleep(600);
    expect(got).toHaveLength(0);
    await until(() => got.length === 1, 'the held-back notification', 2000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    expect(valueOf(got[0])).toBe(25);
    await sleep(300);
    expect(got).toHaveLength(1);
  });

  it('takes pmin/pmax defaults from the Server object (/1/0/2, /1/0/3)', async () => {
    const { ep, c } = await device();
    (c.instance(1, 0) as SimpleInstance).set(3, 1);
    const got: IncomingResponse[] = [];
    await observeText(ep, '/3/0/9', got);
    await until(() => got.length >= 1, 'a periodic notification from the default pmax', 2500);
    expect(valueOf(got[0])).toBe(87);
  });

  it('sends confirmable notifications when configured', async () => {
    const { ep, temp } = await device({ notifyConfirmable: true });
    const got: IncomingResponse[] = [];
    await observeText(ep, TEMP, got);
    temp.set(5700, 30);
    await until(() => got.length === 1, 'a notification', 2000);
    expect(got[0].message.type).toBe(CoapType.CON);
    expect(valueOf(got[0])).toBe(30);
  });
});

describe('thresholds (gt / lt / st)', () => {
  it('notifies only when the value crosses gt or lt', async () => {
    const { ep, temp } = await device();
    await attrs(ep, TEMP, 'gt=25', 'lt=15');
    const got: IncomingResponse[] = [];
    await observeText(ep, TEMP, got);
    for (const v of [22, 26, 27, 28, 24, 20, 14, 13]) {
      temp.set(5700, v);
      await sleep(40);
    }
    await sleep(100);
    expect(got.map(valueOf)).toEqual([26, 24, 14]);
  });

  it('notifies when the value moved by at least st since the last notification', async () => {
    const { ep, temp } = await device();
    await attrs(ep, TEMP, 'st=2');
    const got: IncomingResponse[] = [];
    await observeText(ep, TEMP, got);
    for (const v of [22, 23.4, 23.6, 24, 25.7, 24]) {
      temp.set(5700, v);
      await sleep(40);
    }
    await sleep(100);
    expect(got.map(valueOf)).toEqual([23.6, 25.7]);
  });

  it('lets resource attributes override instance and object ones', async () => {
    const { ep, temp } = await device();
    await attrs(ep, '/3303', 'pmin=5');
    await attrs(ep, '/3303/0', 'pmin=3');
    await attrs(ep, TEMP, 'pmin=0');
    const got: IncomingResponse[] = [];
    await observeText(ep, TEMP, got);
    temp.set(5700, 40);
    await until(() => got.length === 1, 'an immediate notification (resource pmin=0 wins)', 1000);
    const inst: IncomingResponse[] = [];
    await bed.server.observe(ep, { method: 'GET', uriPath: segs('/3303/0'), accept: ContentFormat.SENML_JSON }, (r) => inst.push(r));
    temp.set(5700, 41);
    await sleep(500);
    expect(inst).toHaveLength(0); // the instance observation uses pmin=3
  });
});

describe('evaluation periods (epmin / epmax)', () => {
  it('epmax samples a value that changed without a signal and notifies on a gt crossing', async () => {
    const { ep, c } = await device();
    let level = 5;
    c.addInstance(new SimpleInstance(3303, 5, { 5700: { read: () => level } }));
    await attrs(ep, '/3303/5/5700', 'gt=10', 'epmax=1');
    const got: IncomingResponse[] = [];
    await observeText(ep, '/3303/5/5700', got);
    level = 20; // no changed() call: only sampling can see it
    await until(() => got.length === 1, 'a notification from the epmax sample', 2500);
    expect(valueOf(got[0])).toBe(20);
    await sleep(1200);
    expect(got).toHaveLength(1); // later samples see no new crossing
  });

  it('epmin defers the evaluation of an early change', async () => {
    const { ep, temp } = await device();
    await attrs(ep, TEMP, 'epmin=1');
    const got: IncomingResponse[] = [];
    const start = Date.now();
    await observeText(ep, TEMP, got);
    temp.set(5700, 29);
    await sleep(500);
    expect(got).toHaveLength(0);
    await until(() => got.length === 1, 'the deferred evaluation', 2000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
    expect(valueOf(got[0])).toBe(29);
  });
});

describe('cancellation', () => {
  it('an RST in reply to a notification cancels the observation', async () => {
    const { ep, c, temp } = await device();
    const got: IncomingResponse[] = [];
    const h = await observeText(ep, TEMP, got);
    temp.set(5700, 30);
    await until(() => got.length === 1, 'the first notification', 2000);
    expect(c.observationCount).toBe(1);
    h.forget();
    temp.set(5700, 31);
    await until(() => c.observationCount === 0, 'the client to drop the observation after RST', 3000);
    temp.set(5700, 32);
    await sleep(100);
    expect(got).toHaveLength(1);
  });

  it('GET with Observe=1 cancels and answers with the value', async () => {
    const { ep, c } = await device();
    const h = await observeText(ep, TEMP, []);
    expect(c.observationCount).toBe(1);
    const res = await h.cancel();
    expect(res?.code).toBe('2.05');
    expect(c.observationCount).toBe(0);
  });

  it('observations end when the client registers again', async () => {
    const { ep, c } = await device();
    await observeText(ep, TEMP, []);
    expect(c.observationCount).toBe(1);
    const before = bed.server.events.length;
    bed.server.forget(ep);
    c.triggerUpdate();
    await bed.server.waitFor((e) => e.ep === ep && e.kind === 'register', 3000, before);
    expect(c.observationCount).toBe(0);
  });
});

describe('Observe-Composite', () => {
  it('notifies every observed path in one SenML payload', async () => {
    const { ep, temp } = await device();
    const got: IncomingResponse[] = [];
    const payload = encodePathList(ContentFormat.SENML_JSON, [LwM2mPath.parse(TEMP), LwM2mPath.parse('/3/0/9')]);
    const h = await bed.server.observe(ep, { method: 'FETCH', uriPath: [], contentFormat: ContentFormat.SENML_JSON, accept: ContentFormat.SENML_JSON, payload }, (r) => got.push(r));
    expect(h.first.code).toBe('2.05');
    temp.set(5700, 33.5);
    await until(() => got.length === 1, 'a composite notification', 2000);
    const leaves = decodeLeaves(ContentFormat.SENML_JSON, got[0].payload, bed.model);
    expect(new Map(leaves.map((l) => [l.path.toString(), l.value]))).toEqual(new Map<string, unknown>([[TEMP, 33.5], ['/3/0/9', 87]]));
  });

  it('notifies an instance observation with the whole instance', async () => {
    const { ep, temp } = await device();
    const got: IncomingResponse[] = [];
    await bed.server.observe(ep, { method: 'GET', uriPath: segs('/3303/0'), accept: ContentFormat.TLV }, (r) => got.push(r));
    temp.set(5701, 'K');
    await until(() => got.length === 1, 'an instance notification', 2000);
    const node = decodeNode(ContentFormat.TLV, got[0].payload, LwM2mPath.parse('/3303/0'), bed.model);
    expect(node.kind === 'objectInstance' && node.resources.get(5701)).toEqual({ kind: 'resource', id: 5701, value: 'K' });
  });
});

describe('Send', () => {
  it('POSTs the current values to /dp as SenML CBOR', async () => {
    const { c, temp } = await device();
    temp.set(5700, 18.25);
    const before = bed.server.sent.length;
    expect(await c.send(['/3/0/9', '/3303/0'])).toBe('2.04');
    const req = bed.server.sent[before];
    expect(req.contentFormat).toBe(ContentFormat.SENML_CBOR);
    const values = new Map(decodeLeaves(ContentFormat.SENML_CBOR, req.payload, bed.model).map((l) => [l.path.toString(), l.value]));
    expect(values.get('/3/0/9')).toBe(87);
    expect(values.get('/3303/0/5700')).toBe(18.25);
    expect(values.get('/3303/0/5701')).toBe('Cel');
  });

  it('is refused before registration and for a 1.0 client', async () => {
    const { c } = await device({ version: '1.0' });
    await expect(c.send(['/3/0/9'])).rejects.toThrow(/1\.1/);
    const idle = fixtureClient('never-started', bed.server.address, bed.model);
    await expect(idle.send(['/3/0/9'])).rejects.toMatchObject({ code: 'NOT_REGISTERED' });
  });
});
