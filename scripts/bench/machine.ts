/** Describes the machine a benchmark ran on: CPU, cores, memory, load, Node and Redis versions. */
import os from 'node:os';
import { redisInfo } from './redis-prefix.ts';

export interface MachineInfo {
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  redisVersion: string;
  /** Redis URL without credentials. */
  redisUrl: string;
  /** 1, 5 and 15-minute load averages when the run started: other work on the host skews every figure. */
  loadAverage: number[];
}

export async function describeMachine(redisUrl: string): Promise<MachineInfo> {
  const u = new URL(redisUrl);
  u.username = '';
  u.password = '';
  return {
    hostname: os.hostname(),
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redisVersion: (await redisInfo(redisUrl)).version,
    redisUrl: u.toString(),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function formatMachine(m: MachineInfo): string {
  return [
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}`,
    `node ${m.node}, redis ${m.redisVersion} at ${m.redisUrl}, load average at start ${m.loadAverage.join(' / ')}`,
  ].join('\n');
}
