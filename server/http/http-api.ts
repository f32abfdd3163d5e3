/**
 * The HTTP API (fastify): one plugin per resource, a JSON schema on every route, one error shape, bearer-token roles,
 * Prometheus metrics and an OpenAPI document at `/api/docs`.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import { MAX_ENDPOINT_LENGTH } from '../registration/register-params.ts';
import type { ApiContext } from './api-context.ts';
import { errorHandler, httpError } from './http-errors.ts';
import { bootstrapRoutes } from './routes/bootstrap.ts';
import { deviceRoutes } from './routes/devices.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { queryRoutes } from './routes/query.ts';
import { securityRoutes } from './routes/security.ts';
import { twinRoutes } from './routes/twins.ts';
import { objectRoutes } from './routes/objects.ts';
import { addSharedSchemas } from './schemas.ts';
import { consoleRoutes } from './console-static.ts';

/** `onApp` runs before any route exists, so the hooks it adds apply to every route. */
export async function buildHttpApi(ctx: ApiContext, onApp?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  // The pino child logger type differs from FastifyBaseLogger only nominally.
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    // Every endpoint name Register accepts must be addressable as /api/devices/{ep}: the router's limit (100 by
    // default, in UTF-16 units after decoding) would turn longer names into 404s.
    routerOptions: { maxParamLength: 2 * MAX_ENDPOINT_LENGTH },
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  });
  onApp?.(app as unknown as FastifyInstance);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(httpError(404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.httpRequests.observe({ route: req.routeOptions.url ?? 'unknown', method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'lwtwin', description: 'LwM2M device management with device twins', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  addSharedSchemas(app as unknown as FastifyInstance);
  app.get('/api/docs', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (scope) => healthRoutes(scope, ctx));
  await app.register(async (scope) => deviceRoutes(scope, ctx));
  await app.register(async (scope) => twinRoutes(scope, ctx));
  await app.register(async (scope) => queryRoutes(scope, ctx));
  await app.register(async (scope) => eventRoutes(scope, ctx));
  await app.register(async (scope) => jobRoutes(scope, ctx));
  await app.register(async (scope) => securityRoutes(scope, ctx));
  await app.register(async (scope) => objectRoutes(scope, ctx));
  await app.register(async (scope) => bootstrapRoutes(scope, ctx));
  await app.register(async (scope) => consoleRoutes(scope));
  return app as unknown as FastifyInstance;
}
