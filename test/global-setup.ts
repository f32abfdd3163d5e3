// Starts one throw-away redis-server for the whole test run (real Redis, no persistence, random free port), and a
// 3-master Redis Cluster of Debian's redis-server (`--cluster-enabled yes`, `redis-cli --cluster create`) for the
// cluster variants of the store contracts and the multi-node tests. Each test uses its own key prefix (see
// test/helpers/redis.ts), so files can run in parallel.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { pingRedis } from './helpers/server-process.ts';

let redis: ChildProcess | undefined;
let dir: string | undefined;
const clusterNodes: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 25_000);
    if (taken.has(port) || !(await isFree(port)) || !(await isFree(port + 10_000))) continue;
    taken.add(port);
    return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function waitForPing(port: number, what: string): Promise<void> {
  for (let i = 0; i < 100 && !(await pingRedis(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await pingRedis(port))) throw new Error(`test setup: ${what} did not start (is redis-server installed? \`npm test\` installs it)`);
}

function startRedis(port: number, workDir: string, extra: string[] = []): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir, ...extra], { stdio: 'ignore' });
}

/** Three masters, no replicas; resolves with the seed URLs once every node reports cluster_state:ok. */
async function startCluster(workDir: string): Promise<string> {
  const taken = new Set<number>();
  const ports = [await freeClusterPort(taken), await freeClusterPort(taken), await freeClusterPort(taken)];
  for (const port of ports) {
    clusterNodes.push(startRedis(port, workDir, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000']));
  }
  await Promise.all(ports.map((p) => waitForPing(p, `cluster node ${p}`)));
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (create.status !== 0) throw new Error(`test setup: redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  for (let i = 0; i < 200; i++) {
    const ok = ports.every((p) => spawnSync('redis-cli', ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'));
    if (ok) return ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('test setup: the Redis Cluster did not reach cluster_state:ok');
}

export default async function setup(project: TestProject) {
  const port = await freePort();
  dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-test-redis-'));
  redis = startRedis(port, dir);
  const clusterUrl = startCluster(dir);
  await waitForPing(port, 'redis-server');
  const url = `redis://127.0.0.1:${port}`;
  process.env.LWTWIN_TEST_REDIS_URL = url;
  project.provide('redisUrl', url);
  project.provide('redisClusterUrl', await clusterUrl);
  return async () => {
    redis?.kill('SIGKILL');
    for (const node of clusterNodes) node.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Seed URLs of the 3-master test cluster, comma-separated. */
    redisClusterUrl: string;
  }
}
