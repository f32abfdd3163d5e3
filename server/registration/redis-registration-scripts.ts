import { readFileSync } from 'node:fs';
import type { RedisClient } from '../store/redis-client.ts';

/**
 * The Lua scripts of RedisRegistrationStore, one file per atomic step in ./lua, named `<name>-<numberOfKeys>.lua`
 * with a header listing KEYS and ARGV. `lua/common.lua` is prepended to each. They are registered on the client with
 * ioredis `defineCommand`, which sends EVALSHA and falls back to EVAL once per connection.
 */
const SCRIPT_FILES = {
  lwtwinAddRegistration: 'add-registration-1.lua',
  lwtwinUpdateRegistration: 'update-registration-1.lua',
  lwtwinRemoveRegistration: 'remove-registration-1.lua',
  lwtwinExpireRegistration: 'expire-registration-1.lua',
  lwtwinDelIfEqual: '../../store/lua/del-if-equal-1.lua', // shared with the fleet lease
  lwtwinZremIfAtMost: 'zrem-if-at-most-1.lua',
} as const;

type ScriptName = keyof typeof SCRIPT_FILES;
type Arg = string | number;

/** A flat HGETALL reply. */
export type FlatHash = string[];

/** The registration scripts as typed methods of the client. Replies follow each script's "Output" header. */
export interface RegistrationScripts {
  lwtwinAddRegistration(...args: Arg[]): Promise<FlatHash>;
  lwtwinUpdateRegistration(...args: Arg[]): Promise<[FlatHash, FlatHash, string] | null>;
  lwtwinRemoveRegistration(...args: Arg[]): Promise<FlatHash | null>;
  lwtwinExpireRegistration(...args: Arg[]): Promise<[0] | [1, string] | [2, FlatHash]>;
  lwtwinDelIfEqual(...args: Arg[]): Promise<number>;
  lwtwinZremIfAtMost(...args: Arg[]): Promise<number>;
}

const common = readLua('common.lua');
const SOURCES: Readonly<Record<ScriptName, { lua: string; numberOfKeys: number }>> = Object.freeze(
  Object.fromEntries(
    Object.entries(SCRIPT_FILES).map(([name, file]) => {
      const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
      return [name, { lua: `${common}\n${readLua(file)}`, numberOfKeys }];
    }),
  ) as Record<ScriptName, { lua: string; numberOfKeys: number }>,
);

/** Defines the registration scripts on `redis` (idempotent) and returns the client typed with them. */
export function defineRegistrationScripts(redis: RedisClient): RedisClient & RegistrationScripts {
  for (const [name, source] of Object.entries(SOURCES)) {
    redis.defineCommand(name, { lua: source.lua, numberOfKeys: source.numberOfKeys });
  }
  return redis as RedisClient & RegistrationScripts;
}

function readLua(file: string): string {
  return readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
}
