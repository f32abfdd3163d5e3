/**
 * The CLI's client of the lwtwin HTTP API: the shared typed client (api/lwtwin-api.ts, typed from the OpenAPI
 * document) plus untyped helpers that tests use to send requests the contract does not allow. Errors carry the
 * server's message.
 */
import { ApiError, LwTwinApi } from '../../api/lwtwin-api.ts';

export { ApiError };

export class ApiClient extends LwTwinApi {
  /** Untyped request (tests): any method and path, JSON body, parsed answer. */
  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return (await this.send(method, path, body, headers)).body as T;
  }

  get<T = any>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  put<T = any>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('PATCH', path, body, headers);
  }
  delete<T = any>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

/** A value typed on the command line: JSON when it parses (`42`, `true`, `null`, `"x"`), else the text itself. */
export function parseCliValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `a.b=c` pairs to a nested patch object; values parse as JSON when they can (`42`, `true`, `null`), else stay strings. */
export function pairsToObject(pairs: string[]): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ApiError(0, `expected key=value, got ${JSON.stringify(pair)}`);
    const keys = pair.slice(0, eq).split('.');
    const value = parseCliValue(pair.slice(eq + 1));
    let node = out;
    keys.slice(0, -1).forEach((k) => (node = node[k] ??= {}));
    node[keys[keys.length - 1]] = value;
  }
  return out;
}
