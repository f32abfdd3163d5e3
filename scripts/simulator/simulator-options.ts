import type { RetryOptions } from '../../client/client-options.ts';
import type { Peer, TransmissionParameters } from '../../protocol/coap/types.ts';

/** Options of a simulator run (`startSimulator`, `startSimulatorProcesses`). Plain data, so workers get it over IPC. */
export interface SimulatorOptions {
  /** Number of devices. */
  count: number;
  /** The LwM2M server (with `bootstrap`: only picks the devices' bind addresses). */
  server: Peer;
  /**
   * A bootstrap server: devices start with only its address and learn their LwM2M server from it (OMA TS Core 1.1
   * §6.1); they fall back to it when registration keeps failing. @defaultValue none
   */
  bootstrap?: Peer;
  /**
   * Bootstrap over coaps with a bootstrap PSK per device derived from this hex secret (see simulator-psk.ts);
   * `bootstrap` is then the coaps address and every device's bootstrap key must be provisioned on the server
   * (`PUT /api/devices/{ep}/security?server=bootstrap`). @defaultValue plain CoAP
   */
  bootstrapPskSecret?: string;
  /**
   * Connect over coaps with a PSK per device derived from this hex secret (see simulator-psk.ts); `server` is then the
   * coaps address and every device's key must be provisioned on the server. @defaultValue plain CoAP
   */
  pskSecret?: string;
  /**
   * Connect over coaps with a raw public key (RFC 7250, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) per device, its P-256 pair
   * derived from this hex secret (see simulator-rpk.ts); every device's public key must be provisioned on the server.
   * @defaultValue plain CoAP
   */
  rpkSecret?: string;
  /** With `rpkSecret`: the server's SubjectPublicKeyInfo (DER, base64) the devices pin. @defaultValue any server key */
  serverPublicKey?: string;
  /** Endpoint names are `${prefix}${index}`. @defaultValue 'sim-' */
  prefix?: string;
  /** Run seed; each device's seed is derived from it and the device index. @defaultValue 1 */
  seed?: number;
  /** Index of the first device (workers get disjoint ranges). @defaultValue 0 */
  firstIndex?: number;
  /** Share of devices (0..1) in queue mode, chosen from the seed. @defaultValue 0 */
  queueModeShare?: number;
  /** Share of devices (0..1) registering as LwM2M 1.0. @defaultValue 0 */
  v10Share?: number;
  /** Share of devices (0..1) whose firmware update fails. @defaultValue 0 */
  failFwShare?: number;
  /** Update Result of a failing firmware update. @defaultValue 8 */
  failFwResult?: number;
  /** Physics tick, ms. @defaultValue 10000 */
  tickMs?: number;
  /** Registration lifetime, s. @defaultValue 300 */
  lifetime?: number;
  /** Registrations in flight at once while ramping up (over all workers of a multi-process run). @defaultValue 500 */
  concurrency?: number;
  /** Queue mode awake window, ms. @defaultValue 93000 */
  awakeMs?: number;
  /** Queue mode: wake (with an Update) this long after falling asleep, ms; 0 = only for the lifetime Update. @defaultValue 0 */
  wakeIntervalMs?: number;
  /** Silence after a reboot, ms. @defaultValue 2000 */
  rebootDelayMs?: number;
  /** Default pmin / pmax of each device's Server object, s. @defaultValue absent */
  defaultPmin?: number;
  defaultPmax?: number;
  /**
   * Address devices bind their sockets to. A host has only ~28,000 ephemeral UDP ports per address, so by default a
   * run against a loopback server spreads devices over 127.0.0.1, 127.0.0.2, … (`devicesPerAddress` each, by device
   * index); against another server devices bind to 0.0.0.0. @defaultValue see above
   */
  bindAddress?: string;
  /**
   * Devices per loopback source address when `bindAddress` is not set; at most the server's Register burst per
   * address (`--register-burst`, 300), so that a whole run registering at once is not throttled. @defaultValue 250
   */
  devicesPerAddress?: number;
  coapParams?: Partial<TransmissionParameters>;
  /** Deadline of each Register/Update exchange, ms. @defaultValue the endpoint's */
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  /** How often `onProgress` is called, ms. @defaultValue 1000 */
  progressIntervalMs?: number;
  onProgress?: (stats: SimulatorStats) => void;
}

/** Counters of a run (summed over workers for a multi-process run). */
export interface SimulatorStats {
  /** Devices created so far. */
  devices: number;
  /** Devices registered now. */
  registered: number;
  /** Devices registering now (first Register, retrying, or after a reboot). */
  registering: number;
  /** Devices whose Register retries are exhausted. */
  failed: number;
  /** Successful Registers (re-registrations included). */
  registrations: number;
  /** Successful Updates. */
  updates: number;
  notificationsSent: number;
  requestsServed: number;
  /** Failed Register/Update attempts (timeouts, error codes). */
  errors: number;
  /** Devices asleep (queue mode) now. */
  sleeping: number;
}

export function emptyStats(): SimulatorStats {
  return { devices: 0, registered: 0, registering: 0, failed: 0, registrations: 0, updates: 0, notificationsSent: 0, requestsServed: 0, errors: 0, sleeping: 0 };
}

export function addStats(into: SimulatorStats, s: SimulatorStats): SimulatorStats {
  for (const k of Object.keys(into) as (keyof SimulatorStats)[]) into[k] += s[k];
  return into;
}

/** A running simulation. */
export interface SimulatorHandle {
  /** Resolves when every device has registered or given up (the ramp is over). */
  readonly ready: Promise<void>;
  stats(): SimulatorStats;
  /** De-registers every device and releases the sockets (and workers). */
  stop(): Promise<void>;
}

/** Devices per worker process: each device holds one UDP socket and the fd limit is 20,000 per process. */
export const MAX_DEVICES_PER_PROCESS = 15_000;

/** Devices per loopback source address by default (see `SimulatorOptions.devicesPerAddress`). */
export const DEFAULT_DEVICES_PER_ADDRESS = 250;
