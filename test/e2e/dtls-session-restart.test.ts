import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { LwM2mClient } from '../../client/lwm2m-client.ts';
import { SimpleInstance } from '../../client/simple-instance.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import { DtlsSocket } from '../../protocol/dtls/dtls-socket.ts';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { eventually } from '../helpers/server.ts';
import { freeTcpPort, freeUdpPort, spawnServer } from '../helpers/server-process.ts';
import { UdpBalancer } from '../../scripts/deploy/udp-balancer.ts';

const TOKEN = 'dtls-restart-admin-token-0123456789';
const SECRET = 'dtls-restart-server-secret-0123456789abcdef';
const PSK = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

/** ClientHellos in one datagram the device sent (handshake records of epoch 0 starting with msg_type 1). */
function clientHellos(d: Buffer): number {
  let n = 0;
  for (let o = 0; o + 13 <= d.length; ) {
    const len = d.readUInt16BE(o + 11);
    if (d[o] === 22 && d.readUInt16BE(o + 3) === 0 && d[o + 13] === 1) n++;
    o += 13 + len;
  }
  return n;
}

interface Node {
  coapsPort: number;
  httpUrl: string;
  api: ApiClient;
  start(): ChildProcess;
}

async function node(redisPrefix: string, serverId: string): Promise<Node> {
  const [coapsPort, httpPort] = [await freeUdpPort(), await freeTcpPort()];
  const args = ['--coap-port', '0', '--coaps-port', String(coapsPort), '--coap-host', '127.0.0.1', '--http-port', String(httpPort), '--http-host', '127.0.0.1',
    '--redis-url', testRedisUrl(), '--redis-prefix', redisPrefix, '--server-id', serverId, '--admin-token', TOKEN, '--server-secret', SECRET,
    '--observe-objects', '3', '--observe-pmin', '0', '--observe-pmax', '120', '--node-timeout-ms', '2000', '--log-level', 'error'];
  return { coapsPort, httpUrl: `http://127.0.0.1:${httpPort}`, api: new ApiClient(`http://127.0.0.1:${httpPort}`, TOKEN), start: () => spawnServer(args, children) };
}

const children: ChildProcess[] = [];

/** lwtwin's own device over coaps with PSK; counts the ClientHellos it sends. */
async function device(ep: string, server: { address: string; port: number }, cidLength: number) {
  const model = await ObjectRegistry.loadDefault();
  let hellos = 0;
  const dtls = await DtlsSocket.bind({
    client: { psk: { identity: `${ep}-id`, key: PSK }, connectionIdLength: cidLength },
    retransmitInitialMs: 300,
    dropOutgoing: (d) => {
      hellos += clientHellos(d);
      return false;
    },
  });
  const endpoint = CoapEndpoint.over(dtls, { params: { ackTimeoutMs: 500 } } as Parameters<typeof CoapEndpoint.over>[1]);
  const dev = new SimpleInstance(3, 0, { 0: 'lwtwin', 1: 'restart-test', 9: 80, 11: new Map([[0, 0]]), 16: 'U' });
  const updates: number[] = [];
  const client = new LwM2mClient({
    endpointName: ep,
    server,
    model,
    endpoint,
    lifetime: 120,
    instances: [new SimpleInstance(1, 0, { 0: 1, 1: 120, 6: true, 7: 'U' }), dev],
    hooks: { onUpdated: () => void updates.push(Date.now()) },
  });
  return { client, dtls, dev, updates, hellos: () => hellos, close: async () => { await client.stop(); await endpoint.close(); } };
}

async function twinValue(api: ApiClient, ep: string): Promise<{ value: unknown; source: string } | undefined> {
  const tw = await api.get(`/api/devices/${ep}/twin`);
  const v = tw.properties.reported.device?.batteryLevel;
  return v === undefined ? undefined : { value: v, source: tw.properties.reported.$metadata.device.batteryLevel.$source };
}

async function observing(api: ApiClient, ep: string, since: number): Promise<boolean> {
  const tw = await api.get(`/api/devices/${ep}/twin`);
  const st = tw.observationState?.['3'];
  return st?.status === 'observing' && Date.parse(st.at) >= since;
}

async function deepRead(api: ApiClient, ep: string): Promise<unknown> {
  const { jobId } = await api.post('/api/jobs', { type: 'deepRead', deviceId: ep, property: 'device.batteryLevel', maxExecutionTimeSec: 60 });
  const job = await eventually(async () => {
    const j = await api.get(`/api/jobs/${jobId}`);
    return j.status === 'completed' || j.status === 'failed' ? j : undefined;
  }, 'the deep read job', 30_000, 200);
  expect(job.status).toBe('completed');
  return job.results[0].value;
}

describe('DTLS sessions outlive the server process', () => {
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('after kill -9 and a restart on the same ports and Redis, the device carries on over its session without a handshake', async () => {
    const n = await node(uniquePrefix('dtlsrs'), 'dtls-restart');
    let proc = n.start();
    await eventually(() => n.api.get('/api/health'), 'the server to start', 30_000, 200);
    await n.api.put('/api/devices/rs-dev/security', { mode: 'psk', identity: 'rs-dev-id', key: PSK.toString('hex') });
    const d = await device('rs-dev', { address: '127.0.0.1', port: n.coapsPort }, 0);
    try {
      await d.client.start();
      expect(d.hellos()).toBeGreaterThanOrEqual(1);
      const hellosBefore = d.hellos();
      expect((await n.api.get('/api/devices/rs-dev')).security).toBe('psk');
      await eventually(() => observing(n.api, 'rs-dev', 0), 'observed before the crash', 15_000, 100);

      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      const restartedAt = Date.now();
      proc = n.start();
      await eventually(() => n.api.get('/api/health'), 'the restarted server', 30_000, 200);

      // The restarted server observes the device again over the session it took from Redis.
      await eventually(() => observing(n.api, 'rs-dev', restartedAt), 'observed again after the restart', 20_000, 100);
      const updatesBefore = d.updates.length;
      d.client.triggerUpdate();
      await eventually(() => d.updates.length > updatesBefore, 'an Update answered after the restart', 15_000, 50);
      d.dev.set(9, 37);
      await eventually(async () => {
        const v = await twinValue(n.api, 'rs-dev');
        return v?.value === 37 && v.source === 'notify';
      }, 'the notification in the twin', 15_000, 100);
      d.dev.set(9, 38);
      expect(await deepRead(n.api, 'rs-dev')).toBe(38);

      expect(d.hellos()).toBe(hellosBefore);
      expect(d.dtls.stats().handshakesCompleted).toBe(1);
      const metrics = await (await fetch(`${n.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/lwtwin_dtls_events_total\{event="session_restored"\} 1\b/);
      expect(metrics).toMatch(/lwtwin_dtls_events_total\{event="handshake_completed"\} 0\b/);
    } finally {
      await d.close();
    }
  }, 120_000);

  it('with a Connection ID, another node behind a balancer takes the session over when the first node dies', async () => {
    const prefix = uniquePrefix('dtls2n');
    const nodes = [await node(prefix, 'dtls-node-a'), await node(prefix, 'dtls-node-b')];
    const procs = nodes.map((x) => x.start());
    await Promise.all(nodes.map((x) => eventually(() => x.api.get('/api/health'), 'a node to start', 30_000, 200)));
    const lb = await UdpBalancer.start(nodes.map((x) => ({ address: '127.0.0.1', port: x.coapsPort })));
    const api = nodes[0].api;
    await api.put('/api/devices/cid-dev/security', { mode: 'psk', identity: 'cid-dev-id', key: PSK.toString('hex') });
    const d = await device('cid-dev', lb.address, 4);
    try {
      await d.client.start();
      const first = lb.backendFor('127.0.0.1');
      const other = 1 - first;
      const hellosBefore = d.hellos();
      expect((await api.get('/api/devices/cid-dev')).serverId).toBe(first === 0 ? 'dtls-node-a' : 'dtls-node-b');
      await eventually(() => observing(api, 'cid-dev', 0), 'observed by the first node', 15_000, 100);

      procs[first].kill('SIGKILL');
      await new Promise((r) => procs[first].once('exit', r));
      const movedAt = Date.now();
      const updatesBefore = d.updates.length;
      d.client.triggerUpdate(); // its first datagram meets the dead node; CoAP retransmits through the balancer to the other
      await eventually(() => d.updates.length > updatesBefore, 'an Update answered by the other node', 20_000, 50);
      const survivor = nodes[other].api;
      expect((await survivor.get('/api/devices/cid-dev')).serverId).toBe(other === 0 ? 'dtls-node-a' : 'dtls-node-b');
      await eventually(() => observing(survivor, 'cid-dev', movedAt), 'observed by the other node', 20_000, 100);
      d.dev.set(9, 55);
      await eventually(async () => (await twinValue(survivor, 'cid-dev'))?.value === 55, 'the notification in the twin', 15_000, 100);
      d.dev.set(9, 56);
      expect(await deepRead(survivor, 'cid-dev')).toBe(56);
      expect(d.hellos()).toBe(hellosBefore);
      expect(d.dtls.stats().handshakesCompleted).toBe(1);
      const metrics = await (await fetch(`${nodes[other].httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/lwtwin_dtls_events_total\{event="session_restored"\} 1\b/);
    } finally {
      await d.close();
      await lb.close();
    }
  }, 120_000);
});
