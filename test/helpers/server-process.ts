import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The repository root (where `bin/lwtwin.mjs` lives). */
export const ROOT = path.resolve(import.meta.dirname, '../..');

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs `lwtwin server` with `args` as a child process (stdout ignored, stderr inherited or piped). */
export function spawnServer(args: readonly string[], children: ChildProcess[], stderr: 'inherit' | 'pipe' = 'inherit'): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/lwtwin.mjs'), 'server', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', stderr] });
  children.push(child);
  return child;
}

/** Resolves with the exit code (or signal) once `child` has exited; undefined if it is still running after `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** A redis-server of the test's own (for tests that stop or wipe Redis; never the shared one). */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM: the append-only file is flushed, so `start` brings the data back). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

/** True when a Redis answers PING on 127.0.0.1:`port` within 500 ms. */
export function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => (s.destroy(), resolve(d.toString().startsWith('+PONG'))));
  });
}

/** Starts a redis-server with an append-only file in a fresh temporary directory, on a free port. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freeTcpPort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-own-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !(await pingRedis(port)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await pingRedis(port))) throw new Error(`redis-server on port ${port} did not start`);
  };
  const stop = async () => {
    const c = child;
    if (!c) return;
    child = undefined;
    c.kill('SIGTERM');
    if (!(await exitOf(c, 5000))) c.kill('SIGKILL');
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
