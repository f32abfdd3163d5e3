import type { ClientHooks } from '../../client/client-options.ts';
import { ClientError } from '../../client/errors.ts';
import { ObjectRegistry } from '../../objects/object-registry.ts';
import { sharedTicker } from './physics-ticker.ts';
import { deviceSeed } from './prng.ts';
import { SimulatedDevice } from './simulated-device.ts';
import { simulatorDtls } from './simulator-rpk.ts';
import { DEFAULT_DEVICES_PER_ADDRESS, emptyStats, MAX_DEVICES_PER_PROCESS, type SimulatorHandle, type SimulatorOptions, type SimulatorStats } from './simulator-options.ts';

export type { SimulatorHandle, SimulatorOptions, SimulatorStats } from './simulator-options.ts';

/** An in-process run also exposes its devices. */
export interface LocalSimulatorHandle extends SimulatorHandle {
  devices(): readonly SimulatedDevice[];
}

/** A uniform number in [0, 1) from the run seed, the device index and a salt (independent of the device PRNG). */
function unit(seed: number, index: number, salt: number): number {
  return deviceSeed((seed ^ salt) >>> 0, index) / 4294967296;
}

/**
 * The local address of device `index`: the given one, else for a loopback server 127.0.0.(1 + index / perAddress)
 * (every 127/8 address is local on Linux), so 100,000 devices do not run out of ephemeral ports; else 0.0.0.0.
 */
export function bindAddressFor(options: SimulatorOptions, index: number): string {
  if (options.bindAddress) return options.bindAddress;
  if (options.server.address.includes(':')) return '::';
  if (!options.server.address.startsWith('127.')) return '0.0.0.0';
  const block = Math.floor(index / (options.devicesPerAddress ?? DEFAULT_DEVICES_PER_ADDRESS));
  return `127.0.${Math.floor(block / 254)}.${(block % 254) + 1}`;
}

function validate(o: SimulatorOptions): void {
  const bad = (why: string): never => {
    throw new ClientError('INVALID_OPTIONS', `simulator: ${why}`);
  };
  if (!Number.isInteger(o.count) || o.count < 0) bad(`count ${o.count} must be a non-negative integer`);
  if (o.count > MAX_DEVICES_PER_PROCESS) bad(`count ${o.count} exceeds ${MAX_DEVICES_PER_PROCESS} devices per process; use startSimulatorProcesses`);
  for (const k of ['queueModeShare', 'failFwShare', 'v10Share'] as const) {
    const v = o[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) bad(`${k} ${v} must be in 0..1`);
  }
  if (o.concurrency !== undefined && !(Number.isInteger(o.concurrency) && o.concurrency >= 1)) bad('concurrency must be a positive integer');
  if (o.tickMs !== undefined && !(o.tickMs >= 1)) bad('tickMs must be at least 1');
}

/**
 * Runs `count` simulated devices in this process, one UDP socket each, registering them with at most `concurrency`
 * Registers in flight. Devices of one run share one physics ticker and one client scheduler.
 */
export function startSimulator(options: SimulatorOptions): LocalSimulatorHandle {
  validate(options);
  const prefix = options.prefix ?? 'sim-';
  const seed = options.seed ?? 1;
  const first = options.firstIndex ?? 0;
  const ticker = sharedTicker(options.tickMs ?? 10_000);
  const devices: SimulatedDevice[] = [];
  const counters = emptyStats();
  let sleeping = 0;
  let stopping = false;

  const hooks: ClientHooks = {
    onRegistered: () => counters.registrations++,
    onUpdated: () => counters.updates++,
    onNotificationSent: () => counters.notificationsSent++,
    onRequest: () => counters.requestsServed++,
    onAttemptFailed: () => counters.errors++,
    onSleep: () => sleeping++,
    onWake: () => sleeping--,
  };

  const stats = (): SimulatorStats => {
    let registered = 0;
    let registering = 0;
    let failed = 0;
    for (const d of devices) {
      const s = d.client.state;
      if (s === 'registered') registered++;
      else if (s === 'failed') failed++;
      else if (s === 'registering' || s === 'rebooting' || s === 'bootstrapping') registering++;
    }
    return { ...counters, devices: devices.length, registered, registering, failed, sleeping: Math.max(0, sleeping) };
  };

  const progressTimer = options.onProgress
    ? setInterval(() => options.onProgress!(stats()), options.progressIntervalMs ?? 1000)
    : undefined;
  progressTimer?.unref();

  const ready = (async () => {
    const model = await ObjectRegistry.loadDefault();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (!stopping && next < options.count) {
        const i = first + next++;
        const device = new SimulatedDevice({
          name: `${prefix}${i}`,
          ...simulatorDtls(options, `${prefix}${i}`),
          seed: deviceSeed(seed, i),
          server: options.server,
          ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
          ...(options.bootstrapPskSecret !== undefined ? { bootstrapDtls: simulatorDtls({ pskSecret: options.bootstrapPskSecret }, `${prefix}${i}`).dtls! } : {}),
          lifetime: options.lifetime ?? 300,
          version: unit(seed, i, 0x1f2e3d4c) < (options.v10Share ?? 0) ? '1.0' : '1.1',
          queueMode: unit(seed, i, 0x51a7c0de) < (options.queueModeShare ?? 0),
          failFwResult: unit(seed, i, 0x0bad0f1e) < (options.failFwShare ?? 0) ? (options.failFwResult ?? 8) : undefined,
          model,
          hooks,
          ...(options.awakeMs !== undefined ? { awakeMs: options.awakeMs } : {}),
          ...(options.wakeIntervalMs !== undefined ? { wakeIntervalMs: options.wakeIntervalMs } : {}),
          ...(options.rebootDelayMs !== undefined ? { rebootDelayMs: options.rebootDelayMs } : {}),
          ...(options.defaultPmin !== undefined ? { defaultPmin: options.defaultPmin } : {}),
          ...(options.defaultPmax !== undefined ? { defaultPmax: options.defaultPmax } : {}),
          bindAddress: bindAddressFor(options, i),
          ...(options.coapParams ? { coapParams: options.coapParams } : {}),
          ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
          ...(options.retry ? { retry: options.retry } : {}),
        });
        devices.push(device);
        ticker.add(device);
        try {
          await device.start();
        } catch {
          // Register retries exhausted: counted in stats().failed. Anything else (e.g. no socket) is an error.
          if (device.client.state !== 'failed') counters.errors++;
        }
      }
    };
    const lanes = Math.min(options.concurrency ?? 500, Math.max(1, options.count));
    await Promise.all(Array.from({ length: lanes }, lane));
    options.onProgress?.(stats());
  })();

  return {
    ready,
    stats,
    devices: () => devices,
    async stop() {
      stopping = true;
      await ready.catch(() => undefined);
      if (progressTimer) clearInterval(progressTimer);
      let i = 0;
      const lane = async (): Promise<void> => {
        while (i < devices.length) {
          const d = devices[i++];
          ticker.remove(d);
          await d.stop().catch(() => undefined);
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 500, Math.max(1, devices.length)) }, lane));
    },
  };
}

/** Names the devices of a run would get (for tests and tools that address them). */
export function deviceName(options: Pick<SimulatorOptions, 'prefix'>, index: number): string {
  return `${options.prefix ?? 'sim-'}${index}`;
}
