/**
 * The jobs layer's one error type (Azure IoT Hub jobs doc; docs/twin-model.md). `code` is stable and machine-readable; `message` says what was
 * wrong in words a caller can act on; the HTTP edge answers with `httpStatus`. Errors that a device or a gateway
 * raised while a job ran keep the gateway's own code in the job's per-device results; JobError is what `submit`,
 * `get`, `cancel` and the processors throw.
 */
export type JobErrorCode =
  | 'INVALID_JOB' // malformed job spec: unknown type, missing or extra field, wrong type, bad jobId or option
  | 'UNKNOWN_PROPERTY' // a property of a known object that maps to no resource of its model (docs/twin-model.md)
  | 'INVALID_PROPERTY' // a malformed property name or path (empty segment, id out of range, too deep)
  | 'SERVICE_PROPERTY' // a tag or a twin-only (service) property: no deep read or write (docs/twin-model.md)
  | 'NOT_READABLE' // deep read / observe of a resource whose model has no R operation
  | 'READ_ONLY' // deep write of a resource whose model allows R only
  | 'NOT_WRITABLE' // deep write of an executable resource, or of something that is not one resource
  | 'NOT_EXECUTABLE' // execute of a resource whose model has no E operation
  | 'BAD_VALUE' // a value or attribute that does not fit the resource type or the attribute rules
  | 'BAD_QUERY' // a malformed WHERE condition (Azure IoT Hub query language doc)
  | 'EMPTY_FLEET' // the target selects no device
  | 'START_TIME_IN_PAST' // startTime earlier than now
  | 'NOT_FOUND' // unknown device or job
  | 'JOB_FINISHED' // cancel of a job that already completed or failed
  | 'TIMEOUT' // the job could not finish within maxExecutionTimeSec
  | 'NOT_REGISTERED' // the device has no registration (no server holds its socket); retried with backoff
  | 'ROUTING_FAILED' // the device kept moving between servers; the child was forwarded too often
  | 'FIRMWARE_UPDATE_FAILED' // the device reported a firmware Update Result other than 1 (OMA registry object 5, /5/0/5)
  | 'PACKAGE_UNAVAILABLE' // a firmware package file or URL that cannot be read
  | 'WORKER_LOST' // the process running a device's job died more often than allowed (BullMQ stalled limit)
  | 'INTERNAL'; // a bug or an unexpected failure of a dependency

const HTTP_STATUS: Readonly<Record<JobErrorCode, number>> = Object.freeze({
  INVALID_JOB: 400,
  UNKNOWN_PROPERTY: 400,
  INVALID_PROPERTY: 400,
  SERVICE_PROPERTY: 400,
  NOT_READABLE: 400,
  READ_ONLY: 400,
  NOT_WRITABLE: 400,
  NOT_EXECUTABLE: 400,
  BAD_VALUE: 400,
  BAD_QUERY: 400,
  EMPTY_FLEET: 400,
  START_TIME_IN_PAST: 400,
  NOT_FOUND: 404,
  JOB_FINISHED: 409,
  TIMEOUT: 504,
  NOT_REGISTERED: 409,
  ROUTING_FAILED: 503,
  FIRMWARE_UPDATE_FAILED: 502,
  PACKAGE_UNAVAILABLE: 400,
  WORKER_LOST: 500,
  INTERNAL: 500,
});

export interface JobErrorOptions {
  /** Structured, JSON-serialisable context (e.g. `{ property: 'device.reboot' }`). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class JobError extends Error {
  override readonly name = 'JobError';
  readonly httpStatus: number;
  readonly details?: Record<string, unknown>;

  constructor(
    readonly code: JobErrorCode,
    message: string,
    options: JobErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.httpStatus = HTTP_STATUS[code];
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isJobError(err: unknown, code?: JobErrorCode): err is JobError {
  return err instanceof JobError && (code === undefined || err.code === code);
}
