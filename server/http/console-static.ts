/**
 * The operator console (console/, built by `npm run build:console` into console/dist) served as static files at `/`.
 * It is a plain client of the API, so any static host could serve it instead. Without a build, `/` says how to make one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { httpError } from './http-errors.ts';

/** `console/dist` of the checkout this module runs from (from source or from a compiled copy a level deeper). */
export function consoleDistDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'console', 'dist');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

export async function consoleRoutes(app: FastifyInstance, root = consoleDistDir()): Promise<void> {
  if (!root) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.code(503).send(httpError(503, 'CONSOLE_NOT_BUILT', 'the console is not built: run `npm run build:console` (npm start and npm test build it)')),
    );
    return;
  }
  // Hashed asset names never change content: cache them for long; index.html is revalidated every time.
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    setHeaders: (res, file) => void res.setHeader('cache-control', file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
  });
}
