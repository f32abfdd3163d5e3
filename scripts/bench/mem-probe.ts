/**
 * Heap per registered device, by component: starts a server in this process, registers N devices from worker
 * processes, and prints heap/RSS deltas after a forced GC. `--observe 3,4,5,6` to include observations.
 * Run: node --expose-gc --import tsx scripts/bench/mem-probe.ts <redisUrl> <count> [observeObjects]
 */
import { loadConfig } from '../../server/config.ts';
import { startLwTwinServer } from '../../server/lwtwin-server.ts';
import { silentLogger } from '../../server/logger.ts';
import { startSimulatorProcesses } from '../simulator/processes.ts';

const [redisUrl = 'redis://127.0.0.1:6379', countArg = '5000', observeArg = ''] = process.argv.slice(2);
const count = Number(countArg);
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external };
};
const prefix = `probe:${Date.now()}:`;
const config = Object.freeze({
  ...loadConfig({}, {}),
  coapPort: 0,
  coapsPort: 0,
  httpPort: 0,
  coapHost: '127.0.0.1',
  httpHost: '127.0.0.1',
  redisUrl,
  redisPrefix: prefix,
  adminToken: 'probe-admin-token-0123456789',
  observeObjects: observeArg ? observeArg.split(',').map(Number) : [],
  registerRatePerAddress: 10_000_000,
});
const server = await startLwTwinServer(config, { logger: silentLogger(), jobs: false });
const before = heap();
const sim = startSimulatorProcesses({ count, server: { address: '127.0.0.1', port: server.coapPort }, prefix: 'probe-', seed: 1, tickMs: 600_000, lifetime: 3600, concurrency: 500 });
const t0 = Date.now();
await sim.ready;
const regSec = (Date.now() - t0) / 1000;
await new Promise((r) => setTimeout(r, observeArg ? 20_000 : 3000));
const after = heap();
const per = (k: 'heap' | 'rss' | 'external') => ((after[k] - before[k]) / count).toFixed(0);
console.log(JSON.stringify({ count, observe: observeArg || 'none', regPerSec: (count / regSec).toFixed(0), heapPerDevice: per('heap'), rssPerDevice: per('rss'), externalPerDevice: per('external'), observations: server.lwm2m.observations }, (_k, v) => (v instanceof Object && v.constructor?.name === 'ObservationRegistry' ? undefined : v)));
await sim.stop();
await server.stop();
process.exit(0);
