#!/usr/bin/env node
// `npm run build`: compiles the TypeScript sources to JavaScript in dist/ (tsc with tsconfig.build.json, which rewrites
// the `.ts` import specifiers to `.js`) and copies the files the code reads at run time next to the compiled modules
// (Lua scripts, the bundled DDF XML), so `node dist/scripts/cli.js` runs without tsx.
//   node scripts/build.mjs [--out-dir DIR]     (default dist)
// Also exports `isBuildFresh` for scripts/bootstrap.mjs and bin/lwtwin.mjs. Plain Node: no dependencies but typescript.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The compiled folders (tsconfig.build.json `include`). */
export const SOURCE_DIRS = ['api', 'protocol', 'objects', 'client', 'server', 'jobs', 'scripts'];
/** Files other than TypeScript that the code loads at run time. */
const ASSET = /\.(lua|xml)$/;
const STAMP = '.build-stamp';

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else yield full;
  }
}

/** Newest modification time (ms) among the sources, assets and build configuration. */
export function newestSourceMtime(base = root) {
  let newest = 0;
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) newest = Math.max(newest, statSync(path.join(base, f)).mtimeMs);
  for (const dir of SOURCE_DIRS) {
    for (const f of files(path.join(base, dir))) if (f.endsWith('.ts') || ASSET.test(f)) newest = Math.max(newest, statSync(f).mtimeMs);
  }
  return newest;
}

/** Whether `outDir` holds a complete build newer than every source. */
export function isBuildFresh(outDir = path.join(root, 'dist'), base = root) {
  const stamp = path.join(outDir, STAMP);
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestSourceMtime(base);
}

/** Compiles into `outDir` and copies the assets; returns tsc's exit status. */
export function build(outDir = path.join(root, 'dist')) {
  const started = Date.now();
  rmSync(path.join(outDir, STAMP), { force: true });
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) return r.status ?? 1;
  let assets = 0;
  for (const dir of SOURCE_DIRS) {
    for (const f of files(path.join(root, dir))) {
      if (!ASSET.test(f)) continue;
      const target = path.join(outDir, path.relative(root, f));
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(f, target);
      assets++;
    }
  }
  writeFileSync(path.join(outDir, STAMP), `${new Date().toISOString()}\n`);
  process.stderr.write(`[lwtwin] built ${path.relative(root, outDir) || outDir} (${assets} assets) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out-dir');
  process.exit(build(i > 0 ? path.resolve(process.argv[i + 1]) : undefined));
}
