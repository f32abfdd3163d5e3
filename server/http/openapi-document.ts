/**
 * The OpenAPI document of the HTTP API without a running server: the routes are built against a context that is never
 * called (no Redis, no devices), and @fastify/swagger renders them. `npm run generate:api` turns it into the typed
 * client's types (api/openapi-types.ts); the served `/api/docs` is the same document.
 */
import { silentLogger } from '../logger.ts';
import { Metrics } from '../metrics.ts';
import { TokenAuth } from './auth.ts';
import type { ApiContext } from './api-context.ts';
import { buildHttpApi } from './http-api.ts';

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const unused = () => {
    throw new Error('openApiDocument: the document-only context serves no requests');
  };
  const ctx = new Proxy({ logger: silentLogger(), metrics: new Metrics({ defaultMetrics: false }), auth: new TokenAuth({}), jobs: {} } as unknown as ApiContext, {
    get: (target, key) => (key in target ? (target as any)[key] : unused),
  });
  const app = await buildHttpApi(ctx);
  await app.ready();
  const doc = (app as unknown as { swagger(): Record<string, unknown> }).swagger();
  await app.close();
  return doc;
}
