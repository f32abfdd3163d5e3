import { readFileSync } from 'node:fs';
import type { JobsRedis } from '../job-service-options.ts';

/**
 * The Lua scripts of JobStore, one file per atomic step in ./lua, named `<name>-<numberOfKeys>.lua` with a header
 * listing KEYS and ARGV; `lua/common.lua` is prepended to each. They are registered on the client with ioredis
 * `defineCommand` (EVALSHA, falling back to EVAL once per connection).
 */
const SCRIPT_FILES = {
  lwtwinJobCreate: 'create-job-4.lua',
  lwtwinJobDeviceTransition: 'device-transition-5.lua',
  lwtwinJobCancel: 'cancel-job-5.lua',
  lwtwinJobExpire: 'expire-job-5.lua',
  lwtwinJobClaimDeadlines: 'claim-deadlines-1.lua',
  lwtwinJobMarkQueued: 'mark-queued-1.lua',
} as const;

type ScriptName = keyof typeof SCRIPT_FILES;
type Arg = string | number;

/** `{ applied, deviceStatus, statusChanged, type, status, devices, pending, running, succeeded, failed, cancelled }` or `[-1]`. */
export type TransitionReply = [number, string, number, string, string, string, string, string, string, string, string] | [number];

export interface JobScripts {
  lwtwinJobCreate(...args: Arg[]): Promise<number>;
  lwtwinJobDeviceTransition(...args: Arg[]): Promise<TransitionReply>;
  lwtwinJobCancel(...args: Arg[]): Promise<TransitionReply>;
  lwtwinJobExpire(...args: Arg[]): Promise<TransitionReply>;
  lwtwinJobClaimDeadlines(...args: Arg[]): Promise<string[]>;
  lwtwinJobMarkQueued(...args: Arg[]): Promise<string | null>;
}

const common = readLua('common.lua');
const SOURCES = Object.entries(SCRIPT_FILES).map(([name, file]) => ({
  name: name as ScriptName,
  lua: `${common}\n${readLua(file)}`,
  numberOfKeys: Number(/-(\d+)\.lua$/.exec(file)?.[1]),
}));

/** Defines the jobs scripts on `redis` (idempotent) and returns the client typed with them. */
export function defineJobScripts(redis: JobsRedis): JobsRedis & JobScripts {
  for (const { name, lua, numberOfKeys } of SOURCES) redis.defineCommand(name, { lua, numberOfKeys });
  return redis as JobsRedis & JobScripts;
}

function readLua(file: string): string {
  return readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
}
