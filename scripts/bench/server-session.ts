/**
 * One server process for one benchmark run: a fresh Redis key prefix, the server started through the CLI, and on
 * the way out the server stopped and every key under the prefix deleted, whatever happened in between.
 */
import type { BenchContext } from './bench-types.ts';
import { benchPrefix, deleteByPrefix } from './redis-prefix.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

export interface ServerSession {
  server: ServerProcess;
  prefix: string;
}

/** Runs `fn` against a fresh server under a fresh prefix (`label` names the run in the prefix); `nodeArgs` go to its Node. */
export async function withServer<T>(ctx: BenchContext, label: string, extraArgs: readonly string[], fn: (s: ServerSession) => Promise<T>, nodeArgs: readonly string[] = []): Promise<T> {
  const prefix = benchPrefix(label);
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ redisUrl: ctx.redisUrl, redisPrefix: prefix, extraArgs, nodeArgs, ...(ctx.cpuProfDir ? { cpuProfDir: ctx.cpuProfDir } : {}) });
    return await fn({ server, prefix });
  } finally {
    await server?.stop();
    await deleteByPrefix(ctx.redisUrl, prefix).catch((err: Error) => ctx.log(`cleanup of ${prefix} failed: ${err.message}`));
  }
}

/** Runs `fn` under a fresh prefix without a server (store-level scenarios), deleting the prefix afterwards. */
export async function withPrefix<T>(ctx: BenchContext, label: string, fn: (prefix: string) => Promise<T>): Promise<T> {
  const prefix = benchPrefix(label);
  try {
    return await fn(prefix);
  } finally {
    await deleteByPrefix(ctx.redisUrl, prefix).catch((err: Error) => ctx.log(`cleanup of ${prefix} failed: ${err.message}`));
  }
}
