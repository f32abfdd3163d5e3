/**
 * One round of the `peer` scenario: the same virtual fleet (fleet/, `devices` endpoints over sockets of 250 on
 * 127.1.x.y, a fresh fleet per server) Registers (OMA TS Core 1.1 §6.2 Client Registration) with the same number in
 * flight against three servers, one after another, each alone in its own process:
 * 1. lwm2m-node-lib 1.4.0 (peer/peer-server.ts), which stores the registration and does nothing else; then device
 *    reads, its `server.read(id, 3, 0, 9)` called in its own process (no HTTP, no queue), a CoAP GET of Battery Level;
 * 2. lwtwin with `--observe-objects ''`: Register with nothing after it, the like-for-like figure; then device reads
 *    as deepRead jobs over the HTTP API (POST /api/jobs → BullMQ → CoAP GET of /3/0/9 → twin write → `completed`
 *    event; after the server went quiet and 1 s of unmeasured warm-up), then shallow reads of `device.batteryLevel`
 *    over HTTP (the twin, no device round trip) of the devices the deep reads reached (without observations nothing
 *    else puts a value into a twin);
 * 3. lwtwin as shipped, registration only: after Register it observes objects 3, 4, 5, 6 of each device.
 * Each side reports Register → 2.01 throughput and latency, the server's RSS per registered device, host-wide UDP
 * receive-buffer drops while registering, and how many requests the server sent each device after its Register.
 */
import { figure, type BenchContext, type Figure } from '../bench-types.ts';
import { forkRpc, type RpcChild } from '../child-rpc.ts';
import { startFleetProcesses, type FleetProcesses } from '../fleet/fleet-processes.ts';
import type { DeepReadReport, LoadReport } from '../load/http-load.ts';
import { startPeerServer } from '../peer/peer-server.ts';
import type { PeerReadReport } from '../peer/peer-server-worker.ts';
import { cpuMeter, processRssBytes, udpReceiveBufferErrors } from '../proc-stat.ts';
import { withServer } from '../server-session.ts';
import { decodeHistogram, median, percentileMs, sleep } from '../stats.ts';
import { HTTP_LOAD_WORKER } from './shallow-read.ts';

/** The resource every read asks for: Device (3) instance 0, Battery Level (9); `device.batteryLevel` in the twin. */
const BATTERY_PATH: [number, number, number] = [3, 0, 9];
const BATTERY_PROPERTY = 'device.batteryLevel';

export interface RegisterSide {
  registered: number;
  failed: number;
  registrationsPerSec: number;
  registerP50Ms: number;
  registerP99Ms: number;
  /** (RSS after − RSS before the fleet registered) / registered devices. */
  rssPerDeviceBytes: number;
  /** Host-wide `Udp: RcvbufErrors` increase while registering (every process of the host counts). */
  receiveBufferDrops: number;
  /** Requests the server sent the fleet after Register (before any read), per registered device. */
  requestsPerDevice: number;
  errors: string[];
}

export interface ReadSide {
  readsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  firstErrors: string[];
}

export interface PeerRound {
  peer: RegisterSide & { reads: ReadSide; sample?: string };
  /** Deep reads over the fleet, then shallow reads of the `shallowDevices` devices the deep reads reached. */
  lwtwinBare: RegisterSide & { deepReads: ReadSide; shallowReads: ReadSide; shallowDevices: number };
  /** Registration only: its RSS and requests are taken 1 s after the last Register, mid observation set-up. */
  lwtwin: RegisterSide;
}

const settleMs = (devices: number): number => (devices > 1000 ? 1000 : 200);
/** Unmeasured deep reads before the measured window: the job workers' first fetches and script loads. */
const WARM_UP_MS = 1000;

/**
 * Waits until process `pid` uses under a third of a core over half a second — the work a Register left behind is
 * done — at most `maxMs`, so that reads measure reads and not the tail of the registrations.
 */
async function untilQuiet(pid: number, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const cpu = cpuMeter(pid);
    await sleep(500);
    if (cpu.stop().corePercent < 33) return;
  }
}

const quietMaxMs = (devices: number): number => (devices > 1000 ? 15_000 : 2000);

/** Starts a fleet against `port`, registers it, and measures the server process `pid` around it. */
async function registerFleet(ctx: BenchContext, label: string, pid: number, port: number, plainTextReads: boolean): Promise<{ fleet: FleetProcesses; side: RegisterSide }> {
  const { devices, concurrency } = ctx.sizes.peer;
  await sleep(settleMs(devices)); // start-up garbage settles before the baseline
  const rss0 = processRssBytes(pid);
  const fleet = await startFleetProcesses({ server: { address: '127.0.0.1', port }, prefix: 'vd-', count: devices, ...(plainTextReads ? { plainTextReads } : {}) });
  try {
    const drops0 = udpReceiveBufferErrors();
    const reg = await fleet.register(concurrency);
    const receiveBufferDrops = udpReceiveBufferErrors() - drops0;
    ctx.log(`  ${label}: ${reg.registered} of ${devices} registered in ${reg.seconds.toFixed(1)} s`);
    await sleep(settleMs(devices));
    const served = (await fleet.stats()).requestsServed;
    const registered = Math.max(1, reg.registered);
    return {
      fleet,
      side: {
        registered: reg.registered,
        failed: reg.failed,
        registrationsPerSec: reg.registered / reg.seconds,
        registerP50Ms: percentileMs(reg.histogram, 50),
        registerP99Ms: percentileMs(reg.histogram, 99),
        rssPerDeviceBytes: (processRssBytes(pid) - rss0) / registered,
        receiveBufferDrops,
        requestsPerDevice: served / registered,
        errors: reg.errors,
      },
    };
  } catch (err) {
    await fleet.close();
    throw err;
  }
}

function readSide(r: LoadReport | PeerReadReport, failed: number): ReadSide {
  const h = decodeHistogram(r.histogram);
  return { readsPerSec: r.ok / r.seconds, p50Ms: percentileMs(h, 50), p99Ms: percentileMs(h, 99), failed, firstErrors: r.firstErrors };
}

async function peerSide(ctx: BenchContext): Promise<PeerRound['peer']> {
  const s = ctx.sizes.peer;
  const peer = await startPeerServer(ctx.cpuProfDir);
  try {
    const { fleet, side } = await registerFleet(ctx, 'lwm2m-node-lib', peer.pid, peer.coapPort, true);
    try {
      const held = await peer.registered();
      if (held !== side.registered) side.errors.push(`the peer holds ${held} devices after ${side.registered} answered Registers`);
      await untilQuiet(peer.pid, quietMaxMs(s.devices));
      const r = await peer.reads({ path: BATTERY_PATH, concurrency: s.readConcurrency, durationMs: s.readSec * 1000 });
      ctx.log(`  lwm2m-node-lib: ${r.ok} server.read calls answered in ${r.seconds.toFixed(1)} s, ${r.errors} failed`);
      return { ...side, reads: readSide(r, r.errors), ...(r.sample !== undefined ? { sample: r.sample } : {}) };
    } finally {
      await fleet.close();
    }
  } finally {
    await peer.stop();
  }
}

async function bareSide(ctx: BenchContext, load: RpcChild, run: number): Promise<PeerRound['lwtwinBare']> {
  const s = ctx.sizes.peer;
  return withServer(ctx, `peer-bare-${run}`, ['--observe-objects', ''], async ({ server, prefix }) => {
    const { fleet, side } = await registerFleet(ctx, 'lwtwin --observe-objects \'\'', server.pid, server.coapPort, false);
    try {
      const target = { httpUrl: server.httpUrl, token: server.token, devicePrefix: 'vd-', devices: s.devices, property: BATTERY_PROPERTY, concurrency: s.readConcurrency, durationMs: s.readSec * 1000 };
      await untilQuiet(server.pid, quietMaxMs(s.devices));
      const deepTarget = { ...target, connections: 8, pipelining: 4, redisUrl: ctx.redisUrl, redisPrefix: prefix, reportDevices: true };
      const warm = await load.call<DeepReadReport>('deepReads', { ...deepTarget, durationMs: WARM_UP_MS });
      const deep = await load.call<DeepReadReport>('deepReads', deepTarget);
      // Without observations only a deep read puts the value into a twin: shallow reads go to the devices just read.
      const readDevices = [...new Set([...(warm.readDevices ?? []), ...(deep.readDevices ?? [])])];
      if (readDevices.length === 0) throw new Error(`no deepRead job completed, nothing to read shallowly: ${deep.firstErrors.join('; ')}`);
      const shallow = await load.call<LoadReport>('shallowReads', { ...target, onlyDevices: readDevices, connections: 8, pipelining: 8 });
      ctx.log(`  lwtwin: ${deep.ok} deepRead jobs completed in ${deep.seconds.toFixed(1)} s, then ${shallow.ok} shallow reads in ${shallow.seconds.toFixed(1)} s`);
      return { ...side, deepReads: readSide(deep, deep.errors + deep.failedJobs), shallowReads: readSide(shallow, shallow.errors), shallowDevices: readDevices.length };
    } finally {
      await fleet.close();
    }
  });
}

async function shippedSide(ctx: BenchContext, run: number): Promise<RegisterSide> {
  return withServer(ctx, `peer-lwtwin-${run}`, [], async ({ server }) => {
    const { fleet, side } = await registerFleet(ctx, 'lwtwin as shipped', server.pid, server.coapPort, false);
    await fleet.close();
    return side;
  });
}

/** One round: the peer, lwtwin without observation set-up, lwtwin as shipped (see the file comment). */
export async function peerRound(ctx: BenchContext, run: number): Promise<PeerRound> {
  const peer = await peerSide(ctx);
  const load = forkRpc(HTTP_LOAD_WORKER);
  try {
    const lwtwinBare = await bareSide(ctx, load, run);
    const lwtwin = await shippedSide(ctx, run);
    return { peer, lwtwinBare, lwtwin };
  } finally {
    await load.close();
  }
}

/** Figures of a list of rounds: each `pick` over the rounds, median shown. */
export function roundFigure(rounds: readonly PeerRound[], label: string, unit: string, pick: (r: PeerRound) => number, target?: Figure['target']): Figure {
  const values = rounds.map(pick);
  return figure('peer', label, unit, values, median(values), target);
}
