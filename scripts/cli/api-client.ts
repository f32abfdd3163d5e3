/** A small client of the lwtwin HTTP API used by the CLI and the demo. Errors carry the server's message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
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
      });
    } catch (e) {
      throw new ApiError(0, `cannot reach the lwtwin API at ${this.baseUrl} (${(e as Error).cause ? String((e as any).cause.code ?? (e as any).cause) : (e as Error).message}); is the server running?`);
    }
    const text = await res.text();
    let parsed: any = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const msg = parsed && typeof parsed === 'object' && parsed.message ? parsed.message : `${res.status} ${res.statusText}`;
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${msg}`, parsed);
    }
    return parsed as T;
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

  /** Server-sent events as an async iterator of parsed `data:` payloads. */
  async *events(path: string, signal?: AbortSignal): AsyncGenerator<{ event: string; data: any }> {
    const res = await fetch(this.baseUrl + path, { headers: this.token ? { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' } : { accept: 'text/event-stream' }, signal });
    if (!res.ok || !res.body) throw new ApiError(res.status, `GET ${path}: ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let idx;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trim());
        }
        if (data.length) {
          let parsed: any = data.join('\n');
          try {
            parsed = JSON.parse(parsed);
          } catch {
            /* keep text */
          }
          yield { event, data: parsed };
        }
      }
    }
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
