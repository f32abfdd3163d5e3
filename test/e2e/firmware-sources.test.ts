import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followJob } from '../../scripts/cli/job-commands.ts';
import { SimulatedDevice } from '../../scripts/simulator/simulated-device.ts';
import { eventually, startTestServer, type TestServer } from '../helpers/server.ts';
import { refusal } from '../helpers/api-errors.ts';

async function httpServer(files: Record<string, Buffer>): Promise<{ server: Server; origin: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = files[req.url ?? ''];
    if (body) res.end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

// Firmware pushed to devices comes only from the configured directory or from allowed origins; everything else is
// refused up front with one message that does not say whether a path exists.
describe('end to end: firmware package sources are confined', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lwtwin-fw-e2e-'));
  const dir = path.join(root, 'firmware');
  const local = randomBytes(3000); // several CoAP blocks
  const remote = randomBytes(2100);
  let t: TestServer;
  let device: SimulatedDevice;
  let ticker: NodeJS.Timeout;
  const received: Buffer[] = [];
  let allowed: Awaited<ReturnType<typeof httpServer>>;
  let other: Awaited<ReturnType<typeof httpServer>>;

  const submit = (packageSource: string) => t.api.post('/api/jobs', { type: 'firmwareUpdate', deviceId: 'fw-dev', packageSource, maxExecutionTimeSec: 30 });

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    writeFileSync(path.join(dir, 'sub', 'pkg-2.1.0.bin'), local);
    writeFileSync(path.join(root, 'secret.bin'), Buffer.from('not for devices'));
    symlinkSync('/etc/passwd', path.join(dir, 'passwd.bin'));
    symlinkSync(path.join(root, 'secret.bin'), path.join(dir, 'secret-link.bin'));
    symlinkSync(path.join(dir, 'sub', 'pkg-2.1.0.bin'), path.join(dir, 'current.bin'));
    execFileSync('mkfifo', [path.join(dir, 'pipe.bin')]);
    allowed = await httpServer({ '/pkg-3.0.0.bin': remote });
    other = await httpServer({ '/pkg.bin': Buffer.from('elsewhere') });
    t = await startTestServer({ observeObjects: [], firmwareDir: dir, firmwareUrlAllow: [allowed.origin] });
    device = new SimulatedDevice({ name: 'fw-dev', seed: 5, server: t.coap, lifetime: 60, updateSteps: 1, coapParams: { ackTimeoutMs: 300 } });
    const write = device.firmware.write.bind(device.firmware);
    device.firmware.write = (id, value) => {
      if (id === 0 && value instanceof Uint8Array) received.push(Buffer.from(value));
      write(id, value);
    };
    await device.start();
    ticker = setInterval(() => device.step(), 100);
    await eventually(() => t.api.get('/api/devices/fw-dev').catch(() => undefined), 'the device registration');
  });
  afterAll(async () => {
    clearInterval(ticker);
    await device?.stop();
    await t?.stop();
    allowed?.server.close();
    other?.server.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses files outside the directory, links out of it, dirs and FIFOs with one message that reveals nothing', async () => {
    const before = (await t.api.get('/api/jobs?limit=1000')).items.length;
    const sources = [
      '/etc/passwd',
      'file:///etc/passwd',
      '../secret.bin',
      'sub/../../secret.bin',
      path.join(root, 'secret.bin'),
      path.join(dir, '..', 'secret.bin'),
      'passwd.bin',
      'secret-link.bin',
      'sub',
      'pipe.bin',
      'no-such-package.bin',
      '/no/such/file',
    ];
    const messages = new Set<string>();
    for (const source of sources) {
      const r = await refusal(submit(source));
      expect(r.status, source).toBe(400);
      messages.add(r.message);
    }
    expect([...messages]).toHaveLength(1);
    expect([...messages][0]).not.toMatch(/passwd|secret|exist|ENOENT|EACCES|directory is|not a regular/i);
    expect((await t.api.get('/api/jobs?limit=1000')).items.length).toBe(before);
    expect(received).toHaveLength(0);
  });

  it('pushes an allowed file byte for byte and records its name, size and sha256', async () => {
    for (const source of ['sub/pkg-2.1.0.bin', 'current.bin', path.join(dir, 'sub', 'pkg-2.1.0.bin')]) {
      received.length = 0;
      const { jobId } = await submit(source);
      const job = await followJob(t.api, jobId, { quiet: true, timeoutSec: 30 });
      expect(job.status, source).toBe('completed');
      expect(received).toHaveLength(1);
      expect(received[0].equals(local)).toBe(true);
      expect(job.results[0].value.package).toEqual({ name: 'sub/pkg-2.1.0.bin', size: local.length, sha256: createHash('sha256').update(local).digest('hex') });
    }
  });

  it('refuses a URL whose origin is not allowed without fetching it', async () => {
    for (const source of [`${other.origin}/pkg.bin`, 'https://fw.example.com/pkg.bin', 'ftp://127.0.0.1/pkg.bin', `${allowed.origin.replace('http:', 'https:')}/pkg-3.0.0.bin`]) {
      const r = await refusal(submit(source));
      expect(r.status, source).toBe(400);
      expect(r.message, source).toMatch(/not allowed|must be http/);
    }
    expect(other.requests).toHaveLength(0);
  });

  it('fetches an allowed URL when the job runs and pushes exactly its bytes', async () => {
    received.length = 0;
    const url = `${allowed.origin}/pkg-3.0.0.bin`;
    const { jobId } = await submit(url);
    const job = await followJob(t.api, jobId, { quiet: true, timeoutSec: 30 });
    expect(job.status).toBe('completed');
    expect(received[0].equals(remote)).toBe(true);
    expect(job.results[0].value.package).toEqual({ name: url, size: remote.length, sha256: createHash('sha256').update(remote).digest('hex') });
    expect(allowed.requests).toEqual(['/pkg-3.0.0.bin']);
  });
});

describe('end to end: without a firmware directory local package sources are refused', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ observeObjects: [] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('answers 400 naming the missing configuration', async () => {
    const r = await refusal(t.api.post('/api/jobs', { type: 'firmwareUpdate', deviceId: 'x', packageSource: '/etc/passwd' }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/--firmware-dir/);
  });
});
