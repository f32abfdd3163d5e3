/**
 * The server layer's one error type. `code` is stable and machine-readable; `message` says what was wrong in words a
 * caller can act on. The HTTP edge answers with `httpStatus`, the CoAP edge with `coapCode` (RFC 7252 §5.9, §12.1.2)
 * when the error can be an answer to a device; `details` carries structured context (never secrets).
 */
export type ServerErrorCode =
  | 'BAD_REQUEST' // malformed or invalid input
  | 'NOT_FOUND' // no such registration, device, resource ...
  | 'PRECONDITION_FAILED' // a precondition of the request does not hold
  | 'UNSUPPORTED_VERSION' // LwM2M enabler version not supported (Register → 4.12, OMA TS Core 1.1 §6.2 Client Registration)
  | 'FORBIDDEN' // not allowed (e.g. endpoint name refused → 4.03)
  | 'CONFLICT' // the current state does not allow the change
  | 'TIMEOUT' // the device or a dependency did not answer in time
  | 'DEVICE_ERROR' // the device answered with an error code
  | 'DEVICE_ASLEEP' // queue-mode device not reachable now (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation")
  | 'OVERLOADED' // a bound was reached; retry later
  | 'RATE_LIMITED' // the per-address bound on requests to devices was reached; retry after details.retryAfterMs
  | 'INTERNAL'; // a bug or an unexpected failure

interface CodeDefaults {
  readonly httpStatus: number;
  readonly coapCode?: string;
}

/** Default HTTP status and CoAP response code of each error code (RFC 7252 §12.1.2 for the CoAP codes). */
const DEFAULTS: Readonly<Record<ServerErrorCode, CodeDefaults>> = Object.freeze({
  BAD_REQUEST: { httpStatus: 400, coapCode: '4.00' },
  NOT_FOUND: { httpStatus: 404, coapCode: '4.04' },
  PRECONDITION_FAILED: { httpStatus: 412, coapCode: '4.12' },
  UNSUPPORTED_VERSION: { httpStatus: 400, coapCode: '4.12' },
  FORBIDDEN: { httpStatus: 403, coapCode: '4.03' },
  CONFLICT: { httpStatus: 409 },
  TIMEOUT: { httpStatus: 504 },
  DEVICE_ERROR: { httpStatus: 502 },
  DEVICE_ASLEEP: { httpStatus: 409 },
  OVERLOADED: { httpStatus: 503, coapCode: '5.03' },
  RATE_LIMITED: { httpStatus: 503, coapCode: '5.03' },
  INTERNAL: { httpStatus: 500, coapCode: '5.00' },
});

export interface ServerErrorOptions {
  /** Structured context for the caller (e.g. `{ param: 'lt' }`); must be JSON-serialisable. */
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the code's default HTTP status. */
  httpStatus?: number;
  /** Overrides the code's default CoAP response code. */
  coapCode?: string;
}

export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly httpStatus: number;
  readonly coapCode?: string;
  readonly details?: Record<string, unknown>;

  constructor(
    readonly code: ServerErrorCode,
    message: string,
    options: ServerErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const defaults = DEFAULTS[code];
    this.httpStatus = options.httpStatus ?? defaults.httpStatus;
    const coapCode = options.coapCode ?? defaults.coapCode;
    if (coapCode !== undefined) this.coapCode = coapCode;
    if (options.details !== undefined) this.details = options.details;
  }

  static badRequest(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('BAD_REQUEST', message, { details });
  }
  static notFound(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('NOT_FOUND', message, { details });
  }
  static preconditionFailed(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('PRECONDITION_FAILED', message, { details });
  }
  static unsupportedVersion(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('UNSUPPORTED_VERSION', message, { details });
  }
  static forbidden(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('FORBIDDEN', message, { details });
  }
  static conflict(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('CONFLICT', message, { details });
  }
  static timeout(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('TIMEOUT', message, { details });
  }
  static deviceError(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('DEVICE_ERROR', message, { details });
  }
  static deviceAsleep(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('DEVICE_ASLEEP', message, { details });
  }
  static overloaded(message: string, details?: Record<string, unknown>): ServerError {
    return new ServerError('OVERLOADED', message, { details });
  }
  static internal(message: string, cause?: unknown): ServerError {
    return new ServerError('INTERNAL', message, { cause });
  }
}

export function isServerError(err: unknown, code?: ServerErrorCode): err is ServerError {
  return err instanceof ServerError && (code === undefined || err.code === code);
}
