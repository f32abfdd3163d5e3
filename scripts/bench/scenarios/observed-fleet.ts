/**
 * Set-up shared by the notify, shallow-read and deep-read scenarios: `devices` virtual devices in a load-generator
 * process, registered with the session's server, and the wait until the server observes each of them (the server runs
 * with `--observe-objects 3`, one observation per device, which also gives every twin reported values).
 */
import type { BenchContext } from '../bench-types.ts';
import { startFleetProcesses, type FleetProcesses } from '../fleet/fleet-processes.ts';
import { metricSum, scrapeMetrics } from '../prom-text.ts';
import type { ServerSession } from '../server-session.ts';
import { sleep } from '../stats.ts';

/** CLI flags of servers used with `startObservedFleet`. */
export const OBSERVE_OBJECT_3 = ['--observe-objects', '3'] as const;

/** Socket numbers handed out so far in this process: concurrent fleets bind distinct loopback addresses. */
let nextSocket = 0;

/**
 * Starts and registers the fleet; waits until the server counts `already + registered + extraObserved` successful
 * observes (`already`: observes of earlier fleets on the same server).
 */
export async function startObservedFleet(ctx: BenchContext, session: ServerSession, devices: number, notes: string[], extraObserved = 0, prefix = 'vd-'): Promise<FleetProcesses> {
  const { server } = session;
  const already = metricSum(await scrapeMetrics(server.httpUrl), 'lwtwin_device_request_seconds_count', { op: 'observe', outcome: 'ok' });
  const firstSocket = nextSocket;
  nextSocket = (nextSocket + Math.ceil(devices / 250)) % 50_000;
  const fleet = await startFleetProcesses({ server: { address: '127.0.0.1', port: server.coapPort }, prefix, count: devices, firstSocket });
  try {
    const reg = await fleet.register(ctx.sizes.registration.concurrency);
    if (reg.failed > 0) notes.push(`${reg.failed} of ${devices} Registers failed during set-up: ${reg.errors.slice(0, 2).join('; ')}`);
    await waitObserved(ctx, server.httpUrl, already + reg.registered + extraObserved, notes);
    return fleet;
  } catch (err) {
    await fleet.close();
    throw err;
  }
}

/** Waits until the server counts `expected` successful observes (or the configured wait is over). */
export async function waitObserved(ctx: BenchContext, httpUrl: string, expected: number, notes: string[]): Promise<void> {
  const deadline = performance.now() + ctx.sizes.registration.observeWaitSec * 1000;
  let observed = 0;
  while (performance.now() < deadline) {
    observed = metricSum(await scrapeMetrics(httpUrl), 'lwtwin_device_request_seconds_count', { op: 'observe', outcome: 'ok' });
    if (observed >= expected) break;
    await sleep(expected > 1000 ? 250 : 50);
  }
  if (observed < expected) notes.push(`only ${observed} of ${expected} devices were observed after ${ctx.sizes.registration.observeWaitSec} s of set-up`);
  await sleep(expected > 1000 ? 1000 : 200);
}
