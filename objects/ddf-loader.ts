import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ObjectModel } from '../protocol/lwm2m/model.ts';
import { parseDdf } from './ddf-parser.ts';
import { ObjectModelError } from './errors.ts';

/** The DDF files shipped with lwtwin (objects 0-7, IPSO 3303, 3304, 3311). */
export const BUNDLED_DDF_DIR: string = fileURLToPath(new URL('./ddf/', import.meta.url));

/** The models of one DDF file, with the file they came from. */
export interface DdfFile {
  readonly file: string;
  readonly models: readonly ObjectModel[];
}

/** Reads and parses one DDF file. Unreadable -> `DDF_READ`; invalid -> `DDF_INVALID`; both name the file. */
export async function loadDdfFile(file: string): Promise<DdfFile> {
  let xml: string;
  try {
    xml = await readFile(file, 'utf8');
  } catch (err) {
    throw new ObjectModelError('DDF_READ', `${file}: cannot read DDF file: ${(err as Error).message}`, { cause: err, file });
  }
  return { file, models: parseDdf(xml, file) };
}

/**
 * Reads every `*.xml` file directly inside `dir`, in file-name order (so the order in which later files override
 * earlier ones is stable). A missing or unreadable directory is a `DDF_READ` error naming it.
 */
export async function loadDdfDirectory(dir: string): Promise<DdfFile[]> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.xml')).map((e) => e.name);
  } catch (err) {
    throw new ObjectModelError('DDF_READ', `${dir}: cannot read DDF directory: ${(err as Error).message}`, { cause: err, file: dir });
  }
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const files: DdfFile[] = [];
  for (const name of names) files.push(await loadDdfFile(join(dir, name)));
  return files;
}
