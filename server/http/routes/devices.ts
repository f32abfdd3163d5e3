import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { ServerError } from '../../errors.ts';
import type { Registration } from '../../registration/registration.ts';
import { authErrors, body, endpointParam, responses } from '../schemas.ts';


function view(r: Registration, online: boolean) {
  return {
    endpoint: r.endpoint,
    registrationId: r.registrationId,
    online,
    state: online ? 'online' : 'asleep',
    peer: r.peer,
    // the server process holding the device's socket (several nodes: the one its latest Register or Update reached)
    ...(r.serverId !== undefined ? { serverId: r.serverId } : {}),
    lifetime: r.lifetime,
    binding: r.binding,
    queueMode: r.queueMode,
    lwm2mVersion: r.lwm2mVersion,
    security: r.security ?? 'nosec',
    rootPath: r.rootPath,
    contentFormats: r.contentFormats,
    objectLinks: r.objectLinks,
    registeredAt: new Date(r.registeredAt).toISOString(),
    lastUpdate: new Date(r.lastUpdate).toISOString(),
    expiresAt: new Date(r.expiresAt).toISOString(),
  };
}

/** `GET /api/devices` and `GET /api/devices/{ep}`: registrations. */
export async function deviceRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const reader = requireRole(ctx.auth, 'reader');

  app.get(
    '/api/devices',
    {
      preHandler: reader,
      schema: {
        summary: 'List registered devices',
        tags: ['devices'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { online: { type: 'boolean' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, cursor: { type: 'string', maxLength: 512 } },
        },
        response: responses({ 200: body('DevicePage', 'One page of registrations') }, authErrors),
      },
    },
    async (req) => {
      const q = req.query as { online?: boolean; limit: number; cursor?: string };
      const items: ReturnType<typeof view>[] = [];
      let cursor = q.cursor;
      // With the `online` filter, keep reading pages until the page is full or the list ends.
      do {
        const page = await ctx.registrations.list({ cursor, count: q.limit });
        for (const r of page.items) {
          const online = await ctx.isOnline(r);
          if (q.online === undefined || q.online === online) items.push(view(r, online));
        }
        cursor = page.cursor;
      } while (q.online !== undefined && items.length < q.limit && cursor);
      return { items, ...(cursor ? { cursor } : {}) };
    },
  );

  app.get('/api/devices/:ep', { preHandler: reader, schema: { summary: 'One registration', tags: ['devices'], params: endpointParam, response: responses({ 200: body('Device', 'The registration') }, [...authErrors, 404]) } }, async (req) => {
    const { ep } = req.params as { ep: string };
    const r = await ctx.registrations.getByEndpoint(ep);
    if (!r) throw ServerError.notFound(`unknown device ${JSON.stringify(ep)}: it is not registered`);
    return view(r, await ctx.isOnline(r));
  });
}
