/**
 * The object-model layer's one error type. `code` is stable and machine-readable; `message` names what was wrong
 * (for DDF problems: the file and the element). Edges map `UNKNOWN_PROPERTY` to 404 and `INVALID_PROPERTY` to 400.
 */
export type ObjectModelErrorCode =
  | 'DDF_INVALID' // a DDF file that is not XML or does not follow the OMA LwM2M DDF schema (LWM2M.xsd)
  | 'DDF_READ' // a DDF file or directory that cannot be read
  | 'UNKNOWN_PROPERTY' // a twin property name or path with a segment that maps to no object or resource (docs/twin-model.md)
  | 'INVALID_PROPERTY'; // a property name or path that is malformed (empty segment, id out of 0..65535, too deep)

export class ObjectModelError extends Error {
  override readonly name = 'ObjectModelError';
  /** The DDF file the error is about, when there is one. */
  readonly file?: string;

  constructor(
    readonly code: ObjectModelErrorCode,
    message: string,
    options?: { cause?: unknown; file?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.file !== undefined) this.file = options.file;
  }
}

export function isObjectModelError(err: unknown, code?: ObjectModelErrorCode): err is ObjectModelError {
  return err instanceof ObjectModelError && (code === undefined || err.code === code);
}
