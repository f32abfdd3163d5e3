/**
 * Key prefixes of benchmark runs. Every run writes under its own `bench:<id>:` prefix and deletes it afterwards with
 * SCAN + UNLINK, so a benchmark never touches a user's keys on a shared Redis.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Identifies this invocation of the harness: every prefix it uses starts with `runPrefix()`. */
const RUN_ID = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** `bench:<run id>:`, the common start of every key this invocation writes. */
export function runPrefix(): string {
  return `bench:${RUN_ID}:`;
}

/** A fresh prefix `bench:<run id>:<label>-<random>:` for one run (label: scenario and run number). */
export function benchPrefix(label: string): string {
  return `${runPrefix()}${label}-${randomBytes(2).toString('hex')}:`;
}

/** Deletes every key that starts with `prefix` (SCAN + UNLINK); resolves how many were deleted. */
export async function deleteByPrefix(redisUrl: string, prefix: string): Promise<number> {
  if (!prefix.startsWith('bench:') || prefix.length < 'bench:x:'.length) throw new RangeError(`refusing to delete keys under ${JSON.stringify(prefix)}`);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    return await unlinkByPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** SCAN + UNLINK of every key under `prefix` through an open client (the caller checks the prefix is its own). */
export async function unlinkByPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 5000);
    if (keys.length > 0) deleted += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

/** used_cpu_user + used_cpu_sys of the redis-server behind `redis`, in seconds. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Redis INFO fields the report shows: version, memory, and the server's CPU seconds. */
export interface RedisInfo {
  version: string;
  usedMemoryBytes: number;
  cpuSeconds: number;
  /** `total_commands_processed` (Lua scripts count once, the commands they call not at all). */
  commandsProcessed: number;
}

export async function redisInfo(redisUrl: string): Promise<RedisInfo> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    const info = await redis.info();
    const field = (name: string): string | undefined => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    return {
      version: field('redis_version') ?? 'unknown',
      usedMemoryBytes: Number(field('used_memory') ?? NaN),
      cpuSeconds: Number(field('used_cpu_user') ?? NaN) + Number(field('used_cpu_sys') ?? NaN),
      commandsProcessed: Number(field('total_commands_processed') ?? NaN),
    };
  } finally {
    redis.disconnect();
  }
}

/** Escapes the glob characters of SCAN MATCH. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Measures what redis-server did over an interval (INFO deltas): CPU as % of one core and commands processed. Other
 * clients of the same Redis count too, so use a Redis of your own.
 */
export async function redisMeter(redisUrl: string): Promise<{ stop(): Promise<{ corePercent: number; commands: number }> }> {
  const before = await redisInfo(redisUrl);
  const t0 = performance.now();
  return {
    async stop() {
      const after = await redisInfo(redisUrl);
      const wall = (performance.now() - t0) / 1000;
      return { corePercent: ((after.cpuSeconds - before.cpuSeconds) / wall) * 100, commands: after.commandsProcessed - before.commandsProcessed };
    },
  };
}
