import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../../server/query/evaluate.ts';
import {
  ContinuationCodec,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  compareDeviceIds,
  resolvePageSize,
  runQueryPage,
} from '../../../server/query/paging.ts';
import { isQueryError } from '../../../server/query/query-error.ts';
import { generateTwins } from './twin-fixtures.ts';

const TWINS = generateTwins(2_500, 3);

function expectCode(fn: () => unknown, code: string, detail?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isQueryError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (detail) expect((e as Error).message).toMatch(detail);
    return;
  }
  throw new Error('expected a QueryError');
}

/** Follows continuations to the end; returns every page. */
function allPages(text: string, pageSize: unknown, twins: object[] = TWINS, codec?: ContinuationCodec) {
  const q = compileQuery(text);
  const pages = [];
  let continuation: string | undefined;
  do {
    const page = runQueryPage(q, twins, { pageSize, continuation, codec });
    pages.push(page);
    continuation = page.continuation;
  } while (continuation !== undefined && pages.length < 1000);
  return pages;
}

describe('resolvePageSize', () => {
  it('defaults to 100, caps at 1000 and accepts header strings', () => {
    expect(resolvePageSize()).toBe(DEFAULT_PAGE_SIZE);
    expect(DEFAULT_PAGE_SIZE).toBe(100);
    expect(resolvePageSize(null)).toBe(100);
    expect(resolvePageSize('')).toBe(100);
    expect(resolvePageSize(1)).toBe(1);
    expect(resolvePageSize('250')).toBe(250);
    expect(resolvePageSize(5000)).toBe(MAX_PAGE_SIZE);
    expect(MAX_PAGE_SIZE).toBe(1000);
  });

  it('rejects anything but a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, 'abc', '1e3', '-5', {}, true]) expectCode(() => resolvePageSize(bad), 'QUERY_BAD_PAGE_SIZE');
  });
});

describe('runQueryPage', () => {
  it('returns every match exactly once, in deviceId order, across pages', () => {
    const text = "SELECT * FROM devices WHERE status = 'enabled'";
    const pages = allPages(text, 100);
    const ids = pages.flatMap((p) => p.items.map((t) => t.deviceId as string));
    const expected = TWINS.filter((t) => t.status === 'enabled').map((t) => t.deviceId);
    expect(ids).toEqual(expected);
    expect(pages.slice(0, -1).every((p) => p.items.length === 100 && p.continuation !== undefined)).toBe(true);
    expect(pages[pages.length - 1].continuation).toBeUndefined();
    expect(pages[pages.length - 1].items.length).toBeGreaterThan(0); // no empty trailing page
  });

  it('uses the default page size and projects columns', () => {
    const q = compileQuery('SELECT deviceId, version AS v FROM devices');
    const page = runQueryPage(q, TWINS);
    expect(page.items.length).toBe(100);
    expect(page.items[0]).toEqual({ deviceId: TWINS[0].deviceId, v: TWINS[0].version });
  });

  it('enforces TOP across pages', () => {
    const pages = allPages('SELECT TOP 250 deviceId FROM devices', 100);
    expect(pages.map((p) => p.items.length)).toEqual([100, 100, 50]);
    expect(pages[2].continuation).toBeUndefined();
    expect(allPages('SELECT TOP 200 deviceId FROM devices', 100).map((p) => p.items.length)).toEqual([100, 100]);
    expect(allPages('SELECT TOP 0 deviceId FROM devices', 100).map((p) => p.items.length)).toEqual([0]);
  });

  it('resumes after the last deviceId, so inserts and deletes between pages shift nothing', () => {
    const q = compileQuery('SELECT deviceId FROM devices');
    const first = runQueryPage(q, TWINS, { pageSize: 10 });
    const changed = [...TWINS.slice(0, 5), ...TWINS.slice(12)]; // delete d…5–d…11 (the last five of page 1 and two after)
    const second = runQueryPage(q, changed, { pageSize: 10, continuation: first.continuation });
    expect(second.items[0].deviceId).toBe(TWINS[12].deviceId);
  });

  it('pages aggregate rows by offset', () => {
    const text = 'SELECT properties.reported.device.batteryLevel AS b, COUNT() AS n FROM devices GROUP BY properties.reported.device.batteryLevel';
    const all = compileQuery(text).aggregate(TWINS);
    expect(all.length).toBeGreaterThan(100);
    const pages = allPages(text, 40);
    expect(pages.flatMap((p) => p.items)).toEqual(all);
    expect(pages.length).toBe(Math.ceil(all.length / 40));
  });

  it('ignores twins without a string deviceId and needs twins sorted by compareDeviceIds', () => {
    const q = compileQuery('SELECT * FROM devices');
    expect(runQueryPage(q, [{ version: 1 }, { deviceId: 5 }, { deviceId: 'a' }]).items).toEqual([{ deviceId: 'a' }]);
    expect(['b', 'a', 'B', 'é', 'aa'].sort(compareDeviceIds)).toEqual(['B', 'a', 'aa', 'b', 'é']);
  });
});

describe('continuation tokens', () => {
  const q = compileQuery('SELECT * FROM devices');
  const token = runQueryPage(q, TWINS, { pageSize: 5 }).continuation!;

  it('are opaque base64url with a MAC and decode to the last deviceId', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const codec = new ContinuationCodec();
    expect(codec.decode(q, token)).toEqual({ after: TWINS[4].deviceId, returned: 5 });
  });

  it('are accepted for the same query written differently', () => {
    const same = compileQuery('select *   from DEVICES');
    expect(runQueryPage(same, TWINS, { pageSize: 5, continuation: token }).items[0].deviceId).toBe(TWINS[5].deviceId);
  });

  it('are rejected for another query', () => {
    const other = compileQuery("SELECT * FROM devices WHERE status = 'enabled'");
    expectCode(() => runQueryPage(other, TWINS, { continuation: token }), 'QUERY_BAD_CONTINUATION', /another query/);
  });

  it('are rejected when tampered with', () => {
    const [payload, mac] = token.split('.');
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...body, a: 'zzz' })).toString('base64url');
    expectCode(() => runQueryPage(q, TWINS, { continuation: `${forged}.${mac}` }), 'QUERY_BAD_CONTINUATION', /altered/);
    const flipped = token.slice(0, 3) + (token[3] === 'A' ? 'B' : 'A') + token.slice(4);
    expectCode(() => runQueryPage(q, TWINS, { continuation: flipped }), 'QUERY_BAD_CONTINUATION');
    for (const junk of ['x', 'a.b', '...', token + 'x', token.replace('.', ''), '😀'.repeat(10), 'A'.repeat(5000)]) {
      expectCode(() => runQueryPage(q, TWINS, { continuation: junk }), 'QUERY_BAD_CONTINUATION');
    }
  });

  it('are rejected when signed with another secret, and accepted with the same one', () => {
    const a = new ContinuationCodec('secret-a');
    const b = new ContinuationCodec('secret-b');
    const t = a.encode(q, { after: 'd000001', returned: 2 });
    expect(new ContinuationCodec('secret-a').decode(q, t)).toEqual({ after: 'd000001', returned: 2 });
    expectCode(() => b.decode(q, t), 'QUERY_BAD_CONTINUATION', /altered/);
    expectCode(() => new ContinuationCodec().decode(q, t), 'QUERY_BAD_CONTINUATION');
  });

  it('reject well-signed payloads of the wrong shape', () => {
    const codec = new ContinuationCodec('k');
    // Signs like the documented token format: base64url JSON, '.', first 22 chars of base64url HMAC-SHA256.
    const sign = (body: unknown) => {
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `${payload}.${createHmac('sha256', 'k').update(payload).digest('base64url').slice(0, 22)}`;
    };
    expect(codec.decode(q, sign({ v: 1, q: q.hash, n: 0 }))).toEqual({ returned: 0 });
    for (const body of [[1], 'str', { v: 2, q: q.hash, n: 0 }, { v: 1, q: q.hash, n: -1 }, { v: 1, q: q.hash, n: 1.5 }, { v: 1, q: q.hash, n: 0, a: 5 }]) {
      expectCode(() => codec.decode(q, sign(body)), 'QUERY_BAD_CONTINUATION');
    }
  });
});
