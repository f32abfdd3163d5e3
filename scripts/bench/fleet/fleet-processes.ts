/**
 * A virtual fleet split over forked worker processes (fleet-worker.ts), so the load generator never shares the
 * server's event loop nor the benchmark driver's. Device indexes and loopback addresses are disjoint per worker.
 */
import type { Peer } from '../../../protocol/coap/types.ts';
import { siblingModule } from '../../runtime-entry.ts';
import { forkRpc, type RpcChild } from '../child-rpc.ts';
import { mergeHistograms } from '../stats.ts';
import type { Histogram } from 'hdr-histogram-js';
import type { ConnectReport, NotifyReport, RegisterReport } from './virtual-fleet.ts';

const WORKER = siblingModule(import.meta.url, './fleet-worker.ts');

export interface FleetProcessesOptions {
  server: Peer;
  prefix: string;
  count: number;
  /** @defaultValue ceil(count / 50000) */
  workers?: number;
  /** @defaultValue 250 */
  devicesPerSocket?: number;
  /** First loopback socket number (keeps concurrent fleets of one run on distinct addresses). @defaultValue 0 */
  firstSocket?: number;
  /** Profile the workers too (node --cpu-prof into this directory). */
  cpuProfDir?: string;
  /** coaps devices, one DTLS session each, with PSKs derived from this hex secret (see virtual-fleet.ts). */
  pskSecret?: string;
  /** Devices answer single-resource Reads asked in text/plain too (see virtual-fleet.ts). @defaultValue false */
  plainTextReads?: boolean;
}

export interface FleetRegisterResult {
  registered: number;
  failed: number;
  seconds: number;
  startedAt: number;
  finishedAt: number;
  histogram: Histogram;
  errors: string[];
}

export interface FleetProcesses {
  readonly pids: readonly number[];
  /** coaps fleets: every device's DTLS handshake, before any Register. */
  connect(concurrency: number): Promise<{ connected: number; failed: number; seconds: number; histogram: Histogram; errors: string[] }>;
  register(concurrency: number): Promise<FleetRegisterResult>;
  notify(ratePerSecond: number, durationMs: number): Promise<NotifyReport>;
  stats(): Promise<{ observed: number; requestsServed: number }>;
  close(): Promise<void>;
}

export async function startFleetProcesses(opts: FleetProcessesOptions): Promise<FleetProcesses> {
  const perSocket = opts.pskSecret !== undefined ? 1 : (opts.devicesPerSocket ?? 250);
  const n = Math.max(1, opts.workers ?? Math.ceil(opts.count / 50_000));
  const share = Math.ceil(opts.count / n);
  const children: RpcChild[] = [];
  try {
    let socket = opts.firstSocket ?? 0;
    for (let k = 0; k < n; k++) {
      const count = Math.max(0, Math.min(share, opts.count - k * share));
      if (count === 0) break;
      const child = forkRpc(WORKER, opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []);
      children.push(child);
      await child.call('open', { server: opts.server, prefix: opts.prefix, firstIndex: k * share, count, devicesPerSocket: perSocket, firstSocket: socket, ...(opts.pskSecret !== undefined ? { pskSecret: opts.pskSecret } : {}), ...(opts.plainTextReads === true ? { plainTextReads: true } : {}) });
      socket += Math.ceil(count / perSocket);
    }
  } catch (err) {
    await Promise.all(children.map((c) => c.close()));
    throw err;
  }
  return {
    pids: children.map((c) => c.pid),
    async connect(concurrency) {
      const per = Math.max(1, Math.ceil(concurrency / children.length));
      const reports = await Promise.all(children.map((c) => c.call<ConnectReport>('connect', { concurrency: per })));
      return {
        connected: reports.reduce((s, r) => s + r.connected, 0),
        failed: reports.reduce((s, r) => s + r.failed, 0),
        seconds: Math.max(...reports.map((r) => r.seconds)),
        histogram: mergeHistograms(reports.map((r) => r.histogram)),
        errors: reports.flatMap((r) => r.errors),
      };
    },
    async register(concurrency) {
      const per = Math.max(1, Math.ceil(concurrency / children.length));
      const reports = await Promise.all(children.map((c) => c.call<RegisterReport>('register', { concurrency: per })));
      const startedAt = Math.min(...reports.map((r) => r.startedAt));
      const finishedAt = Math.max(...reports.map((r) => r.finishedAt));
      return {
        registered: reports.reduce((s, r) => s + r.registered, 0),
        failed: reports.reduce((s, r) => s + r.failed, 0),
        seconds: (finishedAt - startedAt) / 1000,
        startedAt,
        finishedAt,
        histogram: mergeHistograms(reports.map((r) => r.histogram)),
        errors: reports.flatMap((r) => r.errors),
      };
    },
    async notify(ratePerSecond, durationMs) {
      const reports = await Promise.all(children.map((c) => c.call<NotifyReport>('notify', { ratePerSecond: ratePerSecond / children.length, durationMs })));
      return {
        sent: reports.reduce((s, r) => s + r.sent, 0),
        resets: reports.reduce((s, r) => s + r.resets, 0),
        seconds: Math.max(...reports.map((r) => r.seconds)),
        observations: reports.reduce((s, r) => s + r.observations, 0),
      };
    },
    async stats() {
      const all = await Promise.all(children.map((c) => c.call<{ observed: number; requestsServed: number }>('stats')));
      return { observed: all.reduce((s, x) => s + x.observed, 0), requestsServed: all.reduce((s, x) => s + x.requestsServed, 0) };
    },
    async close() {
      await Promise.all(children.map((c) => c.close()));
    },
  };
}
