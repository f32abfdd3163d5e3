// The bounds on per-device state follow from --max-devices, report their use in /metrics, and are never hit
// silently: a device whose observation the full bound refused says so in its twin, is counted, and is observed once
// room is made. Real UDP, simulated devices, real Redis.
import { afterAll, describe, expect, it } from 'vitest';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { loadConfig } from '../../server/config.ts';
import { nodeBounds } from '../../server/node-bounds.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

const metric = (text: string, name: string, labels: string): number => {
  const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ''} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
};

describe('node bounds', () => {
  it('are sized from --max-devices: observations per device for each observed object plus one, caches one entry per device', () => {
    const cfg = loadConfig({ 'max-devices': '2500', 'observe-objects': '3,4' }, {});
    expect(nodeBounds(cfg)).toMatchObject({ maxDevices: 2500, maxObservations: 7500, twinCacheEntries: 2500, registrationCacheEntries: 2500 });
    expect(nodeBounds(loadConfig({ 'max-devices': '2500', 'cache-size': '10' }, {})).twinCacheEntries).toBe(10);
    expect(() => loadConfig({ 'max-devices': '0' }, {})).toThrow(/--max-devices/);
  });

  describe('a full observation bound', () => {
    let t: TestServer | undefined;
    const sims: LocalSimulatorHandle[] = [];
    afterAll(async () => {
      for (const s of sims) await s.stop().catch(() => undefined);
      await t?.stop();
    });

    it('shows in the refused device twin and in /metrics, and the device is observed once room is made', async () => {
      // 2 devices x (1 observed object + 1) = 4 observations: four devices fill the bound, the fifth is refused.
      t = await startTestServer({ maxDevices: 2, cacheSize: 2, observeObjects: [3], observeRetrySec: 1 });
      const server = { address: '127.0.0.1', port: t.coap.port };
      const api = t.api;
      const first = startSimulator({ count: 4, server, prefix: 'nb-a', seed: 3, tickMs: 60_000, lifetime: 600 });
      sims.push(first);
      await first.ready;
      for (let i = 0; i < 4; i++) await eventually(async () => (await api.get(`/api/devices/nb-a${i}/twin`)).observationState?.['3']?.status === 'observing', `nb-a${i} observed`);

      const late = startSimulator({ count: 1, server, prefix: 'nb-b', seed: 4, tickMs: 60_000, lifetime: 600 });
      sims.push(late);
      await late.ready;
      const refused = await eventually(async () => {
        const s = (await api.get('/api/devices/nb-b0/twin')).observationState?.['3'];
        return s?.status === 'failed' ? s : undefined;
      }, 'the fifth device to show the refusal');
      expect(refused.reason).toMatch(/maxObservations 4/);
      expect(Date.parse(refused.retryAt)).toBeGreaterThan(Date.parse(refused.at));

      const metrics = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
      expect(metric(metrics, 'lwtwin_bound_used', 'bound="coap_observations"')).toBe(4);
      expect(metric(metrics, 'lwtwin_bound_max', 'bound="coap_observations"')).toBe(4);
      expect(metric(metrics, 'lwtwin_bound_max', 'bound="twin_cache"')).toBe(2);
      expect(metric(metrics, 'lwtwin_bound_used', 'bound="devices"')).toBe(5);
      expect(metric(metrics, 'lwtwin_bound_refusals_total', 'bound="observations"')).toBeGreaterThanOrEqual(1);
      expect(metric(metrics, 'lwtwin_observation_setups_total', 'outcome="server_limit"')).toBeGreaterThanOrEqual(1);

      // Room is made (the first four de-register): the retry, with back-off, observes the fifth.
      await first.stop();
      await eventually(async () => (await api.get('/api/devices/nb-b0/twin')).observationState?.['3']?.status === 'observing', 'the fifth device observed after the retry', 15_000, 100);
      const after = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
      expect(metric(after, 'lwtwin_bound_used', 'bound="coap_observations"')).toBe(1);
    }, 60_000);
  });

  describe('observation set-up pacing', () => {
    let t: TestServer | undefined;
    let sim: LocalSimulatorHandle | undefined;
    afterAll(async () => {
      await sim?.stop().catch(() => undefined);
      await t?.stop();
    });

    it('--observe-setup-rate paces what the server starts by itself, not the set-ups a Register asks for', async () => {
      // At one set-up per second, 12 paced set-ups would take 12 s; after Register only the concurrency bounds them.
      t = await startTestServer({ observeObjects: [3], observeSetupRate: 1, observeSetupConcurrency: 4 });
      sim = startSimulator({ count: 12, server: { address: '127.0.0.1', port: t.coap.port }, prefix: 'pace-', seed: 6, tickMs: 60_000, lifetime: 600 });
      await sim.ready;
      const api = t.api;
      await eventually(async () => {
        for (let i = 0; i < 12; i++) if ((await api.get(`/api/devices/pace-${i}/twin`)).observationState?.['3']?.status !== 'observing') return false;
        return true;
      }, 'every device observed well before 12 paced seconds', 8000, 100);
    }, 30_000);

    it('a set-up the per-address request limit holds back resumes when the limiter has room, not after the failure back-off', async () => {
      await sim?.stop();
      await t?.stop();
      // Six devices behind one address need 24 requests (Write-Attributes and Observe of two objects each); the
      // address may get 4 at once and 5 per second. A failure would wait the 60 s retry back-off.
      t = await startTestServer({ observeObjects: [3, 4], downlinkRatePerAddress: 5, downlinkBurst: 4, observeRetrySec: 60 });
      sim = startSimulator({ count: 6, server: { address: '127.0.0.1', port: t.coap.port }, prefix: 'nat-', seed: 7, tickMs: 60_000, lifetime: 600 });
      await sim.ready;
      const api = t.api;
      await eventually(async () => {
        for (let i = 0; i < 6; i++) {
          const state = (await api.get(`/api/devices/nat-${i}/twin`)).observationState ?? {};
          if (state['3']?.status !== 'observing' || state['4']?.status !== 'observing') return false;
        }
        return true;
      }, 'every device behind the one address observed', 20_000, 200);
      const text = await (await fetch(`${t.server.httpUrl}/metrics`)).text();
      expect(metric(text, 'lwtwin_observation_setups_total', 'outcome="deferred"')).toBeGreaterThanOrEqual(1);
      expect(metric(text, 'lwtwin_downlink_refused_total', '')).toBeGreaterThanOrEqual(1);
      expect(text).not.toMatch(/lwtwin_observation_setups_total\{outcome="(refused|unreachable)"\}/);
    }, 40_000);
  });
});
