import { LRUCache } from 'lru-cache';
import type { LoadedPackage, PackageSources } from './package-source.ts';

const CACHE_TTL_MS = 10 * 60 * 1000;

/**
 * Loads firmware packages for push updates (Package /5/0/0 of the Firmware Update object) through the confining
 * {@link PackageSources}. Packages are cached per process for 10 minutes and concurrent loads of one source share one
 * read, so a fleet job reads or fetches a package once per server. Failures are `PACKAGE_UNAVAILABLE`.
 */
export class PackageLoader {
  private readonly cache: LRUCache<string, LoadedPackage>;
  private readonly loading = new Map<string, Promise<LoadedPackage>>();

  constructor(
    private readonly sources: PackageSources,
    maxBytes: number,
  ) {
    this.cache = new LRUCache<string, LoadedPackage>({ maxSize: maxBytes * 2, sizeCalculation: (p) => Math.max(1, p.size), ttl: CACHE_TTL_MS });
  }

  load(source: string, signal?: AbortSignal): Promise<LoadedPackage> {
    const cached = this.cache.get(source);
    if (cached) return Promise.resolve(cached);
    let pending = this.loading.get(source);
    if (!pending) {
      pending = this.sources
        .load(source, signal)
        .then((loaded) => {
          this.cache.set(source, loaded);
          return loaded;
        })
        .finally(() => this.loading.delete(source));
      this.loading.set(source, pending);
    }
    return pending;
  }
}
