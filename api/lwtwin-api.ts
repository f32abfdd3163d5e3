/**
 * The one typed client of the lwtwin HTTP API, shared by the CLI (Node) and the console (browser): paths, parameters,
 * bodies and answers are typed by api/openapi-types.ts, generated from the server's OpenAPI document. Uses only
 * `fetch`, so it runs in both. Errors are `ApiError` carrying the API's `{statusCode, code, error, message}`.
 */
import type { components, paths } from './openapi-types.ts';

export type Schemas = components['schemas'];
export type ErrorBody = Schemas['ErrorBody'];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The paths that have an operation for `M`. */
export type PathsWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
type Operation<P extends keyof paths, M extends Method> = paths[P][M];
type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : R extends { content: { 'text/plain': infer T } } ? T : never;
/** The body of the operation's first 2xx answer. */
export type ResponseOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? (200 extends keyof R ? JsonOf<R[200]> : 202 extends keyof R ? JsonOf<R[202]> : never) : never;
type Parameters<P extends keyof paths, M extends Method> = Operation<P, M> extends { parameters: infer X } ? X : never;
/** The JSON request body of an operation, never when it takes none. */
export type RequestBodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: infer RB } ? ([Defined<RB>] extends [never] ? never : Defined<RB> extends { content: { 'application/json': infer B } } ? B : never) : never;

type Defined<T> = Exclude<T, undefined>;
/** Options of one call: `path` parameters, `query` string, JSON `body`, extra `headers`, each typed when the operation has it. */
export type CallOptions<P extends keyof paths, M extends Method> = ([Defined<Parameters<P, M>['path' & keyof Parameters<P, M>]>] extends [never]
  ? { path?: never }
  : { path: Defined<Parameters<P, M>['path' & keyof Parameters<P, M>]> }) &
  ([Defined<Parameters<P, M>['query' & keyof Parameters<P, M>]>] extends [never] ? { query?: never } : { query?: Defined<Parameters<P, M>['query' & keyof Parameters<P, M>]> }) &
  ([RequestBodyOf<P, M>] extends [never] ? { body?: never } : { body: RequestBodyOf<P, M> }) & { headers?: Record<string, string>; signal?: AbortSignal };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status, 0 when the server could not be reached. */
    readonly status: number,
    message: string,
    /** The API's error body, when it sent one. */
    readonly body?: ErrorBody | unknown,
  ) {
    super(message);
  }

  /** The API's stable error code (`PRECONDITION_FAILED` ...), when the answer had one. */
  get code(): string | undefined {
    const b = this.body as Partial<ErrorBody> | undefined;
    return b && typeof b === 'object' && typeof b.code === 'string' ? b.code : undefined;
  }
}

/** A parsed server-sent event of `/api/events`. */
export interface ApiEvent {
  event: string;
  data: any;
}

/** Fills `{name}` segments of a path template, URL-encoded. */
export function fillPath(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    if (params[name] === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(params[name]));
  });
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export class LwTwinApi {
  constructor(
    readonly baseUrl: string,
    protected readonly token?: string,
  ) {}

  /** One typed call: `api.call('get', '/api/devices/{ep}/twin', { path: { ep } })`. */
  async call<M extends Method, P extends PathsWith<M>>(method: M, path: P, ...[opts]: Partial<CallOptions<P, M>> extends CallOptions<P, M> ? [CallOptions<P, M>?] : [CallOptions<P, M>]): Promise<ResponseOf<P, M>> {
    const o = (opts ?? {}) as { path?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal };
    const url = fillPath(path, o.path) + queryString(o.query);
    const { body } = await this.send(method.toUpperCase(), url, o.body, o.headers, o.signal);
    return body as ResponseOf<P, M>;
  }

  /** Like `call`, and also returns the answer's headers (the twin's ETag ...). */
  async callWithHeaders<M extends Method, P extends PathsWith<M>>(method: M, path: P, opts: CallOptions<P, M>): Promise<{ body: ResponseOf<P, M>; headers: Headers }> {
    const o = opts as { path?: Record<string, string | number>; query?: Record<string, unknown>; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal };
    const r = await this.send(method.toUpperCase(), fillPath(path, o.path) + queryString(o.query), o.body, o.headers, o.signal);
    return { body: r.body as ResponseOf<P, M>, headers: r.headers };
  }

  /** The raw request under `call`: any path (URL-encoded by the caller), parsed JSON or text answer. */
  protected async send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<{ body: unknown; headers: Headers }> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      const cause = (e as { cause?: { code?: string } }).cause;
      throw new ApiError(0, `cannot reach the lwtwin API at ${this.baseUrl || 'this page'} (${cause ? String(cause.code ?? cause) : (e as Error).message}); is the server running?`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const msg = parsed && typeof parsed === 'object' && (parsed as ErrorBody).message ? (parsed as ErrorBody).message : `${res.status} ${res.statusText}`;
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${msg}`, parsed);
    }
    return { body: parsed, headers: res.headers };
  }

  /**
   * `GET /api/events` as an async iterator of parsed events (fetch streaming, so the bearer token goes in a header;
   * EventSource cannot send one). Ends when `signal` aborts or the server closes the stream.
   */
  async *events(query: { deviceId?: string; types?: string } = {}, signal?: AbortSignal): AsyncGenerator<ApiEvent> {
    const path = `/api/events${queryString(query)}`;
    const res = await fetch(this.baseUrl + path, { headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), accept: 'text/event-stream' }, signal });
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep text */
      }
      throw new ApiError(res.status, `GET ${path}: ${res.status} ${(parsed as ErrorBody)?.message ?? ''}`.trim(), parsed);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += decoder.decode(value, { stream: true });
        let idx;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const event = parseEventBlock(block);
          if (event) yield event;
        }
      }
    } finally {
      reader.releaseLock();
    }
  }
}

/** One `event:`/`data:` block of a text/event-stream (comments and empty blocks give undefined). */
export function parseEventBlock(block: string): ApiEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trim());
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) };
  } catch {
    return { event, data: text };
  }
}
