import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layering: dependencies point inward (protocol <- objects <- client/server/jobs). Only jobs/ imports BullMQ. */
function layer(files, forbiddenDirs, forbiddenPackages) {
  const patterns = forbiddenDirs.map((d) => ({ group: [`**/${d}/**`, `../${d}/*`, `../../${d}/*`], message: `${files} must not import ${d}/ (layering).` }));
  for (const p of forbiddenPackages) patterns.push({ group: [p], message: `${files} must not import ${p} (layering).` });
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.lwtwin/**', 'bench/results/**', 'coverage/**', 'console/dist/**', 'test-results/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layer('protocol/**/*.ts', ['objects', 'client', 'server', 'jobs', 'scripts'], ['ioredis', 'bullmq', 'fastify', 'lru-cache']),
  ...layer('objects/**/*.ts', ['client', 'server', 'jobs', 'scripts'], ['ioredis', 'bullmq', 'fastify']),
  ...layer('client/**/*.ts', ['server', 'jobs', 'scripts'], ['ioredis', 'bullmq', 'fastify']),
  ...layer('jobs/**/*.ts', ['server', 'client', 'scripts'], []),
  ...layer('server/**/*.ts', ['client', 'scripts', 'console'], ['bullmq']),
  // The typed API client (shared by the CLI and the console) depends on nothing of the server.
  ...layer('api/**/*.ts', ['protocol', 'objects', 'client', 'server', 'jobs', 'scripts', 'console'], ['ioredis', 'bullmq', 'fastify']),
  // The console is a plain client of the HTTP API: it may import only the typed client in api/.
  ...layer('console/**/*.{ts,tsx}', ['protocol', 'objects', 'client', 'server', 'jobs', 'scripts', 'test'], ['ioredis', 'bullmq', 'fastify', 'node:*']),
);
