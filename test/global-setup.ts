// Starts one throw-away redis-server for the whole test run (real Redis, no persistence, random free port).
// Each test uses its own key prefix (see test/helpers/redis.ts), so files can run in parallel.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

let redis: ChildProcess | undefined;
let dir: string | undefined;

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

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
  });
}

export default async function setup(project: TestProject) {
  const port = await freePort();
  dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-test-redis-'));
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await ping(port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await ping(port))) throw new Error('test setup: redis-server did not start (is it installed? `npm test` installs it)');
  const url = `redis://127.0.0.1:${port}`;
  process.env.LWTWIN_TEST_REDIS_URL = url;
  project.provide('redisUrl', url);
  return async () => {
    redis?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
