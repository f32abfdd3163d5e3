import { describe, expect, it } from 'vitest';
import { isProtocolError } from '../../protocol/errors.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import type { IncomingResponse } from '../../protocol/coap/types.ts';
import { SimulatedDevice, type SimulatedDeviceOptions } from '../../scripts/simulator/simulated-device.ts';
import { FirmwareResult, FirmwareState } from '../../scripts/simulator/objects/firmware-object.ts';
import { BEARERS } from '../../scripts/simulator/objects/connectivity-object.ts';
import { clientTestBed } from './helpers/client-test-bed.ts';
import { segs } from './helpers/test-server.ts';
import { sleep, until } from './helpers/wait.ts';

const bed = clientTestBed<SimulatedDevice>();
let n = 0;

async function start(extra: Partial<SimulatedDeviceOptions> = {}): Promise<{ d: SimulatedDevice; ep: string }> {
  const ep = `simdev-${n++}`;
  const d = new SimulatedDevice({ name: ep, seed: 42 + n, server: bed.server.address, model: bed.model, ...extra });
  bed.devices.push(d);
  await d.start();
  return { d, ep };
}

const text = async (ep: string, path: string): Promise<string> => {
  const res = await bed.server.read(ep, path, ContentFormat.TEXT);
  expect(res.code, path).toBe('2.05');
  return res.payload.toString();
};
const exec = (ep: string, path: string, args?: string) => bed.server.request(ep, { method: 'POST', uriPath: segs(path), ...(args ? { payload: Buffer.from(args) } : {}) });
const writeText = (ep: string, path: string, value: string) => bed.server.request(ep, { method: 'PUT', uriPath: segs(path), contentFormat: ContentFormat.TEXT, payload: Buffer.from(value) });

function snapshot(d: SimulatedDevice): unknown[] {
  const r = (o: number, i: number, rid: number) => d.client.instance(o, i)!.read(rid);
  return [r(3, 0, 9), r(3, 0, 10), r(3, 0, 20), r(4, 0, 2), r(4, 0, 6), r(6, 0, 0), r(6, 0, 1), r(3303, 0, 5700), r(3303, 0, 5601), r(3303, 0, 5602)];
}

describe('deterministic values', () => {
  it('two devices with the same seed produce identical identities and value sequences', () => {
    const a = new SimulatedDevice({ name: 'a', seed: 7, server: { address: '127.0.0.1', port: 1 }, model: bed.model });
    const b = new SimulatedDevice({ name: 'b', seed: 7, server: { address: '127.0.0.1', port: 1 }, model: bed.model });
    const c = new SimulatedDevice({ name: 'c', seed: 8, server: { address: '127.0.0.1', port: 1 }, model: bed.model });
    expect([a.device.serial, a.device.model, a.connectivity.bearer]).toEqual([b.device.serial, b.device.model, b.connectivity.bearer]);
    expect(a.device.serial).not.toBe(c.device.serial);
    expect(BEARERS).toContain(a.connectivity.bearer);
    const seqA: unknown[] = [];
    const seqB: unknown[] = [];
    const seqC: unknown[] = [];
    for (let i = 0; i < 200; i++) {
      a.step();
      b.step();
      c.step();
      seqA.push(snapshot(a));
      seqB.push(snapshot(b));
      seqC.push(snapshot(c));
    }
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('drains the battery about 1 % per step and recharges from 5 %', () => {
    const d = new SimulatedDevice({ name: 'bat', seed: 3, server: { address: '127.0.0.1', port: 1 }, model: bed.model });
    const levels: number[] = [d.device.batteryLevel];
    for (let i = 0; i < 300; i++) {
      d.step();
      levels.push(d.device.batteryLevel);
    }
    const drops = levels.slice(1).map((v, i) => levels[i] - v).filter((x) => x > 0);
    expect(drops.every((x) => x <= 2)).toBe(true);
    expect(Math.min(...levels)).toBeLessThanOrEqual(5);
    expect(Math.min(...levels)).toBeGreaterThanOrEqual(0);
    const low = levels.indexOf(Math.min(...levels));
    expect(levels.slice(low).some((v) => v >= 50)).toBe(true); // recharged
    expect(levels.every((v) => v >= 0 && v <= 100)).toBe(true);
  });

  it('keeps location and temperature near their seeded base while they wander', () => {
    const d = new SimulatedDevice({ name: 'walk', seed: 11, server: { address: '127.0.0.1', port: 1 }, model: bed.model });
    const [lat0, lon0] = d.location.position;
    const t0 = d.temperatures[0].sensorValue;
    const positions = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      d.step();
      positions.add(d.location.position.join(','));
      expect(Math.abs(d.location.position[0] - lat0)).toBeLessThan(0.005);
      expect(Math.abs(d.location.position[1] - lon0)).toBeLessThan(0.005);
      expect(Math.abs(d.temperatures[0].sensorValue - t0)).toBeLessThan(10);
    }
    expect(positions.size).toBeGreaterThan(1000); // it does move
  });
});

describe('device object', () => {
  it('exposes identity, writable clock settings and factory reset', async () => {
    const { d, ep } = await start();
    expect(await text(ep, '/3/0/0')).toBe('lwtwin');
    expect(await text(ep, '/3/0/2')).toBe(d.device.serial);
    expect(await text(ep, '/3/0/16')).toBe('UQ');
    expect((await writeText(ep, '/3/0/14', '+05:30')).code).toBe('2.04');
    expect((await writeText(ep, '/3/0/15', 'Asia/Kolkata')).code).toBe('2.04');
    expect((await writeText(ep, '/3/0/14', 'soon')).code).toBe('4.00');
    expect(await text(ep, '/3/0/14')).toBe('+05:30');
    expect((await writeText(ep, '/3/0/13', '1700000000')).code).toBe('2.04');
    expect(Math.abs(Number(await text(ep, '/3/0/13')) - 1700000000)).toBeLessThan(5);
    expect((await exec(ep, '/3/0/5')).code).toBe('2.04');
    expect(await text(ep, '/3/0/14')).toBe('+00:00');
    expect(await text(ep, '/3/0/15')).toBe('Etc/UTC');
  });

  it('goes silent on reboot (/3/0/4) and registers again after the delay', async () => {
    const { d, ep } = await start({ rebootDelayMs: 400, requestTimeoutMs: 2000 });
    const before = bed.server.events.length;
    const t0 = Date.now();
    expect((await exec(ep, '/3/0/4')).code).toBe('2.04');
    await sleep(50);
    expect(d.client.state).toBe('rebooting');
    const silent = await bed.server.read(ep, '/3/0/9', ContentFormat.TEXT).catch((e: unknown) => e);
    expect(isProtocolError(silent, 'COAP_TIMEOUT')).toBe(true);
    const reg = await bed.server.waitFor((e) => e.ep === ep && e.kind === 'register', 5000, before);
    expect(reg.at - t0).toBeGreaterThanOrEqual(380);
    await until(() => d.client.state === 'registered', 'registered after reboot');
    expect(await text(ep, '/3/0/0')).toBe('lwtwin');
  });
});

describe('firmware update (object 5)', () => {
  it('pull: URI → Downloading → Downloaded → Update → Idle with result 1 and the new version', async () => {
    const { d, ep } = await start({ downloadSteps: 2, updateSteps: 2 });
    expect(await text(ep, '/5/0/9')).toBe('2');
    expect((await bed.server.read(ep, '/5/0/0')).code).toBe('4.05'); // Package is write-only
    expect((await writeText(ep, '/5/0/1', 'coap://fw.example/lwtwin-2.1.0.bin')).code).toBe('2.04');
    expect(await text(ep, '/5/0/3')).toBe(String(FirmwareState.DOWNLOADING));
    expect((await exec(ep, '/5/0/2')).code).toBe('4.05'); // not downloaded yet
    d.step();
    expect(await text(ep, '/5/0/3')).toBe('1');
    d.step();
    expect(await text(ep, '/5/0/3')).toBe(String(FirmwareState.DOWNLOADED));
    expect(await text(ep, '/5/0/7')).toBe('2.1.0');
    expect((await exec(ep, '/5/0/2')).code).toBe('2.04');
    expect(await text(ep, '/5/0/3')).toBe(String(FirmwareState.UPDATING));
    expect((await exec(ep, '/5/0/10')).code).toBe('4.05'); // no cancel while updating
    d.step();
    d.step();
    expect(await text(ep, '/5/0/3')).toBe(String(FirmwareState.IDLE));
    expect(await text(ep, '/5/0/5')).toBe(String(FirmwareResult.SUCCESS));
    expect(await text(ep, '/3/0/3')).toBe('2.1.0');
  });

  it('push: a block-wise write of the package, then Update', async () => {
    const { d, ep } = await start({ updateSteps: 1 });
    const pkg = Buffer.alloc(5000, 0x5a);
    pkg.write('LWTWIN-FW version=3.0.0\n', 0, 'latin1');
    const res = await bed.server.request(ep, { method: 'PUT', uriPath: segs('/5/0/0'), contentFormat: ContentFormat.OPAQUE, payload: pkg }, 5000);
    expect(res.code).toBe('2.04');
    expect(await text(ep, '/5/0/3')).toBe(String(FirmwareState.DOWNLOADED));
    expect(await text(ep, '/5/0/7')).toBe('3.0.0');
    expect((await exec(ep, '/5/0/2')).code).toBe('2.04');
    d.step();
    expect([await text(ep, '/5/0/3'), await text(ep, '/5/0/5'), await text(ep, '/3/0/3')]).toEqual(['0', '1', '3.0.0']);
  });

  it('a failing device ends in Idle with its configured result and keeps its version', async () => {
    const { d, ep } = await start({ failFwResult: 8, downloadSteps: 1, updateSteps: 1 });
    const version = await text(ep, '/3/0/3');
    await writeText(ep, '/5/0/1', 'https://fw.example/fw-9.9.9.bin');
    d.step();
    expect(await text(ep, '/5/0/3')).toBe('2');
    await exec(ep, '/5/0/2');
    d.step();
    expect([await text(ep, '/5/0/3'), await text(ep, '/5/0/5'), await text(ep, '/3/0/3')]).toEqual(['0', '8', version]);
  });

  it('cancel, empty URI reset, invalid URI and unsupported protocol', async () => {
    const { ep } = await start({ downloadSteps: 5 });
    await writeText(ep, '/5/0/1', 'coap://fw.example/x-1.2.3.bin');
    expect((await exec(ep, '/5/0/10')).code).toBe('2.04');
    expect([await text(ep, '/5/0/3'), await text(ep, '/5/0/5')]).toEqual(['0', String(FirmwareResult.CANCELLED)]);
    await writeText(ep, '/5/0/1', 'coap://fw.example/x-1.2.3.bin');
    expect((await writeText(ep, '/5/0/1', '')).code).toBe('2.04');
    expect([await text(ep, '/5/0/3'), await text(ep, '/5/0/5'), await text(ep, '/5/0/1')]).toEqual(['0', '0', '']);
    await writeText(ep, '/5/0/1', 'not a uri');
    expect(await text(ep, '/5/0/5')).toBe(String(FirmwareResult.INVALID_URI));
    await writeText(ep, '/5/0/1', 'ftp://fw.example/x.bin');
    expect(await text(ep, '/5/0/5')).toBe(String(FirmwareResult.UNSUPPORTED_PROTOCOL));
  });

  it('notifies state changes to an observer of /5/0/3', async () => {
    const { d, ep } = await start({ downloadSteps: 1, updateSteps: 1 });
    const got: IncomingResponse[] = [];
    await bed.server.observe(ep, { method: 'GET', uriPath: segs('/5/0/3'), accept: ContentFormat.TEXT }, (r) => got.push(r));
    await writeText(ep, '/5/0/1', 'coap://fw.example/fw-1.0.1.bin');
    await until(() => got.length === 1, 'Downloading notification', 2000);
    d.step();
    await until(() => got.length === 2, 'Downloaded notification', 2000);
    await exec(ep, '/5/0/2');
    await until(() => got.length === 3, 'Updating notification', 2000);
    d.step();
    await until(() => got.length === 4, 'Idle notification', 2000);
    expect(got.map((r) => r.payload.toString())).toEqual(['1', '2', '3', '0']);
  });
});

describe('queue mode', () => {
  it('sleeps after awakeMs without traffic, drops requests, and wakes with an Update before flushing notifications', async () => {
    const { d, ep } = await start({ queueMode: true, awakeMs: 300 });
    const got: IncomingResponse[] = [];
    await bed.server.observe(ep, { method: 'GET', uriPath: segs('/3303/0/5700'), accept: ContentFormat.TEXT }, (r) => got.push(r));
    await until(() => d.client.sleeping, 'the device to fall asleep', 2000);
    const dropped = await bed.server.request(ep, { method: 'GET', uriPath: segs('/3/0/0') }, 600).catch((e: unknown) => e);
    expect(isProtocolError(dropped, 'COAP_TIMEOUT')).toBe(true);
    d.step(); // the temperature changes while asleep
    await sleep(100);
    expect(got).toHaveLength(0);
    const before = bed.server.events.length;
    const wakeAt = Date.now();
    await d.client.wake();
    const upd = await bed.server.waitFor((e) => e.ep === ep && e.kind === 'update', 2000, before);
    expect(upd.at).toBeGreaterThanOrEqual(wakeAt);
    await until(() => got.length === 1, 'the notification held while asleep', 2000);
    expect(Number(got[0].payload.toString())).toBe(d.temperatures[0].sensorValue);
    expect((await bed.server.read(ep, '/3/0/0', ContentFormat.TEXT)).payload.toString()).toBe('lwtwin');
  });

  it('wakes on its own schedule', async () => {
    const { d, ep } = await start({ queueMode: true, awakeMs: 200, wakeIntervalMs: 300 });
    const before = bed.server.events.length;
    await until(() => d.client.sleeping, 'the device to fall asleep', 2000);
    const upd = await bed.server.waitFor((e) => e.ep === ep && e.kind === 'update', 3000, before);
    expect(upd.kind).toBe('update');
  });
});
