import type { NotificationAttributes } from '../protocol/lwm2m/attributes.ts';
import type { LwM2mLeaf, LwM2mNode, LwM2mValue } from '../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';

/**
 * How long one device operation may take. The server's gateway implementation honours both.
 */
export interface DeviceOperationOptions {
  /**
   * Queue mode (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"): how long to keep the request buffered until the device wakes up. Job processors pass the
   * time left until the job's deadline for a queue-mode device, 0 otherwise (0 = fail at once with `DEVICE_ASLEEP`
   * when the device is asleep).
   */
  waitForWakeUpMs: number;
  /** Upper bound for the CoAP exchange once sent; the gateway's own default when absent. */
  timeoutMs?: number;
}

/** Notification attributes (OMA TS Core 1.1 §5.1.2), defined in protocol/. */
export type { NotificationAttributes };

/**
 * What job processors need from the server process that holds device sockets. Implemented by the server over its
 * LwM2mServer and registration store. Errors are duck-typed on `code` (`'TIMEOUT'`, `'DEVICE_ASLEEP'`,
 * `'DEVICE_ERROR'` with `coapCode` such as `'4.04'`, `'NOT_FOUND'`, `'OVERLOADED'` ...) and optional `coapCode`
 * (also accepted in `details.coapCode`).
 */
export interface DeviceGateway {
  /** This process's id; its device queue is `device-jobs-<serverId>`. */
  readonly serverId: string;
  /** serverId of the process holding the device's socket; undefined = not registered. */
  ownerOf(ep: string): Promise<string | undefined>;
  /** True when the device registered in queue mode (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"). */
  isQueueMode(ep: string): Promise<boolean>;
  /** Read (OMA TS Core 1.1 §6.3 Device Management): the leaves under `path`. */
  read(ep: string, path: LwM2mPath, opts: DeviceOperationOptions): Promise<LwM2mLeaf[]>;
  /** Write, replace (OMA TS Core 1.1 §6.3 Device Management). A resource path takes a value or a resource node; block-wise is the gateway's job. */
  write(ep: string, path: LwM2mPath, value: LwM2mValue | LwM2mNode, opts: DeviceOperationOptions): Promise<void>;
  /** Execute (OMA TS Core 1.1 §6.3 Device Management) with optional text arguments. */
  execute(ep: string, path: LwM2mPath, args: string | undefined, opts: DeviceOperationOptions): Promise<void>;
  /** Write-Attributes (OMA TS Core 1.1 §6.4 Information Reporting). */
  writeAttributes(ep: string, path: LwM2mPath, attrs: NotificationAttributes, opts: DeviceOperationOptions): Promise<void>;
  /** Starts (or keeps) an observation of `path` (OMA TS Core 1.1 §6.4 Information Reporting); notifications update the twin as source `notify`. */
  observe(ep: string, path: LwM2mPath, opts: DeviceOperationOptions): Promise<void>;
  /** Cancels the observation of `path`. */
  cancelObservation(ep: string, path: LwM2mPath): Promise<void>;
  /**
   * Resolves with the first notification or read value of `path` that satisfies `predicate`, or rejects (code
   * `TIMEOUT`) after `timeoutMs`. An aborted `signal` stops the wait early (the promise then rejects).
   */
  waitForValue(ep: string, path: LwM2mPath, predicate: (v: unknown) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<unknown>;
}

/** A back-end patch of one twin (Azure IoT Hub device twins doc): tags and/or desired properties; `null` deletes a key. */
export interface TwinPatchSpec {
  tags?: Record<string, unknown>;
  properties?: { desired?: Record<string, unknown> };
}

/** What job processors need from the twin store. Implemented by the server. */
export interface TwinGateway {
  /** Updates ONLY these reported properties, with source `read` (docs/twin-model.md, deep reads). */
  applyRead(ep: string, leaves: LwM2mLeaf[], timestamp: number): Promise<void>;
  /** Applies a tags / desired patch (Azure IoT Hub device twins doc). */
  patch(ep: string, patch: TwinPatchSpec): Promise<void>;
  /** Device ids matching a WHERE condition of the twin query language; throws a 400-type error for malformed queries. */
  resolveQuery(where: string): Promise<string[]>;
  /** True when a twin exists for the device. */
  exists(ep: string): Promise<boolean>;
}
