import { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import type { CoapEndpointOptions } from '../../../protocol/coap/endpoint-options.ts';
import type { IncomingRequest, IncomingResponse, ObservationHandle, OutgoingRequest, OutgoingResponse, Peer } from '../../../protocol/coap/types.ts';
import { parseRegistrationLinks, type RegistrationLinks } from '../../../protocol/lwm2m/link-format.ts';

/** One registration event the test server saw. */
export interface RegistrationEvent {
  kind: 'register' | 'update' | 'deregister';
  ep: string;
  query: Map<string, string | true>;
  payload: string;
  links?: RegistrationLinks;
  peer: Peer;
  at: number;
}

export interface Registration {
  id: string;
  ep: string;
  peer: Peer;
  query: Map<string, string | true>;
  links: RegistrationLinks;
}

function parseQuery(items: readonly string[]): Map<string, string | true> {
  const m = new Map<string, string | true>();
  for (const q of items) {
    const eq = q.indexOf('=');
    m.set(eq < 0 ? q : q.slice(0, eq), eq < 0 ? true : q.slice(eq + 1));
  }
  return m;
}

/**
 * A minimal LwM2M server for client tests, built from `CoapEndpoint` only: accepts Register, Update and
 * De-register on /rd, records every event, and sends DM requests to a registered endpoint by name.
 */
export class TestServer {
  readonly events: RegistrationEvent[] = [];
  readonly byEp = new Map<string, Registration>();
  private readonly byId = new Map<string, Registration>();
  private waiters: Array<{ pred: (e: RegistrationEvent) => boolean; resolve: (e: RegistrationEvent) => void }> = [];
  private nextId = 1;
  /** When set, Updates are answered with this code instead of 2.04. */
  updateCode: OutgoingResponse['code'] | undefined;
  /** When set, Registers are answered with this code instead of 2.01. */
  registerCode: OutgoingResponse['code'] | undefined;
  /** Count events only, keep no list (large runs). */
  quiet = false;
  registerCount = 0;

  private constructor(readonly endpoint: CoapEndpoint) {
    endpoint.onRequest((req) => this.handle(req));
  }

  static async start(opts: CoapEndpointOptions = {}): Promise<TestServer> {
    return new TestServer(await CoapEndpoint.bind({ address: '127.0.0.1', port: 0, ...opts }));
  }

  get address(): Peer {
    return this.endpoint.localAddress;
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  /** Forgets a registration, so the device's next Update gets 4.04. */
  forget(ep: string): void {
    const r = this.byEp.get(ep);
    if (!r) return;
    this.byEp.delete(ep);
    this.byId.delete(r.id);
  }

  /** Resolves with the first event (already seen or future) matching `pred` after index `since`. */
  waitFor(pred: (e: RegistrationEvent) => boolean, timeoutMs = 5000, since = 0): Promise<RegistrationEvent> {
    const seen = this.events.slice(since).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (e: RegistrationEvent) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching registration event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Sends a request to a registered device. */
  request(ep: string, req: OutgoingRequest, timeoutMs = 3000): Promise<IncomingResponse> {
    const r = this.byEp.get(ep);
    if (!r) throw new Error(`${ep} is not registered`);
    return this.endpoint.request(r.peer, req, { timeoutMs });
  }

  /** GET on a path (`/3/0/9`) with an optional Accept. */
  read(ep: string, path: string, accept?: number): Promise<IncomingResponse> {
    return this.request(ep, { method: 'GET', uriPath: segs(path), ...(accept !== undefined ? { accept } : {}) });
  }

  observe(ep: string, req: OutgoingRequest, onNotify: (n: IncomingResponse) => void): Promise<ObservationHandle> {
    const r = this.byEp.get(ep);
    if (!r) throw new Error(`${ep} is not registered`);
    return this.endpoint.observe(r.peer, req, onNotify, { timeoutMs: 3000 });
  }

  private record(e: RegistrationEvent): void {
    if (!this.quiet) this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(e);
      }
    }
  }

  /** Requests received on /dp (Send, OMA TS Core 1.1 §6.4.4). */
  readonly sent: IncomingRequest[] = [];

  private handle(req: IncomingRequest): OutgoingResponse {
    const [root, id] = req.uriPath;
    if (root === 'dp' && req.method === 'POST') {
      this.sent.push(req);
      return { code: '2.04' };
    }
    if (root !== 'rd') return { code: '4.04' };
    const query = parseQuery(req.uriQuery);
    const payload = req.payload.toString('utf8');
    const base = { query, payload, peer: req.peer, at: Date.now() };
    if (req.method === 'POST' && id === undefined) {
      if (this.registerCode) return { code: this.registerCode };
      const ep = query.get('ep');
      if (typeof ep !== 'string') return { code: '4.00' };
      const links = parseRegistrationLinks(payload);
      this.forget(ep);
      const reg: Registration = { id: String(this.nextId++), ep, peer: req.peer, query, links };
      this.byEp.set(ep, reg);
      this.byId.set(reg.id, reg);
      this.registerCount++;
      this.record({ kind: 'register', ep, links, ...base });
      return { code: '2.01', locationPath: ['rd', reg.id] };
    }
    const reg = id !== undefined ? this.byId.get(id) : undefined;
    if (req.method === 'POST') {
      if (this.updateCode) return { code: this.updateCode };
      if (!reg) return { code: '4.04' };
      reg.peer = req.peer;
      const links = payload ? parseRegistrationLinks(payload) : undefined;
      if (links) reg.links = links;
      this.record({ kind: 'update', ep: reg.ep, ...(links ? { links } : {}), ...base });
      return { code: '2.04' };
    }
    if (req.method === 'DELETE') {
      if (!reg) return { code: '4.04' };
      this.forget(reg.ep);
      this.record({ kind: 'deregister', ep: reg.ep, ...base });
      return { code: '2.02' };
    }
    return { code: '4.05' };
  }
}

/** `/3/0/9` → `['3', '0', '9']`. */
export function segs(path: string): string[] {
  return path.split('/').filter(Boolean);
}
