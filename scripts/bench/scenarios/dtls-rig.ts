/**
 * Set-up of the `dtls` scenario (scenarios/dtls.ts): DTLS credentials put into the server's security store, a probe
 * device per transport in this process, a plain CoAP fleet and a coaps fleet of the same size (forked children), and
 * the DTLS load worker (handshakes, idle sessions, the ClientHello flood).
 */
import { Redis } from 'ioredis';
import { RedisKeys } from '../../../server/store/keys.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import { siblingModule } from '../../runtime-entry.ts';
import type { BenchContext } from '../bench-types.ts';
import { forkRpc, type RpcChild } from '../child-rpc.ts';
import type { SecurityEntry } from '../../../server/security/security-entry.ts';
import { pskEntry, provisionSecurity, rpkEntry } from '../dtls/provision.ts';
import { startFleetProcesses, type FleetProcesses } from '../fleet/fleet-processes.ts';
import { VirtualFleet } from '../fleet/virtual-fleet.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import type { ServerSession } from '../server-session.ts';
import { startObservedFleet, waitObserved } from './observed-fleet.ts';

const WORKER = siblingModule(import.meta.url, '../dtls/dtls-load-worker.ts');
/** Loopback socket number (see `loopbackAddress`) of the coaps fleet's first device. */
const DTLS_FLEET_SOCKET = 20_000;
/** Raw public keys made for the ECDHE handshakes. */
const RPK_KEYS = 64;

/** The fleets, probes and load worker of one scenario invocation. */
export interface DtlsRig {
  session: ServerSession;
  worker: RpcChild;
  store: RedisTwinStore;
  plainFleet: FleetProcesses;
  dtlsFleet: FleetProcesses;
  plainProbe: VirtualFleet;
  dtlsProbe: VirtualFleet;
  /** Closes everything above (not the server). */
  close(): Promise<void>;
}

/** The notify scenario's step with this scenario's duration and probe period. */
export function stepContext(ctx: BenchContext): BenchContext {
  const { stepSec, probeEveryMs } = ctx.sizes.dtls;
  return { ...ctx, sizes: { ...ctx.sizes, notify: { ...ctx.sizes.notify, stepSec, probeEveryMs } } };
}

/** PSK identities `hs-<i>` provisioned for handshakes and idle sessions. */
export function handshakePool(ctx: BenchContext): number {
  return Math.max(ctx.sizes.dtls.idleSessions, ctx.sizes.dtls.handshakeConcurrency * 4);
}

export async function openRig(ctx: BenchContext, session: ServerSession, secret: string, notes: string[]): Promise<DtlsRig> {
  const { server, prefix } = session;
  const sz = ctx.sizes.dtls;
  const coaps = { address: '127.0.0.1', port: server.coapsPort };
  const worker = forkRpc(WORKER, ctx.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`] : []);
  const redis = new Redis(ctx.redisUrl);
  const store = new RedisTwinStore({ redis, keys: new RedisKeys(prefix) });
  const opened: Array<{ close(): Promise<void> }> = [
    { close: () => worker.close() },
    {
      close: async () => {
        await store.close().catch(() => undefined);
        redis.disconnect();
      },
    },
  ];
  const closeAll = async (): Promise<void> => {
    for (const o of opened.reverse()) await o.close().catch(() => undefined);
  };
  try {
    const rpk = await worker.call<string[]>('rpkKeys', { count: RPK_KEYS });
    const pool = handshakePool(ctx);
    const entries: Array<[string, SecurityEntry]> = [
      pskEntry(secret, 'dprobe-0'),
      ...Array.from({ length: pool }, (_, i) => pskEntry(secret, `hs-${i}`)),
      ...Array.from({ length: sz.devices }, (_, i) => pskEntry(secret, `dv-${i}`)),
      ...rpk.map((pem, i) => rpkEntry(`rpk-${i}`, pem)),
    ];
    const p0 = performance.now();
    await provisionSecurity(ctx.redisUrl, prefix, entries);
    ctx.log(`  dtls: ${entries.length} security entries put into the security store in ${((performance.now() - p0) / 1000).toFixed(1)} s`);
    const plainProbe = await VirtualFleet.open({ server: { address: '127.0.0.1', port: server.coapPort }, prefix: 'probe-', count: 1, devicesPerSocket: 1, firstSocket: 60_000 });
    opened.push(plainProbe);
    const dtlsProbe = await VirtualFleet.open({ server: coaps, prefix: 'dprobe-', count: 1, pskSecret: secret, firstSocket: 60_001 });
    opened.push(dtlsProbe);
    for (const probe of [plainProbe, dtlsProbe]) {
      const reg = await probe.register(1);
      if (reg.registered !== 1) throw new Error(`probe ${probe.name(0)} did not register: ${reg.errors.join('; ')}`);
    }
    await waitObserved(ctx, server.httpUrl, 2, notes);
    const plainFleet = await startObservedFleet(ctx, session, sz.devices, notes, 0, 'vd-');
    opened.push(plainFleet);
    const dtlsFleet = await startFleetProcesses({ server: coaps, prefix: 'dv-', count: sz.devices, firstSocket: DTLS_FLEET_SOCKET, pskSecret: secret });
    opened.push(dtlsFleet);
    const already = metricSum(await scrapeMetrics(server.httpUrl), 'lwtwin_device_request_seconds_count', { op: 'observe', outcome: 'ok' });
    const conn = await dtlsFleet.connect(ctx.sizes.dtls.handshakeConcurrency);
    if (conn.failed > 0) notes.push(`${conn.failed} of ${sz.devices} coaps fleet handshakes failed: ${conn.errors.slice(0, 2).join('; ')}`);
    const reg = await dtlsFleet.register(ctx.sizes.registration.concurrency);
    if (reg.failed > 0) notes.push(`${reg.failed} of ${sz.devices} coaps Registers failed: ${reg.errors.slice(0, 2).join('; ')}`);
    await waitObserved(ctx, server.httpUrl, already + reg.registered, notes);
    ctx.log(`  dtls: fleets ready (${sz.devices} plain, ${reg.registered} coaps; coaps handshakes ${(conn.connected / conn.seconds).toFixed(0)}/s at set-up)`);
    return { session, worker, store, plainFleet, dtlsFleet, plainProbe, dtlsProbe, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

