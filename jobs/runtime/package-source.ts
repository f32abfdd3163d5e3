import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { JobError } from '../job-error.ts';

/** Where firmware packages for push updates may come from. */
export interface PackageSourceOptions {
  /** The only directory local package sources are read from; none: local sources are refused. */
  readonly dir?: string;
  /** Origins (`https://fw.example.com`, `http://127.0.0.1:8000`) package URLs may be fetched from; none: URLs are refused. */
  readonly urlAllow?: readonly string[];
  /** Largest package, bytes. */
  readonly maxBytes: number;
  /** Deadline of one download (connect, redirects refused, body), ms. */
  readonly fetchTimeoutMs: number;
}

/** A package's bytes and what identifies them in the job record. */
export interface LoadedPackage {
  readonly bytes: Uint8Array;
  /** The file's path inside the firmware directory, or the URL. */
  readonly name: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes. */
  readonly sha256: string;
}

/**
 * The one answer to every local source that is not a readable regular file inside the firmware directory — missing,
 * outside, `..`, a symlink leading out, a directory, a device, a FIFO, unreadable — so that a caller learns nothing
 * about which paths exist on the server.
 */
const UNAVAILABLE = 'packageSource is not a readable firmware package in the firmware directory';

/**
 * Confines firmware package sources (OWASP path traversal; CWE-22, CWE-59, CWE-918): a local source is a path
 * relative to the configured directory (or an absolute path / `file:` URL inside it) whose real path, after every
 * symlink, is still inside; it is opened without following a final symlink and without blocking (a FIFO), and must be
 * a regular file. A URL source must be http(s) on an allowed origin; it is fetched with a deadline, without following
 * redirects, and at most `maxBytes` are read.
 */
export class PackageSources {
  private readonly origins: ReadonlySet<string>;
  private realDir: Promise<string> | undefined;

  constructor(private readonly opts: PackageSourceOptions) {
    this.origins = new Set((opts.urlAllow ?? []).map(allowedOrigin));
  }

  /** Whether `source` names a URL (http, https or any other scheme) rather than a file. */
  static isUrl(source: string): boolean {
    return /^[a-z][a-z0-9+.-]*:/i.test(source) && !/^[a-z]:[\\/]/i.test(source) && !/^file:/i.test(source);
  }

  /**
   * Checks a source at submission and returns the form to store with the job: the file's path relative to the
   * firmware directory, or the URL. Files are opened now (and again when the job runs); URLs are fetched when it runs.
   * @throws JobError INVALID_JOB (disallowed URL, no directory configured), PACKAGE_UNAVAILABLE (the generic answer)
   */
  async check(source: string): Promise<string> {
    if (PackageSources.isUrl(source)) return this.checkUrl(source).href;
    const file = await this.openFile(source);
    try {
      this.checkSize(file.stat.size, file.name);
      return file.name;
    } finally {
      await file.handle.close();
    }
  }

  /** Reads the package a job names (see `check`), bounded by size and, for URLs, by time. */
  async load(source: string, signal?: AbortSignal): Promise<LoadedPackage> {
    if (PackageSources.isUrl(source)) return this.fetch(this.checkUrl(source), signal);
    const file = await this.openFile(source);
    try {
      this.checkSize(file.stat.size, file.name);
      const bytes = Buffer.alloc(file.stat.size);
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesRead } = await file.handle.read(bytes, offset, bytes.length - offset, offset);
        if (bytesRead === 0) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${file.name} changed while it was read`);
        offset += bytesRead;
      }
      return identify(bytes, file.name);
    } finally {
      await file.handle.close();
    }
  }

  private checkUrl(source: string): URL {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw new JobError('INVALID_JOB', '"packageSource" is neither a file in the firmware directory nor a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new JobError('INVALID_JOB', `"packageSource" URLs must be http or https, not ${url.protocol.slice(0, -1)}`);
    if (url.username !== '' || url.password !== '') throw new JobError('INVALID_JOB', '"packageSource" URLs must not carry credentials');
    if (!this.origins.has(url.origin)) {
      throw new JobError('INVALID_JOB', `"packageSource" URL origin ${url.origin} is not allowed (allowed origins are configured with --firmware-url-allow)`);
    }
    return url;
  }

  private async openFile(source: string): Promise<{ handle: FileHandle; stat: Stats; name: string }> {
    if (this.opts.dir === undefined) {
      throw new JobError('INVALID_JOB', 'local "packageSource" files are disabled: no firmware directory is configured (--firmware-dir)');
    }
    const unavailable = () => new JobError('PACKAGE_UNAVAILABLE', UNAVAILABLE);
    if (source.includes('\0')) throw unavailable();
    const dir = path.resolve(this.opts.dir);
    let given = source;
    if (/^file:/i.test(source)) {
      try {
        given = decodeURIComponent(new URL(source).pathname);
      } catch {
        throw unavailable();
      }
    }
    const relative = path.isAbsolute(given) ? path.relative(dir, given) : given;
    if (relative === '' || path.isAbsolute(relative) || relative.split(/[\\/]+/).includes('..')) throw unavailable();
    let real: string;
    let realDir: string;
    try {
      realDir = await (this.realDir ??= realpath(dir));
      real = await realpath(path.join(dir, relative));
    } catch {
      this.realDir = undefined;
      throw unavailable();
    }
    const inside = path.relative(realDir, real);
    if (inside === '' || path.isAbsolute(inside) || inside.split(path.sep).includes('..')) throw unavailable();
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: the file must not have become a symlink since realpath; O_NONBLOCK: opening a FIFO must not hang.
      handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch {
      throw unavailable();
    }
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      throw unavailable();
    }
    return { handle, stat, name: inside.split(path.sep).join('/') };
  }

  private checkSize(size: number, name: string): void {
    if (size === 0) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} is empty`);
    if (size > this.opts.maxBytes) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} has ${size} bytes; the limit is ${this.opts.maxBytes}`);
  }

  private async fetch(url: URL, signal?: AbortSignal): Promise<LoadedPackage> {
    const name = url.href;
    const deadline = AbortSignal.timeout(this.opts.fetchTimeoutMs);
    const aborted = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const failed = (what: string, err: unknown) => {
      const reason = deadline.aborted ? `took longer than ${this.opts.fetchTimeoutMs} ms` : `${what}: ${(err as Error).message}`;
      return new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} ${reason}`, { cause: err });
    };
    let response: Response;
    try {
      // A redirect could lead to an origin that is not allowed: refused rather than followed.
      response = await fetch(url, { signal: aborted, redirect: 'error' });
    } catch (err) {
      throw failed('cannot be fetched', err);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > this.opts.maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} has ${declared} bytes; the limit is ${this.opts.maxBytes}`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > this.opts.maxBytes) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} is larger than the limit of ${this.opts.maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof JobError) throw err;
      throw failed('could not be downloaded', err);
    }
    if (size === 0) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${name} is empty`);
    return identify(Buffer.concat(chunks), name);
  }
}

function identify(bytes: Uint8Array, name: string): LoadedPackage {
  return { bytes, name, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** The origin of an allow-list entry; an entry with a path, query or credentials is a mistake worth refusing. */
export function allowedOrigin(entry: string): string {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new TypeError(`firmware URL allow-list entry ${JSON.stringify(entry)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`firmware URL allow-list entry ${JSON.stringify(entry)} must be http or https`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TypeError(`firmware URL allow-list entry ${JSON.stringify(entry)} must be an origin (scheme://host[:port]) without a path`);
  }
  return url.origin;
}
