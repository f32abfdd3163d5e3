/** Twin documents for query tests (Azure IoT Hub device twins doc shape, property names as in docs/twin-model.md). */

export const DEV1 = {
  deviceId: 'dev1',
  etag: 'W/"7"',
  version: 7,
  status: 'enabled',
  connectionState: 'connected',
  lastActivityTime: '2026-11-25T10:00:00.000Z',
  tags: { location: { plant: 'Redmond43', region: 'us' }, owner: null, labels: ['a', 'b'], flags: { beta: true } },
  properties: {
    desired: {
      device: { timezone: 'Europe/Paris' },
      $metadata: { $lastUpdated: '2026-11-25T09:00:00.000Z', $lastUpdatedVersion: 3 },
      $version: 3,
    },
    reported: {
      device: { batteryLevel: 55, manufacturer: 'Acme Corp', availablePowerSources: { '0': 1, '1': 5 } },
      connectivityMonitoring: { networkBearer: 6 },
      temperature: { '0': { sensorValue: 21.5 }, '1': { sensorValue: 30 } },
      '31024': { '10': { '1': 7 } },
      $metadata: { $lastUpdated: '2026-11-25T10:00:00.000Z' },
      $version: 9,
    },
  },
};

export const DEV2 = {
  deviceId: 'dev2',
  etag: 'W/"2"',
  version: 2,
  status: 'disabled',
  connectionState: 'disconnected',
  lastActivityTime: '2026-11-24T08:00:00.000Z',
  tags: { location: { plant: 'Paris12', region: 'eu' } },
  properties: {
    desired: { $metadata: {}, $version: 1 },
    reported: {
      device: { batteryLevel: '80' },
      connectivityMonitoring: { networkBearer: 0 },
      $metadata: {},
      $version: 4,
    },
  },
};

/** A twin with almost nothing in it. */
export const DEV3 = {
  deviceId: 'dev3',
  etag: 'W/"1"',
  version: 1,
  status: 'enabled',
  connectionState: 'connected',
  tags: {},
  properties: { desired: { $version: 1 }, reported: { $version: 1 } },
};

export const TWINS = [DEV1, DEV2, DEV3];

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PLANTS = ['Redmond43', 'Paris12', 'Austin7', 'Osaka3'];
export const STATUSES = ['enabled', 'disabled'];
export const BEARERS = [0, 1, 6, 7];

export interface GeneratedTwin {
  deviceId: string;
  version: number;
  status: string;
  connectionState: string;
  tags: { location?: { plant: string; region: string }; level?: number | string };
  properties: { desired: Record<string, unknown>; reported: Record<string, any> };
}

/** `count` varied twins, sorted by deviceId; some miss properties, some hold the wrong type. */
export function generateTwins(count: number, seed = 7): GeneratedTwin[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const twins: GeneratedTwin[] = [];
  for (let i = 0; i < count; i++) {
    const reported: Record<string, any> = { $version: 1 + Math.floor(r() * 9) };
    const roll = r();
    if (roll < 0.8) reported.device = { batteryLevel: Math.floor(r() * 101) };
    else if (roll < 0.9) reported.device = { batteryLevel: String(Math.floor(r() * 101)) };
    if (r() < 0.95) reported.connectivityMonitoring = { networkBearer: pick(BEARERS) };
    const tags: GeneratedTwin['tags'] = {};
    if (r() < 0.9) tags.location = { plant: pick(PLANTS), region: pick(['US', 'eu']) };
    if (r() < 0.5) tags.level = r() < 0.8 ? Math.floor(r() * 10) : 'high';
    twins.push({
      deviceId: `d${String(i).padStart(6, '0')}`,
      version: 1 + Math.floor(r() * 100),
      status: pick(STATUSES),
      connectionState: r() < 0.5 ? 'connected' : 'disconnected',
      tags,
      properties: { desired: { $version: 1 }, reported },
    });
  }
  return twins;
}
