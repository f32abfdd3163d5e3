import type { ChildProcess } from 'node:child_process';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { startUdpBalancer, type AnyUdpBalancer } from '../../scripts/deploy/udp-balancer.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import type { SimulatorOptions } from '../../scripts/simulator/simulator-options.ts';
import { testRedisClusterUrl, uniquePrefix } from './redis.ts';
import { eventually } from './server.ts';
import { freeTcpPort, freeUdpPort, spawnServer } from './server-process.ts';

export const TWO_NODES_TOKEN = 'two-nodes-admin-token-0123456789';

export interface FleetNode {
  id: string;
  process: ChildProcess;
  api: ApiClient;
  coapPort: number;
  httpUrl: string;
}

/**
 * Two `lwtwin server` processes (node-a, node-b) on the test's 3-master Redis Cluster behind the deployment example's
 * nginx (deploy/nginx/lwtwin-coap.conf), or the Node stand-in when nginx or its stream module is missing — said on
 * the test output, never silently. Short node, lock and request timeouts so a kill -9 is noticed within seconds.
 */
export class TwoNodes {
  readonly children: ChildProcess[] = [];
  readonly nodes: FleetNode[] = [];
  balancer?: AnyUdpBalancer;
  readonly sims: LocalSimulatorHandle[] = [];

  async start(name: string): Promise<this> {
    const prefix = uniquePrefix(name);
    for (const id of ['node-a', 'node-b']) {
      const [coapPort, httpPort] = [await freeUdpPort(), await freeTcpPort()];
      const args = ['--coap-port', String(coapPort), '--coaps-port', '0', '--coap-host', '127.0.0.1', '--http-port', String(httpPort), '--http-host', '127.0.0.1',
        '--redis-url', testRedisClusterUrl(), '--redis-cluster', '--redis-prefix', prefix, '--server-id', id, '--admin-token', TWO_NODES_TOKEN,
        '--observe-pmin', '0', '--observe-pmax', '60', '--node-timeout-ms', '1500', '--job-lock-ms', '2000', '--request-timeout-ms', '2000',
        '--log-level', 'error'];
      const httpUrl = `http://127.0.0.1:${httpPort}`;
      this.nodes.push({ id, process: spawnServer(args, this.children), api: new ApiClient(httpUrl, TWO_NODES_TOKEN), coapPort, httpUrl });
    }
    // a loaded machine running the sources through tsx takes long to start two processes at once
    for (const n of this.nodes) await eventually(() => n.api.get('/api/health'), `${n.id} to start`, 90_000, 200);
    const { balancer, fallback } = await startUdpBalancer(this.nodes.map((n) => ({ address: '127.0.0.1', port: n.coapPort })), await freeUdpPort());
    if (fallback) console.warn(`two-nodes e2e: using the Node stand-in balancer instead of nginx: ${fallback}`);
    this.balancer = balancer;
    return this;
  }

  /** Simulated devices, one loopback source address each (127.0.0.1, .2, ...) so the address hash spreads them. */
  simulate(o: Omit<SimulatorOptions, 'server' | 'devicesPerAddress'>): LocalSimulatorHandle {
    const sim = startSimulator({ ...o, server: this.balancer!.address, devicesPerAddress: 1, coapParams: { ackTimeoutMs: 300 } });
    this.sims.push(sim);
    return sim;
  }

  /** Endpoint → serverId of every registered device, as a live node (node B first) lists them. */
  async owners(): Promise<Map<string, string>> {
    const live = [...this.nodes].reverse().find((n) => n.process.exitCode === null && n.process.signalCode === null) ?? this.nodes[1];
    const page = await live.api.get('/api/devices?limit=1000');
    return new Map<string, string>(page.items.map((d: any) => [d.endpoint, d.serverId]));
  }

  /** Waits until `count` devices are registered; returns their owners. */
  async registered(count: number): Promise<Map<string, string>> {
    return eventually(async () => {
      const o = await this.owners();
      return o.size === count ? o : undefined;
    }, `${count} devices registered`, 30_000, 200);
  }

  /** The sum of the samples of `metric` whose labels contain `labels` (e.g. `outcome="succeeded"`) on `node`. */
  async metric(node: FleetNode, metric: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (m && m[1] === metric && (m[2] ?? '').includes(labels)) sum += Number(m[3]);
    }
    return sum;
  }

  /** SIGKILLs a node and waits for its exit. */
  async kill(node: FleetNode): Promise<void> {
    const exited = new Promise((r) => node.process.once('exit', r));
    node.process.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    for (const s of this.sims) await s.stop();
    await this.balancer?.close();
    for (const c of this.children) c.kill('SIGKILL');
  }
}

/** The job once it is completed or failed; on a timeout the error shows where it stood. */
export async function finishedJob(api: ApiClient, jobId: string, timeoutMs = 120_000): Promise<any> {
  let last: any;
  try {
    return await eventually(async () => {
      last = await api.get(`/api/jobs/${jobId}?resultsLimit=100`);
      return last.status === 'completed' || last.status === 'failed' ? last : undefined;
    }, `job ${jobId} to finish`, timeoutMs, 200);
  } catch (err) {
    const open = (last?.results ?? []).filter((r: any) => r.status === 'pending' || r.status === 'running');
    throw new Error(`${(err as Error).message}; last seen ${last?.status} ${JSON.stringify(last?.counts)}, unfinished ${JSON.stringify(open)}`, { cause: err });
  }
}
