import type { FastifyInstance } from 'fastify';
import { withTimeout } from '../../store/redis-health.ts';
import type { ApiContext } from '../api-context.ts';
import { body, responses } from '../schemas.ts';

/**
 * `GET /api/health` (no token needed, for load balancers) and `GET /metrics` (Prometheus text).
 *
 * Health answers from the state the Redis health check keeps (redis-health.ts), so it never waits on Redis beyond
 * the bounded device count: 200 `ok`; 200 `degraded` with `reasons` after Redis was found to have lost its data;
 * 503 `degraded` with `reasons` while Redis is unreachable.
 */
export async function healthRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get('/api/health', { schema: { summary: 'Health of this server process', tags: ['health'], security: [], response: responses({ 200: body('Health', 'Healthy, or degraded after Redis lost its data'), 503: body('Health', 'Redis is unreachable') }) } }, async (_req, reply) => {
    const state = ctx.redisHealth();
    let devices: number | null = null;
    if (state.redis !== 'unreachable') devices = await withTimeout(ctx.registrations.count(), ctx.healthCountTimeoutMs ?? 300).catch(() => null);
    const body = { status: state.status, redis: state.redis, devices, ...(state.reasons.length > 0 ? { reasons: state.reasons } : {}) };
    return reply.code(state.redis === 'unreachable' ? 503 : 200).send(body);
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['health'], security: [], response: responses({ 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } }) } }, async (_req, reply) => {
    if (ctx.redisHealth().redis !== 'unreachable') {
      const count = await withTimeout(ctx.registrations.count(), ctx.healthCountTimeoutMs ?? 300).catch(() => undefined);
      if (count !== undefined) ctx.metrics.devicesRegistered.set(count);
    }
    return reply.header('content-type', ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });
}
