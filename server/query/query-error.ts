/**
 * The query layer's one error type (Azure IoT Hub query language doc). `code` is stable and machine-readable; the HTTP edge maps every code
 * to 400. Errors about the query text carry `position` (0-based UTF-16 offset into the text) and the matching 1-based
 * `line` / `column`; errors about a continuation token or page size carry no position.
 */
export type QueryErrorCode =
  | 'QUERY_SYNTAX' // the text is not a valid query (bad token, missing clause, unknown field, wrong arity)
  | 'QUERY_UNSUPPORTED' // valid IoT Hub syntax this server does not implement (devices.jobs, unknown function, …)
  | 'QUERY_TOO_LONG' // longer than MAX_QUERY_LENGTH characters (Azure IoT Hub query language doc: 8192)
  | 'QUERY_BAD_CONTINUATION' // continuation token corrupted, forged, or issued for another query
  | 'QUERY_BAD_PAGE_SIZE'; // page size that is not a positive integer

const PREFIX: Record<QueryErrorCode, string> = {
  QUERY_SYNTAX: 'Syntax error',
  QUERY_UNSUPPORTED: 'Unsupported query',
  QUERY_TOO_LONG: 'Query too long',
  QUERY_BAD_CONTINUATION: 'Invalid continuation token',
  QUERY_BAD_PAGE_SIZE: 'Invalid page size',
};

export class QueryError extends Error {
  override readonly name = 'QueryError';
  /** 0-based offset of the offending character in the query text (absent for token / page-size errors). */
  readonly position?: number;
  /** 1-based line of `position` (lines end at `\n`). */
  readonly line?: number;
  /** 1-based column of `position`, counted in UTF-16 code units. */
  readonly column?: number;
  /** The message without its "Syntax error at position N: " prefix. */
  readonly detail: string;

  constructor(
    readonly code: QueryErrorCode,
    detail: string,
    at?: { text: string; position: number },
  ) {
    const position = at === undefined ? undefined : Math.max(0, Math.min(at.position, at.text.length));
    super(position === undefined ? `${PREFIX[code]}: ${detail}` : `${PREFIX[code]} at position ${position}: ${detail}`);
    this.detail = detail;
    if (at !== undefined && position !== undefined) {
      this.position = position;
      const before = at.text.slice(0, position);
      const lastBreak = before.lastIndexOf('\n');
      this.line = countLines(before);
      this.column = position - lastBreak;
    }
  }
}

function countLines(s: string): number {
  let n = 1;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** True when `err` is a QueryError (optionally with the given code). */
export function isQueryError(err: unknown, code?: QueryErrorCode): err is QueryError {
  return err instanceof QueryError && (code === undefined || err.code === code);
}
