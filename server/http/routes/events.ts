import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { SseStream } from '../sse-stream.ts';
import { authErrors, responses } from '../schemas.ts';

/**
 * `GET /api/events[?deviceId=&types=a,b]`: server-sent events of the whole fleet (registrations, notifications, twin
 * changes, jobs). A client more than `sseMaxBufferedBytes` behind gets a final `disconnect` event and is dropped.
 */
export async function eventRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  app.get(
    '/api/events',
    {
      preHandler: requireRole(ctx.auth, 'reader'),
      schema: {
        summary: 'Live events as text/event-stream',
        tags: ['events'],
        querystring: { type: 'object', additionalProperties: false, properties: { deviceId: { type: 'string', maxLength: 255 }, types: { type: 'string', maxLength: 512 } } },
        response: responses(
          { 200: { description: 'Server-sent events: `event: <type>` and `data: {type, deviceId?, time, data}` per event', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
          authErrors,
        ),
      },
    },
    (req, reply) => {
      const q = req.query as { deviceId?: string; types?: string };
      const types = q.types ? new Set(q.types.split(',').map((s) => s.trim())) : undefined;
      reply.hijack();
      let unsubscribe = (): void => undefined;
      const stream = new SseStream(reply.raw, {
        maxBufferedBytes: ctx.sseMaxBufferedBytes,
        onClose: (reason) => {
          unsubscribe();
          ctx.metrics.sseClosed.inc({ reason });
        },
      });
      unsubscribe = ctx.events.subscribe((e) => {
        if (q.deviceId && e.deviceId !== q.deviceId) return;
        if (types && !types.has(e.type)) return;
        stream.send(e.type, e);
      });
    },
  );
}
