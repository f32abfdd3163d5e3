/**
 * Scenario `query` (Azure IoT Hub query language doc): twins loaded directly through the twin store (twin-store.ts `loadTwins`: 100 plants,
 * ~11 reported leaves each), then through `POST /api/query` of a server on the same prefix: a tag-equality query (1 %
 * match, the tag index), a reported-property range query (~10 % match, the numeric range index) and the same range
 * OR-ed with a tag condition (no hint: a scan of every twin). Time = every page of the answer at the largest page size
 * (1000), first page shown too. Each timed pass is one run. The server indexes the default paths (tags, desired) and
 * the battery level the range query reads (`--twin-range-index`); the loader's store writes with the same list.
 */
import { Redis } from 'ioredis';
import { request } from 'undici';
import { RedisKeys } from '../../../server/store/keys.ts';
import { canonicalPaths, DEFAULT_RANGE_INDEX_PATHS } from '../../../server/twin/range-index-paths.ts';
import { RedisTwinStore } from '../../../server/twin/redis-twin-store.ts';
import { figure, type BenchContext, type Figure, type ScenarioResult } from '../bench-types.ts';
import { withServer } from '../server-session.ts';
import { median } from '../stats.ts';
import { TARGETS } from '../targets.ts';
import { loadTwins } from '../twin-store.ts';

/** `--twin-range-index` of the server: the default plus the reported leaf the range query reads. */
const INDEXED_PATHS = canonicalPaths([...DEFAULT_RANGE_INDEX_PATHS, 'properties.reported.device.batteryLevel']);

const QUERIES = [
  { name: 'tag equality', text: "SELECT * FROM devices WHERE tags.location.plant = 'P42'", targeted: true },
  { name: 'reported range', text: 'SELECT * FROM devices WHERE properties.reported.device.batteryLevel < 10', targeted: true },
  // the scan path of predicates no index serves (OR, functions): measured, no target
  { name: 'unindexed scan (range OR tag)', text: "SELECT * FROM devices WHERE properties.reported.device.batteryLevel < 10 OR tags.location.plant = 'none'", targeted: false },
] as const;

interface QueryPass {
  allPagesMs: number;
  firstPageMs: number;
  pages: number;
  matches: number;
}

async function timeQuery(httpUrl: string, token: string, text: string): Promise<QueryPass> {
  const t0 = performance.now();
  let firstPageMs = NaN;
  let continuationToken: string | undefined;
  let matches = 0;
  let pages = 0;
  do {
    const res = await request(`${httpUrl}/api/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: text, pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) }),
    });
    const body = (await res.body.json()) as { items?: unknown[]; continuationToken?: string; message?: string };
    if (res.statusCode !== 200) throw new Error(`POST /api/query answered ${res.statusCode}: ${body.message ?? ''}`);
    if (pages === 0) firstPageMs = performance.now() - t0;
    pages++;
    matches += body.items?.length ?? 0;
    continuationToken = body.continuationToken;
  } while (continuationToken);
  return { allPagesMs: performance.now() - t0, firstPageMs, pages, matches };
}

export async function queryScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const figures: Figure[] = [];
  const notes: string[] = [];
  const sizes = [...ctx.sizes.query.twins].sort((a, b) => a - b);
  const passes = Math.max(ctx.runs, ctx.sizes.query.passes);
  // One server and one prefix: the twins are loaded incrementally, each size measured once it is reached.
  ctx.log(`  query: numeric range index on ${INDEXED_PATHS.join(', ')}`);
  const details = await withServer(ctx, 'query', ['--twin-range-index', INDEXED_PATHS.join(',')], async ({ server, prefix }) => {
    const redis = new Redis(ctx.redisUrl);
    const store = new RedisTwinStore({ redis, keys: new RedisKeys(prefix), rangeIndex: INDEXED_PATHS });
    const out = [];
    try {
      let loaded = 0;
      for (const twins of sizes) {
        const tLoad = performance.now();
        await loadTwins(store, twins, 500, loaded);
        loaded = twins;
        const loadSeconds = (performance.now() - tLoad) / 1000;
        const perQuery = [];
        for (const q of QUERIES) {
          if (loaded === sizes[0]) await timeQuery(server.httpUrl, server.token, q.text); // warm-up, at the smallest size only
          const runs: QueryPass[] = [];
          for (let i = 0; i < passes; i++) runs.push(await timeQuery(server.httpUrl, server.token, q.text));
          perQuery.push({ ...q, runs });
        }
        const size = `${twins.toLocaleString('en-US')} twins`;
        ctx.log(`  query over ${size}: loaded in ${loadSeconds.toFixed(1)} s; ${perQuery.map((q) => `${q.name} ${median(q.runs.map((r) => r.allPagesMs)).toFixed(0)} ms`).join(', ')}`);
        for (const q of perQuery) {
          const all = q.runs.map((r) => r.allPagesMs);
          const first = q.runs.map((r) => r.firstPageMs);
          figures.push(
            figure('query', `${q.name} query, all ${q.runs[0].matches.toLocaleString('en-US')} matches in ${q.runs[0].pages} page(s) (${size})`, 'ms', all, median(all), ...(q.targeted ? [TARGETS.queryMs] : [])),
            figure('query', `${q.name} query, first page (${size})`, 'ms', first, median(first)),
          );
        }
        out.push({ twins, loadSeconds, indexedPaths: INDEXED_PATHS, queries: perQuery });
      }
    } finally {
      await store.close().catch(() => undefined);
      redis.disconnect();
    }
    return out;
  });
  notes.push(
    'Through POST /api/query of a server process (HTTP included), page size 1000, every page fetched; twins written directly through RedisTwinStore.',
    `Numeric range index on ${INDEXED_PATHS.join(', ')} (--twin-range-index ${INDEXED_PATHS.join(',')}).`,
  );
  return { name: 'query', figures, details, notes, seconds: (performance.now() - t0) / 1000 };
}
