import type { ClientHooks, RetryOptions } from '../../client/client-options.ts';
import type { LwM2mVersion } from '../../client/content-formats.ts';
import { LwM2mClient } from '../../client/lwm2m-client.ts';
import type { NotifyConfirmable } from '../../client/notifier.ts';
import type { Peer, TransmissionParameters } from '../../protocol/coap/types.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import { ConnectivityObject } from './objects/connectivity-object.ts';
import { DeviceObject, type DeviceControl } from './objects/device-object.ts';
import { FirmwareObject } from './objects/firmware-object.ts';
import { LocationObject } from './objects/location-object.ts';
import { ServerObject } from './objects/server-object.ts';
import { TemperatureObject } from './objects/temperature-object.ts';
import type { DtlsClientCredentials } from '../../protocol/dtls/client-handshaker.ts';
import { Prng } from './prng.ts';

export interface SimulatedDeviceOptions {
  /** Endpoint client name. */
  /** coaps credentials (see simulator-psk.ts); plain CoAP when absent. */
  dtls?: DtlsClientCredentials;
  name: string;
  /** Seed of this device's PRNG: the same seed gives the same identity and value sequence. */
  seed: number;
  server: Peer;
  /** Bootstrap server: the device starts with only this address (then `server` is ignored). @defaultValue none */
  bootstrap?: Peer;
  /** Bootstrap over coaps with these credentials (the factory bootstrap PSK). @defaultValue plain CoAP */
  bootstrapDtls?: DtlsClientCredentials;
  /** Registration lifetime, s. @defaultValue 300 */
  lifetime?: number;
  /** @defaultValue '1.1' */
  version?: LwM2mVersion;
  /** @defaultValue false */
  queueMode?: boolean;
  /** Queue mode awake window, ms. @defaultValue 93000 */
  awakeMs?: number;
  /** Queue mode: wake this long after falling asleep, ms (0 = only for the lifetime Update). @defaultValue 0 */
  wakeIntervalMs?: number;
  /** Firmware updates of this device fail with this result code (e.g. 8). @defaultValue undefined (they succeed) */
  failFwResult?: number;
  /** Silence after Execute /3/0/4 before registering again, ms. @defaultValue 2000 */
  rebootDelayMs?: number;
  /** Physics steps of a firmware download / update. @defaultValue 2 / 2 */
  downloadSteps?: number;
  updateSteps?: number;
  /** Default pmin / pmax of the Server object (/1/0/2, /1/0/3), s. @defaultValue absent */
  defaultPmin?: number;
  defaultPmax?: number;
  /** Number of temperature sensor instances (/3303/i). @defaultValue 1 */
  temperatureSensors?: number;
  model?: ModelLookup;
  hooks?: ClientHooks;
  bindAddress?: string;
  coapParams?: Partial<TransmissionParameters>;
  requestTimeoutMs?: number;
  retry?: RetryOptions;
  notifyConfirmable?: NotifyConfirmable;
}

/**
 * One simulated device: an `LwM2mClient` exposing objects 1, 3, 4, 5, 6 and 3303 whose values come from a seeded
 * PRNG and advance with `step()` (the shared physics tick). Two devices with the same seed produce the same values.
 */
export class SimulatedDevice implements DeviceControl {
  readonly client: LwM2mClient;
  readonly server: ServerObject;
  readonly device: DeviceObject;
  readonly connectivity: ConnectivityObject;
  readonly firmware: FirmwareObject;
  readonly location: LocationObject;
  readonly temperatures: TemperatureObject[];
  private readonly prng: Prng;
  private readonly rebootDelayMs: number;

  constructor(opts: SimulatedDeviceOptions) {
    this.prng = new Prng(opts.seed);
    this.rebootDelayMs = opts.rebootDelayMs ?? 2000;
    const version = opts.version ?? '1.1';
    const queueMode = opts.queueMode ?? false;
    const binding = version === '1.0' && queueMode ? 'UQ' : 'U';
    this.server = new ServerObject(0, { shortServerId: 1, lifetime: opts.lifetime ?? 300, defaultPmin: opts.defaultPmin, defaultPmax: opts.defaultPmax, binding });
    this.device = new DeviceObject(this.prng, this, 'UQ');
    this.connectivity = new ConnectivityObject(this.prng);
    this.location = new LocationObject(this.prng);
    this.temperatures = [];
    for (let i = 0; i < (opts.temperatureSensors ?? 1); i++) this.temperatures.push(new TemperatureObject(i, this.prng));
    this.firmware = new FirmwareObject({
      downloadSteps: opts.downloadSteps,
      updateSteps: opts.updateSteps,
      failResult: opts.failFwResult,
      onUpdated: (v) => this.device.setFirmwareVersion(v),
      currentVersion: () => this.device.firmwareVersion,
    });
    this.client = new LwM2mClient({
      endpointName: opts.name,
      ...(opts.bootstrap ? { bootstrap: { server: opts.bootstrap, ...(opts.bootstrapDtls ? { dtls: opts.bootstrapDtls } : {}) } } : { server: opts.server }),
      lifetime: opts.lifetime ?? 300,
      version,
      queueMode,
      binding: 'U',
      instances: [this.server, this.device, this.connectivity, this.firmware, this.location, ...this.temperatures],
      ...(opts.awakeMs !== undefined ? { awakeMs: opts.awakeMs } : {}),
      ...(opts.wakeIntervalMs !== undefined ? { wakeIntervalMs: opts.wakeIntervalMs } : {}),
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
      ...(opts.bindAddress ? { bindAddress: opts.bindAddress } : {}),
      ...(opts.coapParams ? { coapParams: opts.coapParams } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
      ...(opts.dtls ? { dtls: opts.dtls } : {}),
      ...(opts.notifyConfirmable !== undefined ? { notifyConfirmable: opts.notifyConfirmable } : {}),
    });
  }

  get name(): string {
    return this.client.endpointName;
  }

  start(): Promise<void> {
    return this.client.start();
  }

  stop(): Promise<void> {
    return this.client.stop();
  }

  /** One physics step; consumes the PRNG in a fixed order so equal seeds stay equal. */
  step(): void {
    this.device.step(this.prng);
    this.connectivity.step(this.prng);
    this.location.step(this.prng);
    for (const t of this.temperatures) t.step(this.prng);
    this.firmware.step();
  }

  /** Execute /3/0/4: silent for `rebootDelayMs`, then a fresh Register. */
  reboot(): void {
    this.client.restart(this.rebootDelayMs);
  }

  /** Execute /3/0/5: writable resources back to their defaults. */
  factoryReset(): void {
    this.server.reset();
    this.device.reset();
    for (const t of this.temperatures) t.reset();
    if (this.firmware.status[0] !== 3) this.firmware.reset();
  }
}
