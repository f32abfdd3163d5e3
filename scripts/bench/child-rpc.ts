/**
 * Request/response over the IPC channel of a forked TypeScript child (the benchmark's load generators run in their
 * own processes): the parent `call`s a named command, the child `serveRpc`s a table of async handlers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { ModuleEntry } from '../runtime-entry.ts';

interface RpcRequest {
  rpc: number;
  cmd: string;
  args: unknown;
}

interface RpcResponse {
  rpc: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface RpcChild {
  readonly pid: number;
  call<T>(cmd: string, args?: unknown): Promise<T>;
  /** Asks the child to exit (`exit` command), SIGKILL after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

/** Forks `entry` (see `siblingModule`: compiled, or TypeScript with the tsx loader) and returns its RPC handle. */
export function forkRpc(module: ModuleEntry, execArgv: readonly string[] = []): RpcChild {
  const entry = module.file;
  const child: ChildProcess = fork(entry, [], { execArgv: [...execArgv, ...module.execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let exited = false;
  child.on('message', (msg: RpcResponse) => {
    const p = pending.get(msg.rpc);
    if (!p) return;
    pending.delete(msg.rpc);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error ?? 'child command failed'));
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`load generator ${entry} exited (code ${code}, signal ${signal})`));
    pending.clear();
  });
  return {
    pid: child.pid!,
    call<T>(cmd: string, args?: unknown): Promise<T> {
      if (exited) return Promise.reject(new Error(`load generator ${entry} is gone`));
      const rpc = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ rpc, cmd, args } satisfies RpcRequest);
      });
    },
    close(timeoutMs = 10_000): Promise<void> {
      if (exited) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send({ rpc: 0, cmd: 'exit', args: undefined } satisfies RpcRequest);
        else child.kill('SIGTERM');
      });
    },
  };
}

/** In the child: answers the parent's calls with `handlers`; `exit` runs `onExit` and ends the process. */
export function serveRpc(handlers: Record<string, (args: any) => Promise<unknown>>, onExit: () => Promise<void> = async () => undefined): void {
  process.on('message', (msg: RpcRequest) => {
    if (msg.cmd === 'exit') {
      void onExit().finally(() => process.exit(0));
      return;
    }
    const handler = handlers[msg.cmd];
    const reply = (r: RpcResponse): void => {
      if (process.connected) process.send!(r);
    };
    if (!handler) {
      reply({ rpc: msg.rpc, ok: false, error: `unknown command ${msg.cmd}` });
      return;
    }
    handler(msg.args).then(
      (result) => reply({ rpc: msg.rpc, ok: true, result }),
      (err: unknown) => reply({ rpc: msg.rpc, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes of one host. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
