import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { ServerError } from '../../errors.ts';
import { parseBootstrapConfig, showBootstrapConfig } from '../../bootstrap/bootstrap-config.ts';
import type { BootstrapStore } from '../../bootstrap/bootstrap-store.ts';
import { authErrors, bodyErrors, endpointParam, responses } from '../schemas.ts';

const configBody = {
  type: 'object',
  required: ['server'],
  additionalProperties: false,
  description:
    'What the bootstrap server writes: the DM server account, its security (`{"mode":"nosec"}`, `{"mode":"psk","identity":"…","key":"<hex>"}` or `{"mode":"psk","generate":true}`) and optional extra writes',
  properties: {
    server: {
      type: 'object',
      required: ['uri'],
      additionalProperties: false,
      properties: {
        uri: { type: 'string', maxLength: 255, description: 'coap://host[:port] (nosec) or coaps://host[:port] (psk)' },
        shortServerId: { type: 'integer', minimum: 1, maximum: 65534, default: 1 },
        lifetime: { type: 'integer', minimum: 1, default: 300 },
        binding: { type: 'string', maxLength: 8, default: 'U' },
        defaultPmin: { type: 'integer', minimum: 0 },
        defaultPmax: { type: 'integer', minimum: 0 },
      },
    },
    security: {
      type: 'object',
      required: ['mode'],
      additionalProperties: false,
      properties: { mode: { type: 'string', enum: ['nosec', 'psk'] }, identity: { type: 'string', maxLength: 512 }, key: { type: 'string', maxLength: 1024 }, generate: { type: 'boolean' } },
    },
    writes: {
      type: 'array',
      maxItems: 32,
      items: { type: 'object', required: ['path', 'value'], additionalProperties: false, properties: { path: { type: 'string', maxLength: 64 }, value: {} } },
    },
  },
} as const;

/** A configuration as shown: the same shape without `key`. */
const configView = {
  type: 'object',
  properties: {
    server: { type: 'object', additionalProperties: true },
    security: { type: 'object', properties: { mode: { type: 'string' }, identity: { type: 'string' }, generate: { type: 'boolean' } }, additionalProperties: false },
    writes: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, value: {} } } },
  },
} as const;

const sessionView = {
  type: 'object',
  properties: {
    sessionId: { type: 'string' },
    endpoint: { type: 'string' },
    peer: { type: 'string' },
    config: { type: 'string', enum: ['endpoint', 'default'] },
    lwm2mVersion: { type: 'string' },
    contentFormat: { type: 'integer' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    outcome: { type: 'string', enum: ['finished', 'refused', 'timeout', 'failed', 'superseded', 'denied'] },
    error: { type: 'string' },
    pskIdentity: { type: 'string' },
    steps: { type: 'array', items: { type: 'object', properties: { operation: { type: 'string' }, path: { type: 'string' }, code: { type: 'string' }, ms: { type: 'integer' } } } },
  },
} as const;

/**
 * Bootstrap configurations (`PUT/GET/DELETE /api/bootstrap/{ep}`, the default at `/api/bootstrap`) and the audit of
 * bootstrap sessions (`GET /api/bootstrap/{ep}/sessions`). A configured PSK key is never shown.
 */
export async function bootstrapRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const admin = requireRole(ctx.auth, 'admin');
  const operator = requireRole(ctx.auth, 'operator');
  const store = (): BootstrapStore => {
    if (!ctx.bootstrap) throw ServerError.notFound('this server has no bootstrap store');
    return ctx.bootstrap;
  };

  for (const scope of ['endpoint', 'default'] as const) {
    const url = scope === 'endpoint' ? '/api/bootstrap/:ep' : '/api/bootstrap';
    const what = scope === 'endpoint' ? 'of one endpoint' : 'applied to endpoints without their own';
    const params = scope === 'endpoint' ? { params: endpointParam } : {};
    const nameOf = (p: unknown) => (scope === 'endpoint' ? (p as { ep: string }).ep : undefined);
    app.put(url, { preHandler: admin, schema: { summary: `Set the bootstrap configuration ${what} (admin)`, tags: ['bootstrap'], ...params, body: configBody, response: responses({ 200: { description: 'The stored configuration (never a key)', ...configView } }, [...authErrors, ...bodyErrors]) } }, async (req) => {
      const config = parseBootstrapConfig(req.body);
      const ep = nameOf(req.params);
      if (ep === undefined) await store().putDefault(config);
      else await store().putConfig(ep, config);
      req.log.info({ ep: ep ?? '(default)', server: config.server.uri, security: config.security.mode }, 'bootstrap configuration set');
      return showBootstrapConfig(config);
    });
    app.get(url, { preHandler: operator, schema: { summary: `The bootstrap configuration ${what}; never a key`, tags: ['bootstrap'], ...params, response: responses({ 200: { description: 'The configuration (never a key)', ...configView } }, [...authErrors, 404]) } }, async (req) => {
      const ep = nameOf(req.params);
      const config = ep === undefined ? await store().getDefault() : await store().getConfig(ep);
      if (!config) throw ServerError.notFound(ep === undefined ? 'no default bootstrap configuration' : `no bootstrap configuration for ${JSON.stringify(ep)}`);
      return showBootstrapConfig(config);
    });
    app.delete(url, { preHandler: admin, schema: { summary: `Remove the bootstrap configuration ${what} (admin)`, tags: ['bootstrap'], ...params, response: responses({ 204: { description: 'Removed', type: 'null' } }, [...authErrors, 404]) } }, async (req, reply) => {
      const ep = nameOf(req.params);
      const removed = ep === undefined ? await store().deleteDefault() : await store().deleteConfig(ep);
      if (!removed) throw ServerError.notFound(ep === undefined ? 'no default bootstrap configuration' : `no bootstrap configuration for ${JSON.stringify(ep)}`);
      return reply.code(204).send();
    });
  }

  app.get(
    '/api/bootstrap/:ep/sessions',
    {
      preHandler: operator,
      schema: { summary: "An endpoint's bootstrap sessions, newest first, with their outcome and steps", tags: ['bootstrap'], params: endpointParam, response: responses({ 200: { description: 'Sessions, newest first', type: 'object', properties: { items: { type: 'array', items: sessionView } } } }, [...authErrors]) },
    },
    async (req) => {
      const { ep } = req.params as { ep: string };
      const items = await store().listSessions(ep);
      return { items: items.map((s) => ({ ...s, startedAt: new Date(s.startedAt).toISOString(), endedAt: new Date(s.endedAt).toISOString() })) };
    },
  );
}
