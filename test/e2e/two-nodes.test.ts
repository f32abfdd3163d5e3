import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { testRedisClusterUrl, uniquePrefix } from '../helpers/redis.ts';
import { eventually } from '../helpers/server.ts';
import { freeTcpPort, freeUdpPort, spawnServer } from '../helpers/server-process.ts';
import { UdpBalancer } from '../helpers/udp-balancer.ts';

const TOKEN = 'two-nodes-admin-token-0123456789';
const DEVICES = 8;

interface Node {
  id: string;
  process: ChildProcess;
  api: ApiClient;
  coapPort: number;
}

async function finished(api: ApiClient, jobId: string): Promise<any> {
  return eventually(async () => {
    const j = await api.get(`/api/jobs/${jobId}?resultsLimit=100`);
    return j.status === 'completed' || j.status === 'failed' ? j : undefined;
  }, `job ${jobId} to finish`, 60_000, 200);
}

describe('two lwtwin nodes on a 3-master Redis Cluster behind a UDP balancer', () => {
  const children: ChildProcess[] = [];
  let sim: LocalSimulatorHandle | undefined;
  let lb: UdpBalancer | undefined;
  afterAll(async () => {
    await sim?.stop();
    await lb?.close();
    for (const c of children) c.kill('SIGKILL');
  });

  it('spreads devices over both nodes, runs a fleet job with exact counts, and survives kill -9 of one node', async () => {
    const prefix = uniquePrefix('nodes');
    const nodes: Node[] = [];
    for (const id of ['node-a', 'node-b']) {
      const [coapPort, httpPort] = [await freeUdpPort(), await freeTcpPort()];
      const args = ['--coap-port', String(coapPort), '--coaps-port', '0', '--coap-host', '127.0.0.1', '--http-port', String(httpPort), '--http-host', '127.0.0.1',
        '--redis-url', testRedisClusterUrl(), '--redis-cluster', '--redis-prefix', prefix, '--server-id', id, '--admin-token', TOKEN,
        '--observe-pmin', '0', '--observe-pmax', '60', '--node-timeout-ms', '1500', '--job-lock-ms', '2000', '--request-timeout-ms', '2000',
        '--log-level', 'error'];
      nodes.push({ id, process: spawnServer(args, children), api: new ApiClient(`http://127.0.0.1:${httpPort}`, TOKEN), coapPort });
    }
    for (const n of nodes) await eventually(() => n.api.get('/api/health'), `${n.id} to start`, 30_000, 200);
    lb = await UdpBalancer.start(nodes.map((n) => ({ address: '127.0.0.1', port: n.coapPort })));

    // one loopback source address per device (127.0.0.1, .2, ...), so the balancer's address hash spreads them
    sim = startSimulator({ count: DEVICES, server: lb.address, prefix: 'nd-', seed: 14, tickMs: 300, lifetime: 30, devicesPerAddress: 1, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    const [a, b] = nodes;
    const owners = async () => {
      const page = await b.api.get('/api/devices?limit=100');
      return new Map<string, string>(page.items.map((d: any) => [d.endpoint, d.serverId]));
    };
    const initial = await eventually(async () => ((await owners()).size === DEVICES ? owners() : undefined), 'every device registered');
    const onA = [...initial].filter(([, s]) => s === 'node-a').map(([ep]) => ep);
    expect(onA.length).toBeGreaterThan(0);
    expect(onA.length).toBeLessThan(DEVICES);

    // tags through one node, a fleet job by query through the other: every device runs on its own node
    for (const ep of initial.keys()) await a.api.patch(`/api/devices/${ep}/twin`, { tags: { site: 'two-nodes' } });
    const first = await b.api.post('/api/jobs', { type: 'deepRead', query: "tags.site = 'two-nodes'", property: 'device.batteryLevel', maxExecutionTimeSec: 60 });
    const done = await finished(a.api, first.jobId);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ devices: DEVICES, succeeded: DEVICES, failed: 0, pending: 0, running: 0 });

    // kill -9 node A; a second fleet job is queued meanwhile, its A devices into A's (now dead) queue
    a.process.kill('SIGKILL');
    await new Promise((r) => a.process.once('exit', r));
    const second = await b.api.post('/api/jobs', { type: 'deepRead', query: "tags.site = 'two-nodes'", property: 'device.batteryLevel', maxExecutionTimeSec: 90 });

    // A's devices send their next Update; the balancer moves them to B, which takes the registrations over
    for (const d of sim.devices()) if (onA.includes(d.name)) d.client.triggerUpdate();
    await eventually(async () => [...(await owners()).values()].every((s) => s === 'node-b'), 'node B to hold every device', 30_000, 200);

    const after = await finished(b.api, second.jobId);
    expect(after.status).toBe('completed');
    expect(after.counts).toMatchObject({ devices: DEVICES, succeeded: DEVICES, failed: 0 });
    for (const r of after.results) expect(typeof r.value).toBe('number');

    // B observes the moved devices again: their reported values move on
    const moved = onA[0];
    const before = await b.api.get(`/api/devices/${moved}/properties/device.batteryLevel`);
    await eventually(async () => {
      const now = await b.api.get(`/api/devices/${moved}/properties/device.batteryLevel`);
      return now.source === 'notify' && Date.parse(now.lastUpdated) > Date.parse(before.lastUpdated);
    }, 'a notification of a moved device through node B', 20_000, 200);
  }, 150_000);
});
