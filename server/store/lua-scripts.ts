import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-client.ts';

/**
 * Registers Lua scripts on an ioredis client with `defineCommand` (EVALSHA, falling back to EVAL once per connection).
 * Files are named `<name>-<numberOfKeys>.lua` (the BullMQ convention) and start with a header listing KEYS and ARGV.
 * @param dir the directory of the files, e.g. `new URL('./lua/', import.meta.url)`
 * @param files command name -> file name
 * @param readOnly command names that only read (ioredis may send them to replicas)
 */
export function defineLuaScripts<T>(redis: RedisClient, dir: URL, files: Readonly<Record<string, string>>, readOnly: ReadonlySet<string> = new Set()): RedisClient & T {
  for (const [name, file] of Object.entries(files)) {
    const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    if (!Number.isInteger(numberOfKeys)) throw new Error(`Lua script file ${file} must be named <name>-<numberOfKeys>.lua`);
    redis.defineCommand(name, { lua: readFileSync(new URL(file, dir), 'utf8'), numberOfKeys, readOnly: readOnly.has(name) });
  }
  return redis as RedisClient & T;
}
