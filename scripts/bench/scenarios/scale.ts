/**
 * Scenario `scale` (issue 14): the same load against 1 node on one Redis and against 2 nodes on a throw-away 3-master
 * Redis Cluster (Debian's redis-server on spare ports, removed afterwards). Half the virtual fleet talks to each node
 * directly — the split a source-address balancer makes, without charging the balancer's CPU to the nodes. Figures:
 * registrations/s and notifications written/s for each topology, their ratio (2 nodes / 1 node), and the CPU split
 * during the notify step (server processes, Redis, load generators, from /proc), which says what limits the ratio
 * on a small machine.
 */
import { figure, type BenchContext, type Figure, type ScenarioResult } from '../bench-types.ts';
import { startFleetProcesses, type FleetProcesses } from '../fleet/fleet-processes.ts';
import { processCpuSeconds } from '../proc-stat.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import { benchPrefix, deleteByPrefix, redisMeter } from '../redis-prefix.ts';
import { startLocalCluster } from '../redis-cluster.ts';
import { startServerProcess, type ServerProcess } from '../server-process.ts';
import { median, sleep } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { OBSERVE_OBJECT_3, waitObserved } from './observed-fleet.ts';
import { measureFailover } from './scale-failover.ts';

export interface ScaleRun {
  nodes: number;
  registrationsPerSec: number;
  writtenPerSec: number;
  offeredPerSec: number;
  /** % of one core during the notify step. */
  cpu: { servers: number; redis: number; generators: number };
}

const writes = async (servers: readonly ServerProcess[]) => {
  let n = 0;
  for (const s of servers) n += metricSum(await scrapeMetrics(s.httpUrl), 'lwtwin_twin_writes_total', { source: 'device' });
  return n;
};

/** CPU seconds of a set of processes, and of Redis (by pid, or by INFO for the shared Redis). */
async function cpuSplit(servers: readonly ServerProcess[], generators: readonly number[], redisPids: readonly number[] | undefined, redisUrl: string) {
  const sum = (pids: readonly number[]) => pids.reduce((s, p) => s + processCpuSeconds(p), 0);
  const t0 = performance.now();
  const s0 = sum(servers.map((s) => s.pid));
  const g0 = sum(generators);
  const r0 = redisPids ? sum(redisPids) : 0;
  const meter = redisPids ? undefined : await redisMeter(redisUrl);
  return async () => {
    const wall = (performance.now() - t0) / 1000;
    const pct = (cpu: number) => (cpu / wall) * 100;
    return { servers: pct(sum(servers.map((s) => s.pid)) - s0), generators: pct(sum(generators) - g0), redis: redisPids ? pct(sum(redisPids) - r0) : (await meter!.stop()).corePercent };
  };
}

async function measure(ctx: BenchContext, nodes: number, redisUrl: string, redisPids: readonly number[] | undefined, notes: string[]): Promise<ScaleRun> {
  const { devices, rate, stepSec } = ctx.sizes.scale;
  const prefix = benchPrefix(`scale-${nodes}`);
  const servers: ServerProcess[] = [];
  const fleets: FleetProcesses[] = [];
  try {
    for (let i = 0; i < nodes; i++) {
      servers.push(await startServerProcess({ redisUrl, redisPrefix: prefix, extraArgs: [...OBSERVE_OBJECT_3, ...(redisPids ? ['--redis-cluster'] : [])], ...(ctx.cpuProfDir ? { cpuProfDir: ctx.cpuProfDir } : {}) }));
    }
    const share = Math.ceil(devices / nodes);
    for (let i = 0; i < nodes; i++) fleets.push(await startFleetProcesses({ server: { address: '127.0.0.1', port: servers[i].coapPort }, prefix: `sc${i}-`, count: share, firstSocket: 40_000 + i * Math.ceil(share / 250) }));
    const regs = await Promise.all(fleets.map((f) => f.register(ctx.sizes.registration.concurrency)));
    const registered = regs.reduce((s, r) => s + r.registered, 0);
    const regSeconds = (Math.max(...regs.map((r) => r.finishedAt)) - Math.min(...regs.map((r) => r.startedAt))) / 1000;
    const failed = regs.reduce((s, r) => s + r.failed, 0);
    if (failed > 0) notes.push(`${nodes} node(s): ${failed} Registers failed: ${regs.flatMap((r) => r.errors).slice(0, 2).join('; ')}`);
    for (let i = 0; i < nodes; i++) await waitObserved(ctx, servers[i].httpUrl, regs[i].registered, notes);

    const w0 = await writes(servers);
    const split = await cpuSplit(servers, fleets.flatMap((f) => f.pids), redisPids, redisUrl);
    const reps = await Promise.all(fleets.map((f) => f.notify(rate / nodes, stepSec * 1000)));
    const cpu = await split();
    const seconds = Math.max(...reps.map((r) => r.seconds));
    const written = (await writes(servers)) - w0;
    const run: ScaleRun = {
      nodes,
      registrationsPerSec: registered / Math.max(regSeconds, 1e-9),
      writtenPerSec: written / Math.max(seconds, 1e-9),
      offeredPerSec: reps.reduce((s, r) => s + r.sent, 0) / Math.max(seconds, 1e-9),
      cpu,
    };
    ctx.log(`  scale ${nodes} node(s): ${Math.round(run.registrationsPerSec)} registrations/s, written ${Math.round(run.writtenPerSec)}/s of ${Math.round(run.offeredPerSec)}/s offered; CPU servers ${cpu.servers.toFixed(0)} %, Redis ${cpu.redis.toFixed(0)} %, generators ${cpu.generators.toFixed(0)} %`);
    return run;
  } finally {
    for (const f of fleets) await f.close().catch(() => undefined);
    for (const s of servers) await s.stop().catch(() => undefined);
    if (!redisPids) await deleteByPrefix(redisUrl, prefix).catch((err: Error) => ctx.log(`cleanup of ${prefix} failed: ${err.message}`));
  }
}

export async function scaleScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const notes: string[] = [];
  const one: ScaleRun[] = [];
  const two: ScaleRun[] = [];
  const failovers: Awaited<ReturnType<typeof measureFailover>>[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    one.push(await measure(ctx, 1, ctx.redisUrl, undefined, notes));
    const cluster = await startLocalCluster(3);
    try {
      two.push(await measure(ctx, 2, cluster.url, cluster.pids, notes));
      const f = await measureFailover(ctx, cluster.url, notes);
      ctx.log(`  scale failover: ${f.moved} devices of the killed node serving on the survivor after ${f.seconds.toFixed(2)} s (${f.balancer})`);
      failovers.push(f);
    } finally {
      await cluster.stop();
    }
    await sleep(200);
  }
  const { devices, rate } = ctx.sizes.scale;
  const size = `${devices.toLocaleString('en-US')} devices`;
  const col = (runs: ScaleRun[], k: 'registrationsPerSec' | 'writtenPerSec') => runs.map((r) => r[k]);
  const ratio = (k: 'registrationsPerSec' | 'writtenPerSec') => two.map((r, i) => r[k] / one[i][k]);
  const figures: Figure[] = [
    figure('scale', `notifications written/s ratio, 2 nodes on a 3-master cluster / 1 node on one Redis (${size}, ${rate.toLocaleString('en-US')}/s offered)`, '×', ratio('writtenPerSec'), median(ratio('writtenPerSec')), TARGETS.scaleRatio),
    figure('scale', `registrations/s ratio, 2 nodes / 1 node (${size})`, '×', ratio('registrationsPerSec'), median(ratio('registrationsPerSec')), TARGETS.scaleRatio),
  ];
  const fo = failovers.map((f) => f.seconds);
  figures.push(
    figure('scale', `kill -9 of a node → last of its devices registered and observed on the survivor (${ctx.sizes.scale.failoverDevices} devices behind ${failovers[0]?.balancer ?? 'nginx'})`, 's', fo, median(fo), TARGETS.failoverSec),
  );
  for (const [label, runs] of [['1 node, one Redis', one], ['2 nodes, 3-master cluster', two]] as const) {
    figures.push(
      figure('scale', `notifications written/s (${label})`, '/s', col(runs, 'writtenPerSec'), median(col(runs, 'writtenPerSec'))),
      figure('scale', `registrations/s (${label})`, '/s', col(runs, 'registrationsPerSec'), median(col(runs, 'registrationsPerSec'))),
      figure('scale', `CPU while notifying: servers (${label})`, '% core', runs.map((r) => r.cpu.servers), median(runs.map((r) => r.cpu.servers))),
      figure('scale', `CPU while notifying: Redis (${label})`, '% core', runs.map((r) => r.cpu.redis), median(runs.map((r) => r.cpu.redis))),
      figure('scale', `CPU while notifying: load generators (${label})`, '% core', runs.map((r) => r.cpu.generators), median(runs.map((r) => r.cpu.generators))),
    );
  }
  notes.push(
    'Each node gets half the fleet directly (the split a source-address balancer makes); the same offered notify rate for both topologies. ' +
      'On 2 cores, server processes, Redis and the load generators share the same cores: the CPU split shows which of them bounds the ratio.',
    'Failover: the killed node\'s devices send their Update right after the kill, so the figure is the takeover time of the fleet (balancer failover, Register/Update on the survivor, observations set up again), not the devices\' Update interval.',
  );
  return { name: 'scale', figures, details: { one, two, failovers }, notes, seconds: (performance.now() - t0) / 1000 };
}
