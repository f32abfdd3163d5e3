/**
 * HTTP load against the server's API with undici (a Pool with pipelining), run in its own process
 * (http-load-worker.ts): closed-loop lanes that each keep one request or job in flight for a fixed time.
 * - shallow reads: `GET /api/devices/{ep}/properties/{property}` (docs/twin-model.md), latency per request;
 * - deep reads: `POST /api/jobs {type: 'deepRead', deviceId, property}` (docs/twin-model.md) → 202, then the job's
 *   `completed`/`failed` status event on the jobs' Redis channel; latency enqueue → result.
 */
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { JobKeys } from '../../../jobs/queue-names.ts';
import { RedisKeys } from '../../../server/store/keys.ts';
import { encodeHistogram, latencyHistogram, recordMs } from '../stats.ts';

export interface LoadTarget {
  httpUrl: string;
  token: string;
  /** Endpoint names `${devicePrefix}${i}`, i < devices. */
  devicePrefix: string;
  devices: number;
  /** Only these device indexes (< devices) are read. @defaultValue every index below `devices` */
  onlyDevices?: readonly number[];
  property: string;
  connections: number;
  pipelining: number;
  concurrency: number;
  durationMs: number;
}

export interface LoadReport {
  ok: number;
  errors: number;
  seconds: number;
  /** Latencies (µs), compressed base64. */
  histogram: string;
  firstErrors: string[];
}

/** Deterministic spread of devices over requests: a multiplicative hash of the request number. */
function pick(n: number, devices: number): number {
  return (Math.imul(n + 1, 2654435761) >>> 0) % devices;
}

/** The device index request `n` goes to. */
function deviceIndex(t: LoadTarget, n: number): number {
  return t.onlyDevices && t.onlyDevices.length > 0 ? t.onlyDevices[pick(n, t.onlyDevices.length)] : pick(n, t.devices);
}

export async function shallowReadLoad(t: LoadTarget): Promise<LoadReport> {
  const pool = new Pool(t.httpUrl, { connections: t.connections, pipelining: t.pipelining });
  const hist = latencyHistogram();
  const headers = { authorization: `Bearer ${t.token}` };
  const firstErrors: string[] = [];
  let ok = 0;
  let errors = 0;
  let n = 0;
  const t0 = performance.now();
  const end = t0 + t.durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const ep = `${t.devicePrefix}${deviceIndex(t, n++)}`;
      const s = performance.now();
      try {
        const res = await pool.request({ method: 'GET', path: `/api/devices/${encodeURIComponent(ep)}/properties/${encodeURIComponent(t.property)}`, headers });
        const body = await res.body.text();
        if (res.statusCode === 200) {
          recordMs(hist, performance.now() - s);
          ok++;
        } else {
          errors++;
          if (firstErrors.length < 3) firstErrors.push(`${res.statusCode} ${body.slice(0, 160)}`);
        }
      } catch (err) {
        errors++;
        if (firstErrors.length < 3) firstErrors.push((err as Error).message);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: t.concurrency }, lane));
    return { ok, errors, seconds: (performance.now() - t0) / 1000, histogram: encodeHistogram(hist), firstErrors };
  } finally {
    await pool.close();
  }
}

export interface DeepReadTarget extends LoadTarget {
  redisUrl: string;
  /** The server's Redis key prefix (job events arrive on its jobs channel). */
  redisPrefix: string;
  /** Longest wait for one job's result, ms. @defaultValue 15000 */
  jobTimeoutMs?: number;
  /** Report the indexes of the devices read successfully (`readDevices`). @defaultValue false */
  reportDevices?: boolean;
}

export interface DeepReadReport extends LoadReport {
  /** Jobs that ended `failed` or timed out. */
  failedJobs: number;
  /** POST /api/jobs → 202 latencies (µs), compressed base64. */
  submitHistogram: string;
  /** With `reportDevices`: indexes of the devices whose read completed (their twins now hold the property). */
  readDevices?: number[];
}

export async function deepReadLoad(t: DeepReadTarget): Promise<DeepReadReport> {
  const channel = new JobKeys(new RedisKeys(t.redisPrefix).jobsPrefix()).events();
  const sub = new Redis(t.redisUrl);
  const pool = new Pool(t.httpUrl, { connections: t.connections, pipelining: t.pipelining });
  const hist = latencyHistogram();
  const submitHist = latencyHistogram();
  const headers = { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' };
  const waiting = new Map<string, (status: string) => void>();
  const early = new Map<string, string>();
  sub.on('message', (_c: string, message: string) => {
    let e: { kind?: string; jobId?: string; status?: string };
    try {
      e = JSON.parse(message);
    } catch {
      return;
    }
    if (e.kind !== 'status' || !e.jobId || (e.status !== 'completed' && e.status !== 'failed')) return;
    const w = waiting.get(e.jobId);
    if (w) {
      waiting.delete(e.jobId);
      w(e.status);
    } else early.set(e.jobId, e.status);
  });
  await sub.subscribe(channel);
  const firstErrors: string[] = [];
  let ok = 0;
  let errors = 0;
  let failedJobs = 0;
  let n = 0;
  const readDevices = t.reportDevices === true ? new Set<number>() : undefined;
  const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const t0 = performance.now();
  const end = t0 + t.durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const i = n++;
      const jobId = `bench-${tag}-${i}`;
      const index = deviceIndex(t, i);
      const deviceId = `${t.devicePrefix}${index}`;
      const s = performance.now();
      const result = new Promise<string>((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(jobId);
          resolve('timeout');
        }, t.jobTimeoutMs ?? 15_000);
        waiting.set(jobId, (status) => {
          clearTimeout(timer);
          resolve(status);
        });
      });
      try {
        const res = await pool.request({ method: 'POST', path: '/api/jobs', headers, body: JSON.stringify({ jobId, type: 'deepRead', deviceId, property: t.property }) });
        const body = await res.body.text();
        recordMs(submitHist, performance.now() - s);
        if (res.statusCode !== 202) {
          errors++;
          waiting.get(jobId)?.('rejected');
          if (firstErrors.length < 3) firstErrors.push(`POST /api/jobs ${res.statusCode} ${body.slice(0, 160)}`);
          await result;
          continue;
        }
      } catch (err) {
        errors++;
        waiting.get(jobId)?.('rejected');
        if (firstErrors.length < 3) firstErrors.push((err as Error).message);
        await result;
        continue;
      }
      const already = early.get(jobId);
      if (already !== undefined) {
        early.delete(jobId);
        waiting.get(jobId)?.(already);
      }
      const status = await result;
      if (status === 'completed') {
        recordMs(hist, performance.now() - s);
        ok++;
        readDevices?.add(index);
      } else {
        failedJobs++;
        if (firstErrors.length < 3) firstErrors.push(`job ${jobId}: ${status}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: t.concurrency }, lane));
    return { ok, errors, failedJobs, seconds: (performance.now() - t0) / 1000, histogram: encodeHistogram(hist), submitHistogram: encodeHistogram(submitHist), firstErrors, ...(readDevices ? { readDevices: [...readDevices] } : {}) };
  } finally {
    await pool.close();
    sub.disconnect();
  }
}
