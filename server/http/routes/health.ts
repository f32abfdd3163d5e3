import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { body, responses } from '../schemas.ts';

/** `GET /api/health` (no token needed, for load balancers) and `GET /metrics` (Prometheus text). */
export async function healthRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/api/health', { schema: { summary: 'Health of this server process', tags: ['health'], security: [], response: responses({ 200: body('Health', 'Healthy'), 503: body('Health', 'Redis is unreachable') }) } }, async (_req, reply) => {
    const redis = await ctx.pingRedis();
    let devices: number | null = null;
    if (redis) devices = await ctx.registrations.count().catch(() => null);
    return reply.code(redis ? 200 : 503).send({ status: redis ? 'ok' : 'degraded', redis: redis ? 'ok' : 'unreachable', devices });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'], security: [], response: responses({ 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } }) } }, async (_req, reply) => {
    ctx.metrics.devicesRegistered.set(await ctx.registrations.count().catch(() => 0));
    return reply.header('content-type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
