import { readFile, stat } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { JobError } from '../job-error.ts';

const CACHE_TTL_MS = 10 * 60 * 1000;

/**
 * Loads firmware packages for push updates (OMA registry object 5 Firmware Update, Package /5/0/0): a local file or an http(s) URL, at most
 * `maxBytes`. Bytes are cached per process for 10 minutes and concurrent loads of one source share one read, so a
 * fleet job fetches a package once per server. Failures are `PACKAGE_UNAVAILABLE`.
 */
export class PackageLoader {
  private readonly cache: LRUCache<string, Uint8Array>;
  private readonly loading = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly maxBytes: number) {
    this.cache = new LRUCache<string, Uint8Array>({ maxSize: maxBytes * 2, sizeCalculation: (b) => Math.max(1, b.byteLength), ttl: CACHE_TTL_MS });
  }

  load(source: string, signal?: AbortSignal): Promise<Uint8Array> {
    const cached = this.cache.get(source);
    if (cached) return Promise.resolve(cached);
    let pending = this.loading.get(source);
    if (!pending) {
      pending = (/^https?:\/\//i.test(source) ? this.fetch(source, signal) : this.readFile(source))
        .then((bytes) => {
          this.cache.set(source, bytes);
          return bytes;
        })
        .finally(() => this.loading.delete(source));
      this.loading.set(source, pending);
    }
    return pending;
  }

  private async readFile(file: string): Promise<Uint8Array> {
    try {
      const info = await stat(file);
      if (info.size > this.maxBytes) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${file} has ${info.size} bytes; the limit is ${this.maxBytes}`);
      const bytes = await readFile(file);
      if (bytes.byteLength === 0) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${file} is empty`);
      return bytes;
    } catch (err) {
      if (err instanceof JobError) throw err;
      throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
  }

  private async fetch(url: string, signal?: AbortSignal): Promise<Uint8Array> {
    let response: Response;
    try {
      response = await fetch(url, signal ? { signal } : {});
    } catch (err) {
      throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${url} cannot be fetched: ${(err as Error).message}`, { cause: err });
    }
    if (!response.ok || !response.body) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${url} answered HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > this.maxBytes) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${url} has ${declared} bytes; the limit is ${this.maxBytes}`);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > this.maxBytes) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${url} is larger than the limit of ${this.maxBytes} bytes`);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof JobError) throw err;
      throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${url} could not be downloaded: ${(err as Error).message}`, { cause: err });
    }
    if (size === 0) throw new JobError('PACKAGE_UNAVAILABLE', `firmware package ${url} is empty`);
    return Buffer.concat(chunks);
  }
}
