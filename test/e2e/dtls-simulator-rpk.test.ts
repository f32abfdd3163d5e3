import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spkiDer } from '../../protocol/dtls/keys.ts';
import { startSimulator, type LocalSimulatorHandle } from '../../scripts/simulator/simulator.ts';
import { simulatorRpk } from '../../scripts/simulator/simulator-rpk.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * lwtwin's own device stack over coaps with raw public keys (RFC 7250, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8), as
 * `lwtwin simulate --rpk` runs it: a P-256 pair per device whose public key is provisioned through the API, the
 * server's key (`--dtls-key`) pinned by the devices. Devices register as rpk, are observed over their sessions and
 * notify into the twin; a device whose key is not provisioned, or that pins another server key, registers nothing.
 */
describe('simulated devices over DTLS with raw public keys', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-rpk-sim-'));
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const serverPublicKey = spkiDer(serverKey).toString('base64');
  const secret = 'cd'.repeat(32);
  let t: TestServer;
  const sims: LocalSimulatorHandle[] = [];

  beforeAll(async () => {
    const keyFile = path.join(dir, 'server-key.pem');
    writeFileSync(keyFile, serverKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    t = await startTestServer({ observeObjects: [3], dtlsKey: keyFile });
    for (const ep of ['rpk-sim-0', 'rpk-sim-1', 'rpk-pin-0']) {
      await t.api.put(`/api/devices/${ep}/security`, { mode: 'rpk', publicKey: simulatorRpk(secret, ep).publicKeyPem });
    }
  });
  afterAll(async () => {
    for (const s of sims) await s.stop();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const simulate = (prefix: string, count: number, o: { rpkSecret: string; serverPublicKey: string }): LocalSimulatorHandle => {
    const retry = { baseMs: 100, maxMs: 200, maxAttempts: 2 };
    const sim = startSimulator({ count, server: t.coaps, prefix, seed: 5, tickMs: 200, lifetime: 60, ...o, coapParams: { ackTimeoutMs: 300 }, requestTimeoutMs: 3000, retry });
    sims.push(sim);
    return sim;
  };

  it('register as rpk, are observed over their sessions, and notifications update the twin', async () => {
    const sim = simulate('rpk-sim-', 2, { rpkSecret: secret, serverPublicKey });
    await sim.ready;
    expect(sim.stats().registered).toBe(2);
    expect((await t.api.get('/api/devices/rpk-sim-0')).security).toBe('rpk');
    const first = await eventually(async () => {
      const tw = await t.api.get('/api/devices/rpk-sim-1/twin');
      return tw.properties.reported.device?.batteryLevel !== undefined ? tw : undefined;
    }, 'observed values in the twin');
    expect(first.properties.reported.lwm2m.security).toBe('rpk');
    const v0 = first.properties.reported.$metadata.device.batteryLevel.$lastUpdated;
    await eventually(async () => {
      const md = (await t.api.get('/api/devices/rpk-sim-1/twin')).properties.reported.$metadata.device.batteryLevel;
      return md.$source === 'notify' && md.$lastUpdated !== v0;
    }, 'a notification over DTLS updates the twin');
  });

  it('a device whose public key is not provisioned, or that pins another server key, registers nothing', async () => {
    const other = spkiDer(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey).toString('base64');
    const unknown = simulate('rpk-unknown-', 1, { rpkSecret: secret, serverPublicKey });
    const wrongPin = simulate('rpk-pin-', 1, { rpkSecret: secret, serverPublicKey: other });
    await eventually(() => unknown.stats().failed + wrongPin.stats().failed >= 2 || undefined, 'both devices gave up registering', 20_000);
    for (const ep of ['rpk-unknown-0', 'rpk-pin-0']) await expect(t.api.get(`/api/devices/${ep}`)).rejects.toThrow(/404/);
  });
});
