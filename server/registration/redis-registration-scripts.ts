import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts of RedisRegistrationStore, one file per atomic step in ./lua, named `<name>-<numberOfKeys>.lua`
 * with a header listing KEYS and ARGV. `lua/common.lua` is prepended to each. They are registered on the client with
 * ioredis `defineCommand`, which sends EVALSHA and falls back to EVAL once per connection.
 */
const SCRIPT_FILES = {
  lwtwinAddRegistration: 'add-registration-4.lua',
  lwtwinUpdateRegistration: 'update-registration-3.lua',
  lwtwinRemoveRegistration: 'remove-registration-2.lua',
  lwtwinRemoveExpiredRegistrations: 'remove-expired-registrations-1.lua',
  lwtwinGetRegistrationByIndex: 'get-registration-by-index-1.lua',
  lwtwinListRegistrations: 'list-registrations-1.lua',
} as const;

/** Scripts that only read (ioredis may send them to replicas). */
const READ_ONLY = new Set<string>(['lwtwinGetRegistrationByIndex', 'lwtwinListRegistrations']);

type ScriptName = keyof typeof SCRIPT_FILES;
type Arg = string | number;

/** A flat HGETALL reply. */
export type FlatHash = string[];

/** The registration scripts as typed methods of the client. Replies follow each script's "Output" header. */
export interface RegistrationScripts {
  lwtwinAddRegistration(...args: Arg[]): Promise<FlatHash>;
  lwtwinUpdateRegistration(...args: Arg[]): Promise<[FlatHash, FlatHash] | null>;
  lwtwinRemoveRegistration(...args: Arg[]): Promise<FlatHash | null>;
  lwtwinRemoveExpiredRegistrations(...args: Arg[]): Promise<FlatHash[]>;
  lwtwinGetRegistrationByIndex(...args: Arg[]): Promise<FlatHash | null>;
  lwtwinListRegistrations(...args: Arg[]): Promise<[FlatHash[], string | null, string, number]>;
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
export function defineRegistrationScripts(redis: Redis): Redis & RegistrationScripts {
  for (const [name, source] of Object.entries(SOURCES)) {
    redis.defineCommand(name, { lua: source.lua, numberOfKeys: source.numberOfKeys, readOnly: READ_ONLY.has(name) });
  }
  return redis as Redis & RegistrationScripts;
}

function readLua(file: string): string {
  return readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
}
