// Smoke test of the benchmark harness: `--quick` runs every scenario at tiny sizes against the test Redis and each
// must produce numbers (no timing thresholds: targets are for `npm run bench`, not for CI).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench, SCENARIOS } from '../../scripts/bench/main.ts';
import { formatTable } from '../../scripts/bench/report.ts';
import { testRedisUrl } from '../helpers/redis.ts';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-bench-smoke-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run bench -- --quick', () => {
  it('runs every scenario, reports a number for every targeted figure, writes the JSON record and leaves no keys', async () => {
    const lines: string[] = [];
    const { report, file } = await runBench({ redisUrl: testRedisUrl(), mode: 'quick', outDir, log: (m) => lines.push(m) });

    expect(report.scenarios.map((s) => s.name)).toEqual(Object.keys(SCENARIOS));
    for (const s of report.scenarios) {
      expect(s.error, `${s.name}: ${s.error}\n${lines.join('\n')}`).toBeUndefined();
      expect(s.figures.length, s.name).toBeGreaterThan(0);
      const targeted = s.figures.filter((f) => f.target !== undefined);
      expect(targeted.length, `${s.name} has a figure with a target`).toBeGreaterThan(0);
      for (const f of targeted) {
        expect(Number.isFinite(f.value), `${s.name}: ${f.label} = ${f.value}`).toBe(true);
        expect(f.runs.length).toBe(report.runs);
        expect(typeof f.met).toBe('boolean');
      }
    }
    const byLabel = (scenario: string, start: string) => report.scenarios.find((s) => s.name === scenario)!.figures.find((f) => f.label.startsWith(start))!;
    expect(byLabel('registration', 'registrations/s').value).toBeGreaterThan(0);
    expect(byLabel('notify', 'notifications written/s').value).toBeGreaterThan(0);
    expect(byLabel('shallow-read', 'shallow reads/s').value).toBeGreaterThan(0);
    expect(byLabel('deep-read', 'deep-read jobs/s').value).toBeGreaterThan(0);
    expect(byLabel('memory', 'heap per device').runs).toHaveLength(report.runs);
    expect(byLabel('query', 'tag equality query').value).toBeGreaterThan(0);
    expect(byLabel('bootstrap', 'bootstrap sessions/s').value).toBeGreaterThan(0);
    expect(byLabel('dtls', 'PSK full handshakes/s').value).toBeGreaterThan(0);
    expect(byLabel('dtls', 'ECDHE-ECDSA full handshakes/s').value).toBeGreaterThan(0);
    expect(byLabel('dtls', 'notify written/s, coaps').value).toBeGreaterThan(0);
    expect(byLabel('dtls', 'flood HelloVerifyRequests answered').value).toBeGreaterThan(0);
    expect(byLabel('scale', 'notifications written/s (2 nodes').value).toBeGreaterThan(0);
    expect(byLabel('scale', 'registrations/s ratio').value).toBeGreaterThan(0);
    expect(byLabel('scale', 'kill -9 of a node').value).toBeGreaterThan(0);
    expect(byLabel('peer', 'registrations/s, peer').value).toBeGreaterThan(0);
    expect(byLabel('peer', 'registrations/s, lwtwin, no observe').value).toBeGreaterThan(0);
    expect(byLabel('peer', 'reads/s, peer server.read').value).toBeGreaterThan(0);
    expect(byLabel('peer', 'reads/s, lwtwin deepRead').value).toBeGreaterThan(0);
    expect(byLabel('peer', 'registrations/s lwtwin/peer').value).toBeGreaterThan(0);
    // lwm2m-node-lib reads in text/plain and the virtual devices answered it: Battery Level as the library returns it.
    const peerDetails = report.scenarios.find((s) => s.name === 'peer')!.details as { rounds: { peer: { sample?: string } }[] };
    expect(peerDetails.rounds[0].peer.sample).toBe('80');

    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.redisVersion).toMatch(/^\d+\.\d+/);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { scenarios: { name: string }[] };
    expect(saved.scenarios.map((s) => s.name)).toEqual(Object.keys(SCENARIOS));
    expect(formatTable(report)).toContain('registrations/s');

    const redis = new Redis(testRedisUrl());
    try {
      const [, leftovers] = await redis.scan('0', 'MATCH', 'bench:*', 'COUNT', 100_000);
      expect(leftovers).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 300_000);
});
