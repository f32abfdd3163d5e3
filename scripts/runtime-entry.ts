import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** How to start a module in a child process: its file and the Node arguments it needs. */
export interface ModuleEntry {
  readonly file: string;
  readonly execArgv: readonly string[];
}

/**
 * The module `relative` (written with its `.ts` name, e.g. `'./worker.ts'`) next to the module at `fromUrl`
 * (`import.meta.url`), in the form the caller itself runs as: compiled JavaScript in dist/ needs plain Node and the
 * `.js` file; TypeScript sources (development, tests) need tsx's loader.
 */
export function siblingModule(fromUrl: string, relative: string): ModuleEntry {
  const compiled = fromUrl.endsWith('.js');
  const file = path.resolve(path.dirname(fileURLToPath(fromUrl)), compiled ? relative.replace(/\.ts$/, '.js') : relative);
  return { file, execArgv: compiled ? [] : ['--import', tsxLoaderUrl()] };
}

/** The tsx loader as a file URL, so child processes run TypeScript whatever their working directory. */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}
