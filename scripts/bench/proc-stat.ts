/**
 * What Linux says about a process and the host (proc(5)): CPU time of a pid from `/proc/<pid>/stat`, its resident
 * set from `/proc/<pid>/status`, and UDP receive-buffer drops from `/proc/net/snmp`.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: clock ticks per second of `/proc/<pid>/stat` times (100 on every mainstream Linux build). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far; NaN when it is gone or this is not Linux. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]); // field 14
    const stime = Number(fields[12]); // field 15
    return (utime + stime) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** Resident set size in bytes (VmRSS); NaN when unknown. */
export function processRssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? NaN : Number(kb) * 1024;
  } catch {
    return NaN;
  }
}

/** Host-wide UDP datagrams dropped for a full receive buffer (`Udp: RcvbufErrors`); NaN when unknown. */
export function udpReceiveBufferErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    if (lines.length < 2) return NaN;
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    const i = names.indexOf('RcvbufErrors');
    return i < 0 ? NaN : Number(values[i]);
  } catch {
    return NaN;
  }
}

/** Samples a process's CPU use over an interval: `stop()` returns the share of one core used since `start`. */
export function cpuMeter(pid: number): { stop(): { cpuSeconds: number; corePercent: number } } {
  const cpu0 = processCpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const cpuSeconds = processCpuSeconds(pid) - cpu0;
      const wall = (performance.now() - t0) / 1000;
      return { cpuSeconds, corePercent: wall > 0 ? (cpuSeconds / wall) * 100 : NaN };
    },
  };
}
