import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
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

/** Runs `lwtwin server` with `args` as a child process (stdout ignored, stderr inherited). */
export function spawnServer(args: readonly string[], children: ChildProcess[]): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/lwtwin.mjs'), 'server', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
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
