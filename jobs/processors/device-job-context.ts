import type { PropertyNames } from '../../objects/property-names.ts';
import type { DeviceGateway, DeviceOperationOptions, TwinGateway } from '../device-gateway.ts';
import type { JobPayload } from '../job-spec.ts';
import type { FirmwareStage } from '../job-view.ts';
import type { PackageLoader } from '../runtime/package-loader.ts';

/** What a processor gets for one attempt on one device. */
export interface DeviceJobContext {
  readonly jobId: string;
  readonly deviceId: string;
  readonly gateway: DeviceGateway;
  readonly twin: TwinGateway;
  readonly names: PropertyNames;
  readonly packages: PackageLoader;
  /** ms since the epoch after which the job fails with TIMEOUT. */
  readonly deadline: number;
  /** Aborted at the deadline. */
  readonly signal: AbortSignal;
  /** How often a processor waiting for a device state also reads it (notifications may be throttled by pmin). */
  readonly pollIntervalMs: number;
  /** ms left until the deadline (≥ 0). */
  remainingMs(): number;
  /**
   * Options for one device operation: a queue-mode device gets `waitForWakeUpMs` = the time left until the job's
   * deadline so that the request waits for the device to wake up (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"); others get 0. `timeoutMs` is the time
   * left as well.
   */
  operationOptions(): Promise<DeviceOperationOptions>;
  /** Reports a firmware stage as progress (`percent` of the whole update). */
  reportStage(stage: FirmwareStage, percent: number): Promise<void>;
}

/** One job type's work on one device; resolves with the JSON value for the device's result (if any). */
export type DeviceJobProcessor<P extends JobPayload = JobPayload> = (ctx: DeviceJobContext, payload: P) => Promise<unknown>;
