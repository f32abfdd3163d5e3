/**
 * Runs the lwtwin server in its own process through the CLI (`lwtwin server --json ...`), so load generators never
 * share its event loop. CoAP and HTTP listen on 127.0.0.1 on free ports; Redis keys go under the run's prefix.
 * With `cpuProfDir` the process runs under `node --cpu-prof` and writes a .cpuprofile there when it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { siblingModule } from '../runtime-entry.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The CLI, compiled or as TypeScript, the way this module itself runs. */
const CLI = siblingModule(import.meta.url, '../cli.ts');

export interface ServerProcessOptions {
  redisUrl: string;
  redisPrefix: string;
  /** Write a CPU profile of the server into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  /** Extra CLI flags, e.g. `['--observe-objects', '3']`. */
  extraArgs?: readonly string[];
  /** Extra Node options, e.g. `['--heapsnapshot-signal=SIGUSR2', '--diagnostic-dir=/tmp/heap']`. */
  nodeArgs?: readonly string[];
  /** @defaultValue 60000 */
  startTimeoutMs?: number;
}

export interface ServerProcess {
  readonly pid: number;
  readonly httpUrl: string;
  readonly coapPort: number;
  /** The coaps (CoAP over DTLS) port. */
  readonly coapsPort: number;
  /** The bootstrap server's port, when started with `--bootstrap-port`. */
  readonly bootstrapPort?: number;
  /** The bootstrap server's coaps port, when started with `--bootstrap-coaps-port`. */
  readonly bootstrapCoapsPort?: number;
  readonly token: string;
  readonly serverId: string;
  /** Last lines the server wrote to stderr (for error reports). */
  stderrTail(): string;
  /** SIGTERM (graceful: the CPU profile is written), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}


/** Starts `lwtwin server` and resolves once it printed its JSON start line. */
export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const token = randomBytes(18).toString('base64url');
  const serverId = `bench-${randomBytes(4).toString('hex')}`;
  const nodeArgs = [
    ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    ...(opts.nodeArgs ?? []),
    ...CLI.execArgv,
    CLI.file,
    '--json',
    'server',
    '--coap-host', '127.0.0.1',
    '--coap-port', '0', '--coaps-port', '0',
    '--http-host', '127.0.0.1',
    '--http-port', '0',
    '--redis-url', opts.redisUrl,
    '--redis-prefix', opts.redisPrefix,
    '--admin-token', token,
    '--server-id', serverId,
    '--log-level', 'warn',
    ...(opts.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  const started = await new Promise<{ api: string; coapPort: number; coapsPort: number; bootstrapPort?: number; bootstrapCoapsPort?: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`server did not start within ${opts.startTimeoutMs ?? 60_000} ms`)), opts.startTimeoutMs ?? 60_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n--- server stderr ---\n${stderr}`));
    };
    child.once('exit', (code, signal) => fail(new Error(`server exited before start (code ${code}, signal ${signal})`)));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line) return;
      try {
        const info = JSON.parse(line) as { api: string; coapPort: number; coapsPort: number; bootstrapPort?: number; bootstrapCoapsPort?: number };
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(info);
      } catch {
        /* the line is not complete yet */
      }
    });
  });
  return {
    pid: child.pid!,
    httpUrl: started.api,
    coapPort: started.coapPort,
    coapsPort: started.coapsPort,
    ...(started.bootstrapPort !== undefined ? { bootstrapPort: started.bootstrapPort } : {}),
    ...(started.bootstrapCoapsPort !== undefined ? { bootstrapCoapsPort: started.bootstrapCoapsPort } : {}),
    token,
    serverId,
    stderrTail: () => stderr,
    stop: (timeoutMs = 20_000) => stopChild(child, timeoutMs),
  };
}

function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
