// A scripted LwM2M device for the server tests: a real CoapEndpoint on 127.0.0.x that registers, updates, sends,
// and answers DM requests from a small table of leaf values — or from a per-test override.
import { CoapEndpoint } from '../../../../protocol/coap/endpoint.ts';
import type { IncomingRequest, IncomingResponse, OutgoingResponse, Peer } from '../../../../protocol/coap/types.ts';
import { decodeNode, encodeLeaves, encodeNode } from '../../../../protocol/lwm2m/codec/codec.ts';
import type { ModelLookup } from '../../../../protocol/lwm2m/model.ts';
import type { LwM2mLeaf, LwM2mValue } from '../../../../protocol/lwm2m/node.ts';
import { leavesToNode, nodeToLeaves } from '../../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../../protocol/lwm2m/path.ts';

export interface RegisterInput {
  ep?: string;
  query?: string[];
  links?: string;
  contentFormat?: number;
  payload?: Buffer;
}

/** A DM request the device received. */
export type Received = IncomingRequest;

export class FakeDevice {
  /** Leaf values by path text (`/3/0/9`). */
  readonly values = new Map<string, LwM2mValue>();
  readonly received: Received[] = [];
  /** Per-test override: return a response to answer with it, undefined to fall back to the table. */
  respond: ((req: IncomingRequest) => OutgoingResponse | Promise<OutgoingResponse> | undefined) | undefined;
  /** Path segments prefixed to every DM path (alternate root). */
  rootSegments: string[] = [];
  location: string[] = [];
  /** Format used when the request has no Accept. */
  defaultFormat = 11542;

  private constructor(
    readonly endpoint: CoapEndpoint,
    readonly server: Peer,
    readonly model: ModelLookup,
  ) {
    endpoint.onRequest((req) => this.handle(req));
  }

  static async start(server: Peer, model: ModelLookup, address = '127.0.0.1'): Promise<FakeDevice> {
    const endpoint = await CoapEndpoint.bind({ address, port: 0, params: { ackTimeoutMs: 100, maxRetransmit: 2, requestTimeoutMs: 2000 } });
    return new FakeDevice(endpoint, server, model);
  }

  get peer(): Peer {
    return this.endpoint.localAddress;
  }

  set(path: string, value: LwM2mValue): this {
    this.values.set(LwM2mPath.parse(path).toString(), value);
    return this;
  }

  async register(input: RegisterInput = {}): Promise<IncomingResponse> {
    const query = input.query ?? [`ep=${input.ep ?? 'dev1'}`, 'lt=300', 'lwm2m=1.1', 'b=U'];
    const payload = input.payload ?? Buffer.from(input.links ?? '</>;rt="oma.lwm2m";ct="110 112 11542",</1/0>,</3/0>', 'utf8');
    const res = await this.endpoint.request(this.server, {
      method: 'POST',
      uriPath: ['rd'],
      uriQuery: query,
      payload,
      ...(input.contentFormat === undefined ? { contentFormat: 40 } : input.contentFormat < 0 ? {} : { contentFormat: input.contentFormat }),
    });
    if (res.code === '2.01') this.location = res.locationPath;
    return res;
  }

  update(query: string[] = [], links?: string): Promise<IncomingResponse> {
    return this.endpoint.request(this.server, {
      method: 'POST',
      uriPath: this.location,
      uriQuery: query,
      ...(links === undefined ? {} : { contentFormat: 40, payload: Buffer.from(links, 'utf8') }),
    });
  }

  deregister(): Promise<IncomingResponse> {
    return this.endpoint.request(this.server, { method: 'DELETE', uriPath: this.location });
  }

  send(leaves: LwM2mLeaf[], contentFormat = 110): Promise<IncomingResponse> {
    return this.endpoint.request(this.server, { method: 'POST', uriPath: ['dp'], contentFormat, payload: encodeLeaves(contentFormat, leaves, this.model) });
  }

  /** Sends a notification for the observation registered with `token` (Observe number `seq`). */
  notify(token: Buffer, leaves: LwM2mLeaf[], path: string, seq: number, contentFormat = 110): Promise<string> {
    const p = LwM2mPath.parse(path);
    const payload = contentFormat === 110 || contentFormat === 112 ? encodeLeaves(contentFormat, leaves, this.model) : encodeNode(contentFormat, leavesToNode(leaves, p, this.model), p, this.model);
    return this.endpoint.notify(this.server, token, { code: '2.05', contentFormat, payload, observe: seq });
  }

  /** The last request received with Observe=0 (its token is needed to notify). */
  lastObserve(): IncomingRequest | undefined {
    return [...this.received].reverse().find((r) => r.observe === 0);
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }

  private async handle(req: IncomingRequest): Promise<OutgoingResponse> {
    this.received.push(req);
    const custom = await this.respond?.(req);
    if (custom) return custom;
    const segs = req.uriPath.slice(this.rootSegments.length);
    if (this.rootSegments.some((s, i) => req.uriPath[i] !== s)) return { code: '4.04' };
    const path = LwM2mPath.parse('/' + segs.join('/'));
    if (req.method === 'GET') {
      const leaves = [...this.values].map(([p, value]) => ({ path: LwM2mPath.parse(p), value })).filter((l) => path.contains(l.path));
      if (leaves.length === 0) return { code: '4.04' };
      const cf = req.accept ?? this.defaultFormat;
      const payload = cf === 110 || cf === 112 ? encodeLeaves(cf, leaves, this.model) : encodeNode(cf, leavesToNode(leaves, path, this.model), path, this.model);
      return { code: '2.05', contentFormat: cf, payload };
    }
    if (req.method === 'PUT' && req.uriQuery.length > 0) return { code: '2.04' };
    if (req.method === 'PUT' || (req.method === 'POST' && path.length === 2)) {
      const node = decodeNode(req.contentFormat ?? 0, req.payload, path, this.model);
      for (const l of nodeToLeaves(node, path)) this.values.set(l.path.toString(), l.value);
      return { code: '2.04' };
    }
    if (req.method === 'POST' && path.length === 3) return { code: '2.04' };
    if (req.method === 'DELETE') return { code: '2.02' };
    return { code: '4.05' };
  }
}
