/**
 * The bounds on per-device state of one server process, all sized from one figure: the fleet the node is meant to
 * hold (`--max-devices`). With the defaults (100,000 devices, objects 3, 4, 5, 6 observed) one node holds 100,000
 * devices with four observations each; a larger fleet needs a larger `--max-devices` (and the memory for it, see
 * BENCHMARKS.md) or more nodes.
 *
 * Each bound reports its use in `/metrics` (`lwtwin_bound_used{bound}` against `lwtwin_bound_max{bound}`); work a full
 * bound refuses is counted (`lwtwin_bound_refusals_total{bound}`) and, for observations, shows in the device twin's
 * `observationState` (status `failed`, the reason, `retryAt`) and is retried with back-off.
 */
import { Gauge } from 'prom-client';
import type { LwTwinConfig } from './config.ts';
import type { Metrics } from './metrics.ts';

export interface NodeBounds {
  /** Devices the node is sized for. */
  readonly maxDevices: number;
  /**
   * Observations the CoAP endpoint holds (per transport, coap and coaps): one per observed object per device, plus one
   * per device for observations asked for through the API or resource-level fallbacks:
   * `maxDevices × (observed objects + 1)`.
   */
  readonly maxObservations: number;
  /**
   * Requests to devices in flight at once. It does not grow with the fleet: exchanges are started by observation
   * set-up (`--observe-setup-concurrency` devices at a time), jobs and API callers, never one per device.
   */
  readonly maxInFlight: number;
  /** Twins kept in the shallow-read cache: `--cache-size`, by default `maxDevices`. */
  readonly twinCacheEntries: number;
  /** Registrations kept in memory for addressing devices without a Redis read: `maxDevices`. */
  readonly registrationCacheEntries: number;
}

/** Exchanges in flight per CoAP endpoint (see `NodeBounds.maxInFlight`). */
const MAX_IN_FLIGHT = 50_000;

export function nodeBounds(config: Pick<LwTwinConfig, 'maxDevices' | 'observeObjects' | 'cacheSize'>): NodeBounds {
  return Object.freeze({
    maxDevices: config.maxDevices,
    maxObservations: config.maxDevices * (config.observeObjects.length + 1),
    maxInFlight: MAX_IN_FLIGHT,
    twinCacheEntries: config.cacheSize,
    registrationCacheEntries: config.maxDevices,
  });
}

/** One bound's current use. */
export interface BoundUse {
  bound: string;
  used: number;
  max: number;
}

/** Exports `read()`'s bounds as `lwtwin_bound_used` and `lwtwin_bound_max` at every scrape. */
export function watchBounds(metrics: Metrics, read: () => readonly BoundUse[]): void {
  const gauge = (name: string, help: string, pick: (b: BoundUse) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['bound'] as const,
      registers: [metrics.registry],
      collect() {
        for (const b of read()) this.set({ bound: b.bound }, pick(b));
      },
    });
  gauge('lwtwin_bound_used', 'Use of each bound on per-device state of this process (against lwtwin_bound_max)', (b) => b.used);
  gauge('lwtwin_bound_max', 'Size of each bound on per-device state of this process, from --max-devices (server/node-bounds.ts)', (b) => b.max);
}
