import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';

/** `GET /api/events[?deviceId=&types=a,b]`: server-sent events of the whole fleet (registrations, notifications, twin changes, jobs). */
export async function eventRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get(
    '/api/events',
    {
      preHandler: requireRole(ctx.auth, 'reader'),
      schema: {
        summary: 'Live events as text/event-stream',
        tags: ['events'],
        querystring: { type: 'object', additionalProperties: false, properties: { deviceId: { type: 'string', maxLength: 255 }, types: { type: 'string', maxLength: 512 } } },
      },
    },
    (req, reply) => {
      const q = req.query as { deviceId?: string; types?: string };
      const types = q.types ? new Set(q.types.split(',').map((s) => s.trim())) : undefined;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': lwtwin events\n\n');
      const unsubscribe = ctx.events.subscribe((e) => {
        if (q.deviceId && e.deviceId !== q.deviceId) return;
        if (types && !types.has(e.type)) return;
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      keepAlive.unref();
      req.raw.on('close', () => {
        clearInterval(keepAlive);
        unsubscribe();
      });
    },
  );
}
