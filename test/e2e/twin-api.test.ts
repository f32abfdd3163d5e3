import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../scripts/cli/api-client.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { Redis } from 'ioredis';
import { indexShard, RedisKeys } from '../../server/store/keys.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { eventually, OPERATOR_TOKEN, READER_TOKEN, startTestServer, type TestServer } from '../helpers/server.ts';

async function status(p: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await p;
    return { status: 200, body: undefined };
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, body: err.body };
    throw err;
  }
}

describe('end to end: twins over the HTTP API with simulated devices', () => {
  let t: TestServer;
  let sim: LocalSimulatorHandle;
  const reported = async (ep: string, prop: string) => t.api.get(`/api/devices/${ep}/properties/${encodeURIComponent(prop)}`);

  beforeAll(async () => {
    // the numeric range index on tags, desired and one reported leaf (the default indexes no reported leaf)
    t = await startTestServer({ twinRangeIndex: ['properties.desired', 'properties.reported.device.batteryLevel', 'tags'] });
    sim = startSimulator({ count: 4, server: t.coap, prefix: 'tw-', seed: 3, tickMs: 150, lifetime: 60, coapParams: { ackTimeoutMs: 300 } });
    await sim.ready;
    await eventually(async () => (await status(reported('tw-3', 'connectivityMonitoring.networkBearer'))).status === 200, 'observations of every device');
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.stop();
  });

  it('keeps reported values fresh: a changing value reaches the twin with a newer $lastUpdated', async () => {
    const first = await reported('tw-0', 'device.batteryLevel');
    expect(first.source).toBe('notify');
    const later = await eventually(async () => {
      const r = await reported('tw-0', '/3/0/9');
      return Date.parse(r.lastUpdated) > Date.parse(first.lastUpdated) ? r : undefined;
    }, 'a newer battery notification');
    expect(later.property).toBe('device.batteryLevel');
    expect(typeof later.value).toBe('number');
  });

  it('serves shallow reads by name and by path, 404 for an unknown device, 400 for an unknown property', async () => {
    const byName = await reported('tw-1', 'connectivityMonitoring.networkBearer');
    const byPath = await reported('tw-1', '/4/0/0');
    expect(byPath.value).toBe(byName.value);
    expect((await status(reported('nope', 'device.batteryLevel'))).status).toBe(404);
    const bad = await status(reported('tw-1', 'device.noSuchThing'));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('noSuchThing');
  });

  it('patches tags and desired with etags: a stale If-Match gets 412 and changes nothing', async () => {
    // The etag covers the whole twin, so a chatty device's notifications move it: read-modify-write retries on 412.
    const twin = await t.api.get('/api/devices/tw-1/twin');
    let patched: any;
    for (let attempt = 0; attempt < 20 && !patched; attempt++) {
      const current = await t.api.get('/api/devices/tw-1/twin');
      const r = await t.api.patch('/api/devices/tw-1/twin', { tags: { location: { plant: 'P1', region: 'r1' } } }, { 'if-match': current.etag }).catch((e: ApiError) => {
        if (e.status !== 412) throw e;
        return undefined;
      });
      patched = r;
    }
    expect(patched.tags.location.plant).toBe('P1');
    expect(patched.version).toBeGreaterThan(twin.version);
    const stale = await status(t.api.patch('/api/devices/tw-1/twin', { tags: { location: { plant: 'P2' } } }, { 'if-match': twin.etag }));
    expect(stale.status).toBe(412);
    expect((await t.api.get('/api/devices/tw-1/twin')).tags.location.plant).toBe('P1');
    const removed = await t.api.patch('/api/devices/tw-1/twin', { tags: { location: { region: null } } });
    expect(removed.tags.location).toEqual({ plant: 'P1' });
  });

  it('refuses arrays, bad keys, reported patches and bad JSON with 400 naming the key', async () => {
    const cases: Array<[unknown, string]> = [
      [{ tags: { list: [1, 2] } }, 'tags.list'],
      [{ tags: { 'a.b': 1 } }, 'a.b'],
      [{ tags: { $x: 1 } }, '$x'],
      [{ tags: { 'has space': 1 } }, 'has space'],
      [{ properties: { desired: { 'ctl\u0001': 1 } } }, 'ctl'],
      [{ properties: { reported: { x: 1 } } }, 'reported'],
    ];
    for (const [body, named] of cases) {
      const r = await status(t.api.patch('/api/devices/tw-2/twin', body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.message).toContain(named);
    }
    const deep: Record<string, unknown> = {};
    let node = deep;
    for (let i = 0; i < 11; i++) node = (node[`k${i}`] = {}) as Record<string, unknown>;
    expect((await status(t.api.patch('/api/devices/tw-2/twin', { tags: deep }))).status).toBe(400);
    const res = await fetch(`${t.server.httpUrl}/api/devices/tw-2/twin`, { method: 'PATCH', headers: { authorization: `Bearer ${(t.api as any).token}`, 'content-type': 'application/json' }, body: '{"tags": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBeTruthy();
  });

  it('writes a desired property that maps to a writable resource to the device; the twin records the outcome', async () => {
    await t.api.patch('/api/devices/tw-2/twin', { properties: { desired: { device: { timezone: 'Asia/Tokyo' }, service: { owner: 'ops' } } } });
    const twin = await eventually(async () => {
      const tw = await t.api.get('/api/devices/tw-2/twin');
      return tw.desiredSync?.['device.timezone']?.status === 'accepted' ? tw : undefined;
    }, 'desired timezone accepted by the device');
    expect(twin.desiredSync['service.owner']).toBeUndefined(); // a service property is never synced
    const value = await eventually(async () => {
      const r = await reported('tw-2', 'device.timezone');
      return r.value === 'Asia/Tokyo' ? r : undefined;
    }, 'reported timezone after the notification');
    expect(value.source).toBe('notify');
  });

  it('queries by tag and reported property, with paging', async () => {
    for (const ep of ['tw-0', 'tw-2', 'tw-3']) await t.api.patch(`/api/devices/${ep}/twin`, { tags: { fleet: 'q' } });
    const bearer = (await reported('tw-0', 'connectivityMonitoring.networkBearer')).value;
    const all = await t.api.post('/api/query', { query: `SELECT * FROM devices WHERE tags.fleet = 'q'` });
    expect(all.items.map((i: any) => i.deviceId)).toEqual(['tw-0', 'tw-2', 'tw-3']);
    const narrowed = await t.api.post('/api/query', { query: `SELECT * FROM devices WHERE tags.fleet = 'q' AND properties.reported.connectivityMonitoring.networkBearer = ${bearer}` });
    expect(narrowed.items.map((i: any) => i.deviceId)).toContain('tw-0');
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await t.api.post('/api/query', { query: `SELECT deviceId FROM devices WHERE tags.fleet = 'q'`, pageSize: 1, ...(token ? { continuationToken: token } : {}) });
      seen.push(...page.items.map((i: any) => i.deviceId));
      token = page.continuationToken;
    } while (token);
    expect(seen).toEqual(['tw-0', 'tw-2', 'tw-3']);
    const count = await t.api.post('/api/query', { query: `SELECT COUNT() AS n FROM devices WHERE tags.fleet = 'q'` });
    expect(count.items).toEqual([{ n: 3 }]);
    const bad = await status(t.api.post('/api/query', { query: `SELECT * FROM devices WHERE tags.fleet = ` }));
    expect(bad.status).toBe(400);
    expect(bad.body.details.position).toBeGreaterThan(30);
  });

  it('answers range queries on numeric reported values and tags, paging through the numeric range index where it covers the path', async () => {
    const battery = 'properties.reported.device.batteryLevel';
    const bearer = 'properties.reported.connectivityMonitoring.networkBearer'; // a number on every device, not indexed
    const query = async (text: string, pageSize: number) => {
      const rows: any[] = [];
      let token: string | undefined;
      do {
        const page = await t.api.post('/api/query', { query: text, pageSize, ...(token ? { continuationToken: token } : {}) });
        rows.push(...page.items);
        token = page.continuationToken;
      } while (token);
      return rows;
    };
    // the server marked the index ready at start-up and indexes the devices' numbers as they report them
    const redis = new Redis(testRedisUrl());
    const keys = new RedisKeys(t.config.redisPrefix);
    try {
      const mark = 'properties.desired,properties.reported.device.batteryLevel,tags';
      await eventually(async () => (await redis.get(keys.twinNumberIndexState())) === mark, 'the numeric range index marked ready for its paths');
      expect(await redis.zcard(keys.twinNumberIndex(indexShard('tw-1'), battery))).toBeGreaterThan(0);
      expect(await redis.exists(keys.twinNumberIndex(indexShard('tw-1'), bearer))).toBe(0);
    } finally {
      await redis.quit();
    }
    const all = await query(`SELECT deviceId, ${battery} AS b FROM devices WHERE ${battery} >= 0 AND ${battery} <= 100`, 1);
    expect(all.map((r) => r.deviceId)).toEqual(['tw-0', 'tw-1', 'tw-2', 'tw-3']);
    for (const r of all) expect(typeof r.b).toBe('number');
    expect(await query(`SELECT deviceId FROM devices WHERE ${battery} < 0`, 10)).toEqual([]);
    // a path the index does not cover: a scan, same answers
    expect((await query(`SELECT deviceId FROM devices WHERE ${bearer} >= 0`, 1)).map((r) => r.deviceId)).toEqual(['tw-0', 'tw-1', 'tw-2', 'tw-3']);
    expect(await query(`SELECT deviceId FROM devices WHERE ${bearer} < 0`, 10)).toEqual([]);
    for (const [i, ep] of ['tw-0', 'tw-1', 'tw-2', 'tw-3'].entries()) await t.api.patch(`/api/devices/${ep}/twin`, { tags: { rank: i * 1.5 - 1 } });
    expect((await query('SELECT deviceId FROM devices WHERE tags.rank > 0.5', 1)).map((r) => r.deviceId)).toEqual(['tw-2', 'tw-3']);
    expect((await query('SELECT deviceId FROM devices WHERE tags.rank <= 0.5 AND tags.rank >= -1', 1)).map((r) => r.deviceId)).toEqual(['tw-0', 'tw-1']);
    await t.api.patch('/api/devices/tw-3/twin', { tags: { rank: null } });
    expect((await query('SELECT deviceId FROM devices WHERE tags.rank > 0.5', 1)).map((r) => r.deviceId)).toEqual(['tw-2']);
    const bad = await status(t.api.post('/api/query', { query: `SELECT * FROM devices WHERE ${battery} < ` }));
    expect(bad.status).toBe(400);
  });

  it('enforces bearer tokens and roles: 401 without a valid token, 403 with too weak a role', async () => {
    const anon = new ApiClient(t.server.httpUrl);
    expect((await status(anon.get('/api/devices'))).status).toBe(401);
    expect((await status(new ApiClient(t.server.httpUrl, 'wrong-token-wrong-token').get('/api/devices'))).status).toBe(401);
    const reader = new ApiClient(t.server.httpUrl, READER_TOKEN);
    expect((await reader.get('/api/devices')).items.length).toBe(4);
    expect((await status(reader.patch('/api/devices/tw-0/twin', { tags: { a: 1 } }))).status).toBe(403);
    const operator = new ApiClient(t.server.httpUrl, OPERATOR_TOKEN);
    expect((await operator.patch('/api/devices/tw-0/twin', { tags: { a: 1 } })).tags.a).toBe(1);
  });

  it('serves health, metrics and the OpenAPI document; unknown routes and devices get 404', async () => {
    const health = await new ApiClient(t.server.httpUrl).get('/api/health');
    expect(health).toEqual({ status: 'ok', redis: 'ok', devices: 4 });
    // Two reads in a row hit the cache unless a notification invalidated the device in between (devices tick every 150 ms).
    const metrics = await eventually(async () => {
      await reported('tw-1', '/4/0/0');
      await reported('tw-1', '/4/0/0');
      const text = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
      return /lwtwin_twin_cache_total\{result="hit"\} [1-9]\d*/.test(text) ? text : undefined;
    }, 'a shallow read served from the cache');
    expect(metrics).toMatch(/lwtwin_notifications_total\{outcome="accepted"\} \d+/);
    expect(metrics).toContain('lwtwin_devices_registered 4');
    expect(metrics).toMatch(/lwtwin_twin_cache_total\{result="hit"\} [1-9]\d*/);
    const docs = await t.api.get('/api/docs');
    expect(docs.openapi).toMatch(/^3\./);
    expect(Object.keys(docs.paths)).toContain('/api/devices/{ep}/twin');
    expect((await status(t.api.get('/api/devices/ghost'))).status).toBe(404);
    expect((await status(t.api.get('/api/devices/ghost/twin'))).status).toBe(404);
    expect((await status(t.api.get('/api/nothing'))).status).toBe(404);
  });
});
