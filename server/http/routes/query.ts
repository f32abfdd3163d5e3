import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { compileQuery } from '../../query/evaluate.ts';
import { authErrors, body, bodyErrors, responses } from '../schemas.ts';

/** `POST /api/query` `{query, pageSize?, continuationToken?}` → `{items, continuationToken?}` (Azure IoT Hub query language doc). */
export async function queryRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.post(
    '/api/query',
    {
      preHandler: requireRole(ctx.auth, 'reader'),
      schema: {
        summary: 'Query twins: SELECT ... FROM devices [WHERE ...] [GROUP BY ...]',
        tags: ['twins'],
        headers: { type: 'object', properties: { 'x-ms-max-item-count': { type: 'integer', minimum: 1, maximum: 1000 }, 'x-ms-continuation': { type: 'string', maxLength: 4096 } } },
        body: {
          type: 'object',
          required: ['query'],
          additionalProperties: false,
          properties: {
            query: { type: 'string', minLength: 1, maxLength: 8192 },
            pageSize: { type: 'integer', minimum: 1, maximum: 1000 },
            continuationToken: { type: 'string', maxLength: 4096 },
          },
        },
        response: responses({ 200: body('QueryPage', 'One page of rows') }, [...authErrors, ...bodyErrors]),
      },
    },
    async (req, reply) => {
      const body = req.body as { query: string; pageSize?: number; continuationToken?: string };
      const headers = req.headers as Record<string, unknown>;
      const compiled = compileQuery(body.query);
      const page = await ctx.twins.query(compiled, {
        pageSize: body.pageSize ?? (headers['x-ms-max-item-count'] as number | undefined) ?? 100,
        continuationToken: body.continuationToken ?? (headers['x-ms-continuation'] as string | undefined),
      });
      if (page.continuationToken) void reply.header('x-ms-continuation', page.continuationToken);
      return { items: page.items, ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}) };
    },
  );
}
