/**
 * The API contract: every route of the HTTP API documents its answers in `/api/docs` (OpenAPI 3), and what a running
 * server (real Redis, simulated devices) answers — successes and errors — matches what it documents. Each answer is
 * checked twice: the bytes on the wire against the document, and the handler's value before serialisation against
 * the same schema with every object closed, so a field the schema forgets (and serialisation would silently drop)
 * fails too.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { ADMIN_TOKEN, eventually, OPERATOR_TOKEN, READER_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Answer {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}
interface Serialised {
  method: string;
  route: string;
  status: number;
  payload: unknown;
}

/** A copy of a schema where every object that does not say otherwise refuses unknown properties. */
function closed(schema: any): any {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v);
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** `/api/devices/{ep}` → a regexp matching concrete paths. */
function templateRegExp(template: string): RegExp {
  return new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`);
}

describe('API contract: /api/docs documents every route, and real answers match it', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;
  let doc: any;
  const answers: Answer[] = [];
  const serialised: Serialised[] = [];
  const routes: Array<{ method: string; url: string; hidden: boolean }> = [];

  const hook = (app: FastifyInstance) => {
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: r.url.replace(/:(\w+)/g, '{$1}'), hidden: Boolean((r.schema as any)?.hide) });
    });
    app.addHook('preSerialization', async (req, reply, payload) => {
      serialised.push({ method: req.method.toLowerCase(), route: (req.routeOptions.url ?? '').replace(/:(\w+)/g, '{$1}'), status: reply.statusCode, payload });
      return payload;
    });
  };

  /** One request, recorded for the checks below. */
  async function call(method: string, path: string, opts: { token?: string | null; body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
    const controller = new AbortController();
    const res = await fetch(t.server.httpUrl + path, {
      method: method.toUpperCase(),
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(opts.body !== undefined || opts.rawBody !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
        ...opts.headers,
      },
      body: opts.rawBody ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
      signal: controller.signal,
    });
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0];
    let body: unknown;
    if (contentType === 'text/event-stream') {
      controller.abort();
      body = '';
    } else {
      const text = await res.text();
      body = contentType === 'application/json' ? JSON.parse(text) : text;
    }
    const a = { method, path: path.split('?')[0], status: res.status, contentType, body };
    answers.push(a);
    return a;
  }

  beforeAll(async () => {
    t = await startTestServer({}, { onHttpApp: hook });
    sim = startSimulator({ count: 2, server: t.coap, prefix: 'ct-', seed: 5, tickMs: 300, lifetime: 60, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    await eventually(async () => (await call('get', '/api/devices/ct-1/properties/device.batteryLevel')).status === 200, 'a reported battery level');
    doc = (await call('get', '/api/docs')).body;

    const ep = 'ct-0';
    await call('get', '/api/health');
    await call('get', '/metrics');
    await call('get', '/api/devices');
    await call('get', '/api/devices?limit=1&online=true');
    await call('get', '/api/devices?limit=0');
    await call('get', '/api/devices', { token: null });
    await call('get', '/api/devices', { token: 'not-a-token-at-all' });
    await call('get', `/api/devices/${ep}`);
    await call('get', '/api/devices/nope');
    await call('get', `/api/devices/${ep}/twin`);
    await call('get', '/api/devices/nope/twin');
    const twin = (await call('get', `/api/devices/${ep}/twin`)).body as { etag: string };
    await call('patch', `/api/devices/${ep}/twin`, { token: OPERATOR_TOKEN, body: { tags: { site: 'a' }, properties: { desired: { device: { timezone: 'Europe/Oslo' } } } } });
    await call('patch', `/api/devices/${ep}/twin`, { body: { tags: { site: 'b' } }, headers: { 'if-match': twin.etag } });
    await call('patch', `/api/devices/${ep}/twin`, { body: { status: 'disabled' } });
    await call('patch', `/api/devices/${ep}/twin`, { rawBody: '{"tags":', contentType: 'application/json' });
    await call('patch', `/api/devices/${ep}/twin`, { rawBody: 'tags=x', contentType: 'text/plain' });
    await call('patch', `/api/devices/${ep}/twin`, { body: { tags: { big: 'x'.repeat(300 * 1024) } } });
    await call('patch', `/api/devices/${ep}/twin`, { token: READER_TOKEN, body: { tags: { site: 'c' } } });
    await call('patch', '/api/devices/nope/twin', { body: { tags: { site: 'c' } } });
    await call('get', `/api/devices/${ep}/properties/device.batteryLevel`);
    await call('get', `/api/devices/${ep}/properties/${encodeURIComponent('/3/0/9')}`);
    await call('get', `/api/devices/${ep}/properties/tags.site`);
    await call('get', `/api/devices/${ep}/properties/desired.device.timezone`);
    await call('get', `/api/devices/${ep}/properties/device.noSuchThing`);
    await call('get', `/api/devices/${ep}/properties/tags.nothing`);
    await call('post', '/api/query', { token: READER_TOKEN, body: { query: 'SELECT * FROM devices', pageSize: 1 } });
    await call('post', '/api/query', { body: { query: 'SELECT deviceId, properties.reported.device.batteryLevel AS battery FROM devices' } });
    await call('post', '/api/query', { body: { query: 'SELECT COUNT() AS n, connectionState FROM devices GROUP BY connectionState' } });
    await call('post', '/api/query', { body: { query: 'SELECT * FROM devices WHERE' } });
    await call('post', '/api/query', { body: { nope: 1 } });
    await call('get', '/api/events?deviceId=ct-0');
    await call('get', '/api/events', { token: null });
    const submitted = (await call('post', '/api/jobs', { token: OPERATOR_TOKEN, body: { type: 'deepRead', deviceId: ep, property: 'device.batteryLevel' } })).body as { jobId: string };
    await call('post', '/api/jobs', { body: { type: 'deepRead', query: "deviceId = 'ct-1'", property: '/3/0/9' } });
    const later = (await call('post', '/api/jobs', { body: { type: 'deepRead', deviceId: ep, property: 'device.batteryLevel', startTime: new Date(Date.now() + 3_600_000).toISOString() } })).body as { jobId: string };
    await call('post', '/api/jobs', { body: { type: 'deepRead', deviceId: ep, property: 'device.noSuchThing' } });
    await call('post', '/api/jobs', { body: { type: 'reboot', deviceId: ep } });
    await call('post', '/api/jobs', { token: READER_TOKEN, body: { type: 'deepRead', deviceId: ep, property: '/3/0/9' } });
    await eventually(async () => ((await call('get', `/api/jobs/${submitted.jobId}`)).body as { status: string }).status === 'completed', 'the deep read to complete');
    await call('get', '/api/jobs');
    await call('get', '/api/jobs?status=completed&type=deepRead&limit=1');
    await call('get', '/api/jobs?status=bogus');
    await call('get', `/api/jobs/${submitted.jobId}?resultsLimit=1`);
    await call('get', '/api/jobs/no-such-job');
    await call('delete', `/api/jobs/${later.jobId}`);
    await call('delete', `/api/jobs/${submitted.jobId}`);
    await call('delete', '/api/jobs/no-such-job');
    await call('get', '/api/objects');
    await call('get', '/api/objects/3');
    await call('get', '/api/objects/3303');
    await call('get', '/api/objects/9999');
    await call('get', '/api/objects/abc');
    await call('get', '/api/objects', { token: null });
    await call('put', `/api/devices/${ep}/security`, { body: { mode: 'psk', identity: 'ct-0-identity', key: '00112233445566778899aabbccddeeff' } });
    await call('put', `/api/devices/${ep}/security`, { body: { mode: 'psk', identity: 'ct-0-identity', key: 'not hex' } });
    await call('put', `/api/devices/${ep}/security`, { token: OPERATOR_TOKEN, body: { mode: 'x509' } });
    await call('get', `/api/devices/${ep}/security`, { token: OPERATOR_TOKEN });
    await call('get', '/api/devices/nope/security');
    await call('get', '/api/security?limit=10');
    await call('get', '/api/security', { token: READER_TOKEN });
    await call('delete', `/api/devices/${ep}/security`);
    await call('delete', `/api/devices/${ep}/security`);
    const bootstrapConfig = { server: { uri: 'coap://127.0.0.1:5683', shortServerId: 1, lifetime: 300, binding: 'U' }, security: { mode: 'nosec' } };
    await call('put', '/api/bootstrap', { body: bootstrapConfig });
    await call('put', '/api/bootstrap', { body: { server: { uri: 'ftp://x' } } });
    await call('get', '/api/bootstrap', { token: OPERATOR_TOKEN });
    await call('get', '/api/bootstrap', { token: null });
    await call('put', `/api/bootstrap/${ep}`, { body: { ...bootstrapConfig, server: { ...bootstrapConfig.server, uri: 'coaps://127.0.0.1:5684' }, security: { mode: 'psk', generate: true } } });
    await call('put', `/api/bootstrap/${ep}`, { token: OPERATOR_TOKEN, body: bootstrapConfig });
    await call('get', `/api/bootstrap/${ep}`);
    await call('get', '/api/bootstrap/nope');
    await call('get', `/api/bootstrap/${ep}/sessions`);
    await call('get', `/api/bootstrap/${ep}/sessions`, { token: null });
    await call('delete', `/api/bootstrap/${ep}`);
    await call('delete', `/api/bootstrap/${ep}`);
    await call('delete', '/api/bootstrap');
    await call('delete', '/api/bootstrap');
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  function operation(method: string, path: string): { template: string; op: any } | undefined {
    for (const [template, ops] of Object.entries<any>(doc.paths)) if (ops[method] && templateRegExp(template).test(path)) return { template, op: ops[method] };
    return undefined;
  }

  it('is an OpenAPI 3 document in which every operation documents a success and its errors', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const missing: string[] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS) {
        if (!ops[m]) continue;
        const codes = Object.keys(ops[m].responses ?? {});
        if (!codes.some((c) => c.startsWith('2'))) missing.push(`${m.toUpperCase()} ${path}: no 2xx response documented`);
        if (!codes.includes('500')) missing.push(`${m.toUpperCase()} ${path}: errors not documented (use responses() from server/http/schemas.ts)`);
        if (codes.includes('default')) missing.push(`${m.toUpperCase()} ${path}: only a default response`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every route the server has (hidden ones excepted)', () => {
    const undocumented = routes.filter((r) => !r.hidden && !doc.paths[r.url]?.[r.method]).map((r) => `${r.method.toUpperCase()} ${r.url}`);
    expect(undocumented, 'give these routes a schema with summary and response (server/http/schemas.ts responses())').toEqual([]);
  });

  it('exercises every documented operation here, with a success and an error', () => {
    const gaps: string[] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const m of METHODS) {
        if (!ops[m]) continue;
        const seen = answers.filter((a) => a.method === m && operation(m, a.path)?.template === path).map((a) => a.status);
        if (!seen.some((s) => s < 300)) gaps.push(`${m.toUpperCase()} ${path}: no successful request`);
        const needsError = Object.keys(ops[m].responses).some((c) => c.startsWith('4'));
        if (needsError && !seen.some((s) => s >= 400)) gaps.push(`${m.toUpperCase()} ${path}: no failing request`);
      }
    }
    expect(gaps, 'add requests for these operations to the beforeAll of test/e2e/api-contract.test.ts').toEqual([]);
  });

  it('answers every request with a documented status and a body matching its documented schema', () => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema(doc, 'openapi');
    const problems: string[] = [];
    for (const a of answers) {
      const found = operation(a.method, a.path);
      if (!found) {
        if (a.path !== '/api/docs') problems.push(`${a.method.toUpperCase()} ${a.path}: not in the document`);
        continue;
      }
      const response = found.op.responses[String(a.status)];
      if (!response) {
        problems.push(`${a.method.toUpperCase()} ${a.path} answered ${a.status}, which ${found.template} does not document`);
        continue;
      }
      if (!response.content && a.body === '') continue; // documented as having no body (204)
      const media = response.content?.[a.contentType];
      if (!media) {
        problems.push(`${a.method.toUpperCase()} ${a.path} ${a.status}: content type ${a.contentType} is not documented`);
        continue;
      }
      const pointer = `openapi#/paths/${found.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${a.method}/responses/${a.status}/content/${a.contentType.replace(/\//g, '~1')}/schema`;
      const validate = ajv.getSchema(pointer) ?? ajv.compile({ $ref: pointer });
      if (!validate(a.body)) problems.push(`${a.method.toUpperCase()} ${a.path} ${a.status}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(problems).toEqual([]);
  });

  it('serialises only documented fields: the values handlers return fit the schema with every object closed', () => {
    const schemas = Object.fromEntries(Object.entries<any>(doc.components.schemas).map(([k, v]) => [k, closed(v)]));
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ ...doc, components: { ...doc.components, schemas } }, 'closed');
    const cache = new Map<string, ValidateFunction>();
    const problems: string[] = [];
    for (const s of serialised) {
      const op = doc.paths[s.route]?.[s.method];
      const json = op?.responses?.[String(s.status)]?.content?.['application/json'];
      if (!json) continue; // the wire check above reports undocumented statuses
      const pointer = `closed#/paths/${s.route.replace(/\//g, '~1')}/${s.method}/responses/${s.status}/content/application~1json/schema`;
      let validate = cache.get(pointer);
      if (!validate) cache.set(pointer, (validate = ajv.compile(closed({ $ref: pointer }))));
      const payload = JSON.parse(JSON.stringify(s.payload));
      if (!validate(payload)) problems.push(`${s.method.toUpperCase()} ${s.route} ${s.status}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(serialised.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });
});
