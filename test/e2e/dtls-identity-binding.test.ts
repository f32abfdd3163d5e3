import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LwM2mClient } from '../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { Peer } from '../../protocol/coap/types.ts';
import { DtlsSocket } from '../../protocol/dtls/dtls-socket.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The DTLS identity that made a registration is the only one that may act for it; credentials set while a device is
 * registered over plain CoAP end that registration; a replayed DTLS record reaches nothing above the record layer.
 */
describe('identity-bound registrations over DTLS', () => {
  let t: TestServer;
  let model: Awaited<ReturnType<typeof ObjectRegistry.loadDefault>>;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    t = await startTestServer({ observeObjects: [3] });
    model = await ObjectRegistry.loadDefault();
  });
  afterAll(async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await t?.stop();
  });

  async function device(ep: string, server: Peer, psk?: Buffer, captured: Buffer[] = []) {
    let endpoint: CoapEndpoint | undefined;
    let dtls: DtlsSocket | undefined;
    if (psk !== undefined) {
      dtls = await DtlsSocket.bind({
        client: { psk: { identity: `${ep}-id`, key: psk }, connectionIdLength: 0 },
        retransmitInitialMs: 200,
        dropOutgoing: (d) => {
          captured.push(Buffer.from(d));
          return false;
        },
      });
      endpoint = CoapEndpoint.over(dtls, { params: { ackTimeoutMs: 300 } } as Parameters<typeof CoapEndpoint.over>[1]);
    }
    const dev = new SimpleInstance(3, 0, { 0: 'lwtwin', 9: 50, 16: 'U' });
    const client = new LwM2mClient({
      endpointName: ep,
      server,
      model,
      lifetime: 60,
      version: '1.1',
      ...(endpoint ? { endpoint } : { coapParams: { ackTimeoutMs: 300 } }),
      retry: { maxAttempts: 1 },
      instances: [new SimpleInstance(1, 0, { 0: 1, 1: 60, 6: true, 7: 'U' }), dev],
    });
    stops.push(async () => {
      await client.stop();
      await endpoint?.close();
    });
    return { client, dev, dtls, endpoint };
  }

  async function provision(ep: string): Promise<Buffer> {
    const key = randomBytes(16);
    await t.api.put(`/api/devices/${ep}/security`, { mode: 'psk', identity: `${ep}-id`, key: key.toString('hex') });
    return key;
  }

  it('another DTLS identity cannot Update, De-register or Send for a registration it did not make (4.03)', async () => {
    const x = await device('bind-x', t.coaps, await provision('bind-x'));
    const y = await device('bind-y', t.coaps, await provision('bind-y'));
    await x.client.start();
    await y.client.start();
    const loc = x.client.registrationLocation!;
    for (const req of [{ method: 'POST' as const, uriPath: [...loc] }, { method: 'DELETE' as const, uriPath: [...loc] }]) {
      const res = await y.endpoint!.request(t.coaps, req);
      expect(res.code).toBe('4.03');
      expect(res.payload.toString()).toMatch(/another DTLS identity/);
    }
    const reg = await t.api.get('/api/devices/bind-x');
    expect(reg.security).toBe('psk');
    // X itself still may.
    const res = await x.endpoint!.request(t.coaps, { method: 'POST', uriPath: [...loc] });
    expect(res.code).toBe('2.04');
  });

  it('credentials set while the device is registered over plain CoAP end that registration at once; it must come back over DTLS', async () => {
    const plain = await device('bind-plain', t.coap);
    await plain.client.start();
    expect((await t.api.get('/api/devices/bind-plain')).security).toBe('nosec');
    const events: string[] = [];
    t.server.lwm2m.on('deregistered', ({ registration }) => events.push(registration.endpoint));
    await provision('bind-plain');
    expect(events).toContain('bind-plain');
    await expect(t.api.get('/api/devices/bind-plain')).rejects.toMatchObject({ status: 404 });
    // The device's next Update finds no registration; Register over plain CoAP is refused now.
    const res = await plain.client.coapEndpoint!.request(t.coap, { method: 'POST', uriPath: ['rd'], uriQuery: ['ep=bind-plain', 'lt=60'], contentFormat: 40, payload: Buffer.from('</3/0>') });
    expect(res.code).toBe('4.03');
  });

  it('a replayed application-data record is dropped: no second twin write, no second CoAP response', async () => {
    const captured: Buffer[] = [];
    const d = await device('bind-replay', t.coaps, await provision('bind-replay'), captured);
    await d.client.start();
    d.dev.set(9, 61);
    await eventually(async () => (await t.api.get('/api/devices/bind-replay/twin')).properties.reported.device?.batteryLevel === 61, 'the value in the twin');
    const before = captured.length;
    await d.client.send(['/3/0/9']); // resolves on the server's 2.04
    const sendRecord = captured.slice(before).find((c) => c[0] === 23); // application_data: the Send request
    expect(sendRecord).toBeDefined();
    const written = await eventually(async () => {
      const tw = await t.api.get('/api/devices/bind-replay/twin');
      return tw.properties.reported.$metadata.device.batteryLevel.$source === 'send' ? tw.properties.reported : undefined;
    }, 'the Send written to the twin');
    const received = d.dtls!.stats().datagramsReceived;
    const replayedBefore = (await metricLine('lwtwin_dtls_events_total{event="replayed_record"}')) ?? 0;
    // The same datagram again, from the device's own address and port (the session's), as an on-path attacker would.
    (d.dtls as unknown as { socket: { send(b: Buffer, p: number, a: string): void } }).socket.send(sendRecord!, t.coaps.port, t.coaps.address);
    await eventually(async () => ((await metricLine('lwtwin_dtls_events_total{event="replayed_record"}')) ?? 0) > replayedBefore, 'the replay dropped by the window');
    await new Promise((r) => setTimeout(r, 300));
    const after = (await t.api.get('/api/devices/bind-replay/twin')).properties.reported;
    expect(after.$metadata.device.batteryLevel.$lastUpdated).toBe(written.$metadata.device.batteryLevel.$lastUpdated);
    expect(after.$version).toBe(written.$version);
    expect(d.dtls!.stats().datagramsReceived).toBe(received); // no second 2.04 (CoAP deduplication would have resent it)
  });

  async function metricLine(series: string): Promise<number | undefined> {
    const text = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }
});
