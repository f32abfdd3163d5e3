import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { ServerError } from '../../errors.ts';
import { checkPskIdentity, parseHexKey, parseP256PublicKeyPem, type SecurityEntry, type SecuritySummary } from '../../security/security-entry.ts';
import type { SecurityNamespace } from '../../security/security-store.ts';
import { authErrors, bodyErrors, endpointName, endpointParam, responses } from '../schemas.ts';

const serverQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'string',
      enum: ['dm', 'bootstrap'],
      default: 'dm',
      description: 'which credentials: `dm` for the LwM2M (device management) server, `bootstrap` for the bootstrap server',
    },
  },
} as const;

const summarySchema = {
  type: 'object',
  required: ['endpoint', 'mode', 'updatedAt'],
  properties: {
    endpoint: endpointName,
    mode: { type: 'string', enum: ['psk', 'rpk', 'x509'] },
    identity: { type: 'string', description: 'PSK identity (mode psk)' },
    publicKeyFingerprint: { type: 'string', description: '`sha256:<hex>` of the SubjectPublicKeyInfo DER (mode rpk)' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
} as const;

const putBody = {
  type: 'object',
  required: ['mode'],
  additionalProperties: false,
  description:
    '`{"mode":"psk","identity":"<utf-8, ≤ 128 bytes>","key":"<hex, 16 to 64 bytes>"}`, `{"mode":"rpk","publicKey":"<PEM of a P-256 public key>"}` or `{"mode":"x509"}` (certificate whose CN is the endpoint name)',
  properties: {
    mode: { type: 'string', enum: ['psk', 'rpk', 'x509'] },
    identity: { type: 'string', maxLength: 512 },
    key: { type: 'string', maxLength: 1024 },
    publicKey: { type: 'string', maxLength: 8192 },
  },
} as const;

interface PutBody {
  mode: 'psk' | 'rpk' | 'x509';
  identity?: string;
  key?: string;
  publicKey?: string;
}

/** Turns a request body into an entry, with a message naming what is wrong. @throws ServerError BAD_REQUEST */
function toEntry(body: PutBody): SecurityEntry {
  const extra = (allowed: string[]) => Object.keys(body).filter((k) => k !== 'mode' && !allowed.includes(k));
  const refuseExtra = (allowed: string[]) => {
    const e = extra(allowed);
    if (e.length > 0) throw ServerError.badRequest(`mode ${body.mode} takes no ${e.join(', ')}`, { param: e[0] });
  };
  if (body.mode === 'psk') {
    refuseExtra(['identity', 'key']);
    if (body.identity === undefined) throw ServerError.badRequest('mode psk needs "identity"', { param: 'identity' });
    if (body.key === undefined) throw ServerError.badRequest('mode psk needs "key" (hex)', { param: 'key' });
    return { mode: 'psk', identity: checkPskIdentity(body.identity), key: parseHexKey(body.key) };
  }
  if (body.mode === 'rpk') {
    refuseExtra(['publicKey']);
    if (body.publicKey === undefined) throw ServerError.badRequest('mode rpk needs "publicKey" (PEM)', { param: 'publicKey' });
    return { mode: 'rpk', publicKey: parseP256PublicKeyPem(body.publicKey) };
  }
  refuseExtra([]);
  return { mode: 'x509' };
}

function view(s: SecuritySummary) {
  return { ...s, updatedAt: new Date(s.updatedAt).toISOString() };
}

/**
 * DTLS credentials of devices (OMA LwM2M TS Transport 1.1.1 §5.2, DTLS-based security): `PUT/GET/DELETE /api/devices/{ep}/security` and
 * `GET /api/security`. A key is accepted, stored and used, and never shown. `?server=bootstrap` addresses the
 * bootstrap server's credentials, kept apart from the DM server's.
 */
export async function securityRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const admin = requireRole(ctx.auth, 'admin');
  const operator = requireRole(ctx.auth, 'operator');
  const store = (server: SecurityNamespace) => {
    const s = ctx.security?.[server];
    if (!s) throw ServerError.notFound(`this server has no ${server} security store`);
    return s;
  };

  app.put(
    '/api/devices/:ep/security',
    {
      preHandler: admin,
      schema: {
        summary: 'Set the DTLS credentials of a device (admin); 409 if the PSK identity or public key belongs to another endpoint',
        tags: ['security'],
        params: endpointParam,
        querystring: serverQuery,
        body: putBody,
        response: responses({ 200: { description: 'The stored entry (never the key)', ...summarySchema } }, [...authErrors, ...bodyErrors, 404, 409]),
      },
    },
    async (req) => {
      const { ep } = req.params as { ep: string };
      const { server } = req.query as { server: SecurityNamespace };
      const entry = toEntry(req.body as PutBody);
      const s = store(server);
      await s.put(ep, entry);
      const summary = await s.summary(ep);
      if (!summary) throw ServerError.conflict(`the security entry of ${JSON.stringify(ep)} was deleted concurrently`);
      req.log.info({ ep, server, mode: summary.mode, identity: summary.identity, publicKeyFingerprint: summary.publicKeyFingerprint }, 'security entry set');
      if (server === 'dm') await ctx.onDmSecuritySet?.(ep);
      return view(summary);
    },
  );

  app.get(
    '/api/devices/:ep/security',
    {
      preHandler: operator,
      schema: { summary: 'Mode and PSK identity (or public-key fingerprint) of a device; never a key', tags: ['security'], params: endpointParam, querystring: serverQuery, response: responses({ 200: { description: 'The entry (never the key)', ...summarySchema } }, [...authErrors, 404]) },
    },
    async (req) => {
      const { ep } = req.params as { ep: string };
      const { server } = req.query as { server: SecurityNamespace };
      const summary = await store(server).summary(ep);
      if (!summary) throw ServerError.notFound(`device ${JSON.stringify(ep)} has no ${server} security entry`);
      return view(summary);
    },
  );

  app.delete(
    '/api/devices/:ep/security',
    {
      preHandler: admin,
      schema: { summary: 'Remove the DTLS credentials of a device (admin)', tags: ['security'], params: endpointParam, querystring: serverQuery, response: responses({ 204: { description: 'Removed (no body)', type: 'null' } }, [...authErrors, 404]) },
    },
    async (req, reply) => {
      const { ep } = req.params as { ep: string };
      const { server } = req.query as { server: SecurityNamespace };
      if (!(await store(server).delete(ep))) throw ServerError.notFound(`device ${JSON.stringify(ep)} has no ${server} security entry`);
      req.log.info({ ep, server }, 'security entry removed');
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/security',
    {
      preHandler: operator,
      schema: {
        summary: 'List security entries in endpoint order, page by page; never a key',
        tags: ['security'],
        querystring: {
          ...serverQuery,
          properties: { ...serverQuery.properties, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, cursor: { type: 'string', maxLength: 1024 } },
        },
        response: responses(
          { 200: { description: 'One page of entries', type: 'object', required: ['items'], properties: { items: { type: 'array', items: summarySchema }, cursor: { type: 'string' } }, additionalProperties: false } },
          [...authErrors, 404],
        ),
      },
    },
    async (req) => {
      const q = req.query as { server: SecurityNamespace; limit: number; cursor?: string };
      const page = await store(q.server).list({ count: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
      return { items: page.items.map(view), ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  );
}
