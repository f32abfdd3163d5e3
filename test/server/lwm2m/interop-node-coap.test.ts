// Interop: a small LwM2M device written on node-coap (the `coap` npm package, an independent CoAP implementation),
// sharing one UDP socket between its client side (Register) and its server side (the server's requests). It registers
// with a link-format payload, answers Write-Attributes, answers an Observe with TLV and keeps notifying; the
// notifications must reach the twin, read back through the HTTP API.
import { createSocket, type Socket } from 'node:dgram';
import coap from 'coap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../../helpers/server.ts';

/** OMA LwM2M TS Core 1.1 §7.4.3: one Resource TLV (type 11, 8-bit id, length in the type byte) with a 1-byte integer. */
function resourceTlv(id: number, value: number): Buffer {
  return Buffer.from([0b1100_0001, id, value]);
}

/** The TLV of `/3/0/9` (battery level) for a request on `/3`, `/3/0` or `/3/0/9`. */
function batteryTlv(path: string[], battery: number): Buffer {
  const resource = resourceTlv(9, battery);
  if (path.length >= 2) return resource; // /3/0 and /3/0/9: the resource itself
  return Buffer.concat([Buffer.from([0b0000_0000 | resource.length, 0]), resource]); // /3: wrapped in instance 0
}

type Stream = { write(b: Buffer): boolean; setOption(name: string, value: unknown): void; end(b?: Buffer): void };

describe('interop: a node-coap device', () => {
  let t: TestServer;
  let socket: Socket;
  let server: coap.Server;
  let agent: coap.Agent;
  const writeAttributes: string[] = [];
  const observers: Array<{ path: string[]; res: Stream }> = [];
  let battery = 50;

  beforeAll(async () => {
    t = await startTestServer({ observeObjects: [3], observePmin: 0, observePmax: 60 });
    socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    server = coap.createServer((req, res) => {
      const path = req.url.split('?')[0].split('/').filter(Boolean);
      const query = req.url.includes('?') ? req.url.split('?')[1] : '';
      if (req.method === 'PUT' && query !== '') {
        writeAttributes.push(req.url);
        res.code = '2.04';
        res.end();
      } else if (req.method === 'GET' && path[0] === '3') {
        res.code = '2.05';
        res.setOption('Content-Format', 'application/vnd.oma.lwm2m+tlv');
        if (req.headers.Observe === 0) {
          observers.push({ path, res: res as unknown as Stream });
          res.write(batteryTlv(path, battery));
        } else {
          res.end(batteryTlv(path, battery));
        }
      } else {
        res.code = '4.04';
        res.end();
      }
    });
    server.listen(socket);
    agent = new coap.Agent({ socket });
  });
  afterAll(async () => {
    for (const o of observers) o.res.end();
    agent?.close();
    server?.close();
    await t?.stop();
  });

  it('registers, is observed, and its notifications reach the twin', async () => {
    const registered = await new Promise<coap.IncomingMessage>((resolve, reject) => {
      const req = agent.request({ hostname: '127.0.0.1', port: t.coap.port, method: 'POST', pathname: '/rd', query: 'ep=node-coap-1&lt=60&lwm2m=1.1&b=U' });
      req.setOption('Content-Format', 'application/link-format');
      req.on('response', resolve);
      req.on('error', reject);
      req.end(Buffer.from('</>;rt="oma.lwm2m";ct=11542,</1/0>,</3/0>'));
    });
    expect(registered.code).toBe('2.01');
    const reg = await t.api.get('/api/devices/node-coap-1');
    expect(reg.peer).toEqual({ address: '127.0.0.1', port: socket.address().port });

    await eventually(() => observers.length > 0, 'an Observe from the server');
    expect(writeAttributes.some((u) => u.includes('pmin=0') || u.includes('pmax=60'))).toBe(true);
    const reported = () => t.api.get(`/api/devices/node-coap-1/properties/${encodeURIComponent('device.batteryLevel')}`).catch(() => undefined);
    await eventually(async () => (await reported())?.value === 50, 'the first value in the twin');
    for (const next of [61, 72]) {
      battery = next;
      for (const o of observers) o.res.write(batteryTlv(o.path, battery));
      const r = await eventually(async () => {
        const v = await reported();
        return v?.value === next ? v : undefined;
      }, `battery ${next} in the twin`);
      expect(r.source).toBe('notify');
    }
  });
});
