import type { ResourceType } from '../protocol/lwm2m/model.ts';
import type { NotificationAttributes, TwinPatchSpec } from './device-gateway.ts';

/** The job types (Azure IoT Hub jobs doc; docs/twin-model.md): deep read/write, execute (reboot, factory reset ...), firmware update, twin update, observe and write-attributes. */
export const JOB_TYPES = ['deepRead', 'deepWrite', 'execute', 'firmwareUpdate', 'twinUpdate', 'observe', 'writeAttributes'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/**
 * The devices a job runs on: exactly one of `deviceId` (a single-device job), `deviceIds` or `query` (a fleet job:
 * one parent and one child per device; Azure IoT Hub jobs doc: `queryCondition`; the 2016 preview: `deviceIds`).
 */
export interface JobTargetSpec {
  deviceId?: string;
  deviceIds?: string[];
  /** A WHERE condition of the twin query language (Azure IoT Hub query language doc), without the `WHERE` keyword. */
  query?: string;
}

/** Lifecycle options shared by every job type. */
export interface JobOptionsSpec {
  /** Client-chosen id (letters, digits, `_`, `.`, `-`; at most 128). Submitting the same id twice runs the job once. */
  jobId?: string;
  /** ISO 8601 time to start at (Azure IoT Hub jobs doc, `startTime`); absent = now. A time in the past is refused. */
  startTime?: string;
  /**
   * Seconds from the start time after which unfinished devices fail with `TIMEOUT` (Azure IoT Hub jobs doc
   * `maxExecutionTimeInSeconds`). @defaultValue 300 for a single device, 3600 for a fleet
   */
  maxExecutionTimeSec?: number;
  /** Attempts per device for retryable failures (timeouts, sleeping devices). @defaultValue 3 */
  attempts?: number;
}

export interface DeepReadSpec {
  type: 'deepRead';
  /** Twin property name (`device.batteryLevel`) or LwM2M path (`/3/0/9`) (docs/twin-model.md). */
  property: string;
}
export interface DeepWriteSpec {
  type: 'deepWrite';
  property: string;
  /**
   * JSON value fitting the resource type: integer/float numbers, boolean, string, time (ISO 8601 string or epoch
   * seconds), objlnk `"O:I"`, opaque (base64). A multi-instance resource takes `{ "<instance id>": value }`.
   */
  value: unknown;
}
export interface ExecuteSpec {
  type: 'execute';
  /** An executable resource: `device.reboot` (/3/0/4), `device.factoryReset` (/3/0/5) ... */
  property: string;
  /** Execute arguments (OMA TS Core 1.1 §6.3 Device Management), e.g. `0,1='coap://x'`. */
  args?: string;
}
export interface FirmwareUpdateSpec {
  type: 'firmwareUpdate';
  /** Pull: the URI the device downloads from, written to Package URI /5/0/1 (at most 255 characters). */
  packageUri?: string;
  /** Push: a local file path or an http(s) URL whose bytes are written to Package /5/0/0. */
  packageSource?: string;
}
export interface TwinUpdateSpec {
  type: 'twinUpdate';
  patch: TwinPatchSpec;
}
export interface ObserveSpec {
  type: 'observe';
  property: string;
  /** True cancels the observation instead of starting it. @defaultValue false */
  cancel?: boolean;
}
export interface WriteAttributesSpec {
  type: 'writeAttributes';
  property: string;
  attributes: NotificationAttributes;
}

/** What a caller submits. */
export type JobSpec = JobTargetSpec &
  JobOptionsSpec &
  (DeepReadSpec | DeepWriteSpec | ExecuteSpec | FirmwareUpdateSpec | TwinUpdateSpec | ObserveSpec | WriteAttributesSpec);

/** The checked, JSON-safe instructions stored with a job and given to its processor. */
export type JobPayload =
  | { type: 'deepRead'; path: string; propertyName: string }
  | { type: 'deepWrite'; path: string; propertyName: string; value: unknown; resourceType: ResourceType; multiple: boolean }
  | { type: 'execute'; path: string; propertyName: string; args?: string }
  | { type: 'firmwareUpdate'; method: 'pull'; packageUri: string }
  | { type: 'firmwareUpdate'; method: 'push'; packageSource: string }
  | { type: 'twinUpdate'; patch: TwinPatchSpec }
  | { type: 'observe'; path: string; propertyName: string; cancel: boolean }
  | { type: 'writeAttributes'; path: string; propertyName: string; attributes: NotificationAttributes };

/** The target as stored with a job (for display; the devices themselves are listed in the job's results). */
export type JobTarget = { kind: 'device'; deviceId: string } | { kind: 'devices' } | { kind: 'query'; query: string };

export function isJobType(value: unknown): value is JobType {
  return typeof value === 'string' && (JOB_TYPES as readonly string[]).includes(value);
}
