/**
 * A throw-away 3-master Redis Cluster of Debian's redis-server for the `scale` scenario (`--cluster-enabled yes`,
 * `redis-cli --cluster create`, no replicas, no persistence), on free loopback ports; `stop()` kills the nodes and
 * removes their directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from './stats.ts';

export interface LocalCluster {
  /** Seed URLs, comma-separated (for `--redis-url` with `--redis-cluster`). */
  readonly url: string;
  readonly pids: readonly number[];
  stop(): Promise<void>;
}

/** A free port whose cluster bus port (+10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if (!taken.has(port) && (await isFree(port)) && (await isFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

const redisCli = (port: number, ...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });

export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-bench-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await freeClusterPort(taken));
  const nodes: ChildProcess[] = ports.map((port) =>
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'], { stdio: 'ignore' }),
  );
  const stop = async () => {
    for (const n of nodes) n.kill('SIGKILL');
    await sleep(50);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 100 && !ports.every((p) => redisCli(p, 'ping').stdout.includes('PONG')); i++) await sleep(50);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (let i = 0; i < 200 && !ports.every((p) => redisCli(p, 'cluster', 'info').stdout.includes('cluster_state:ok')); i++) await sleep(50);
    if (!ports.every((p) => redisCli(p, 'cluster', 'info').stdout.includes('cluster_state:ok'))) throw new Error('the bench Redis Cluster did not reach cluster_state:ok');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','), pids: nodes.map((n) => n.pid!), stop };
}
