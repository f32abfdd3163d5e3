#!/usr/bin/env node
// The `lwtwin` command. Runs the compiled CLI (dist/, made by `npm run build`, which `npm start` runs when needed);
// when dist/ is missing or older than the sources (a development checkout), runs the TypeScript through tsx instead
// and says so once on stderr. LWTWIN_TSX=1 forces the TypeScript sources.
import { existsSync } from 'node:fs';
import { isBuildFresh } from '../scripts/build.mjs';

const compiled = new URL('../dist/scripts/cli.js', import.meta.url);
if (process.env.LWTWIN_TSX !== '1' && existsSync(compiled) && isBuildFresh()) {
  await import(compiled.href);
} else {
  if (process.env.LWTWIN_TSX !== '1') process.stderr.write('lwtwin: dist/ is missing or older than the sources; running them through tsx (slower start; `npm run build` compiles)\n');
  const { register } = await import('tsx/esm/api');
  register();
  await import('../scripts/cli.ts');
}
