/**
 * The failover half of the `scale` scenario: 2 nodes on the 3-master cluster behind the deployment example's nginx
 * (scripts/deploy/nginx-udp-balancer.ts; the Node stand-in when nginx is missing, noted), simulated devices one
 * loopback address each. One node is killed with SIGKILL; its devices send their Update at once (so the figure is
 * the fleet's takeover time, not the devices' Update interval) and the clock stops when the last of them is
 * registered on the survivor and observed there again (the survivor's successful Observe count has grown by as many).
 */
import dgram from 'node:dgram';
import { ApiClient } from '../../cli/api-client.ts';
import { startUdpBalancer } from '../../deploy/udp-balancer.ts';
import { startSimulator } from '../../simulator/simulator.ts';
import type { BenchContext } from '../bench-types.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { benchPrefix } from '../redis-prefix.ts';
import { startServerProcess, type ServerProcess } from '../server-process.ts';
import { sleep } from '../stats.ts';

const observesOk = async (s: ServerProcess) => metricSum(await scrapeMetrics(s.httpUrl), 'lwtwin_device_request_seconds_count', { op: 'observe', outcome: 'ok' });

async function owners(api: ApiClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page: any = await api.get(`/api/devices?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const d of page.items) out.set(d.endpoint, d.serverId);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** Seconds from the SIGKILL to the last of the dead node's devices registered and observed on the survivor. */
export async function measureFailover(ctx: BenchContext, clusterUrl: string, notes: string[]): Promise<{ seconds: number; moved: number; balancer: string }> {
  const devices = ctx.sizes.scale.failoverDevices;
  const prefix = benchPrefix('scale-failover');
  const servers: ServerProcess[] = [];
  const extraArgs = ['--redis-cluster', '--observe-objects', '3', '--node-timeout-ms', '1500', '--register-rate', '100000', '--register-burst', '100000'];
  for (let i = 0; i < 2; i++) servers.push(await startServerProcess({ redisUrl: clusterUrl, redisPrefix: prefix, extraArgs }));
  const { balancer, fallback } = await startUdpBalancer(servers.map((s) => ({ address: '127.0.0.1', port: s.coapPort })), await freeUdpPort());
  if (fallback) notes.push(`failover measured behind the Node stand-in balancer, not nginx: ${fallback}`);
  const sim = startSimulator({ count: devices, server: balancer.address, prefix: 'fo-', seed: 14, tickMs: 1000, lifetime: 120, devicesPerAddress: 1 });
  try {
    await sim.ready;
    const [a, b] = servers;
    const apiB = new ApiClient(b.httpUrl, b.token);
    let initial = new Map<string, string>();
    for (let i = 0; i < 600 && initial.size < devices; i++) {
      initial = await owners(apiB);
      if (initial.size < devices) await sleep(100);
    }
    const onA = [...initial].filter(([, s]) => s === a.serverId).map(([ep]) => ep);
    const observed0 = await observesOk(b);
    process.kill(a.pid, 'SIGKILL');
    const t0 = performance.now();
    for (const d of sim.devices()) if (onA.includes(d.name)) d.client.triggerUpdate();
    const deadline = t0 + 120_000;
    for (;;) {
      const now = await owners(apiB).catch(() => new Map<string, string>());
      const moved = onA.filter((ep) => now.get(ep) === b.serverId).length;
      if (moved === onA.length && (await observesOk(b)) - observed0 >= onA.length) break;
      if (performance.now() > deadline) {
        notes.push(`failover: only ${moved} of ${onA.length} devices moved within 120 s`);
        break;
      }
      await sleep(50);
    }
    return { seconds: (performance.now() - t0) / 1000, moved: onA.length, balancer: balancer.kind };
  } finally {
    await sim.stop().catch(() => undefined);
    await balancer.close();
    for (const s of servers) await s.stop().catch(() => undefined);
  }
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const port = socket.address().port;
      socket.close(() => resolve(port));
    });
  });
}
