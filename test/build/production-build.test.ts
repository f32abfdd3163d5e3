import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { FakeDevice } from '../server/lwm2m/helpers/fake-device.ts';
import { testModel } from '../server/lwm2m/helpers/test-server.ts';
import { eventually } from '../helpers/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// Inside the checkout, so that the compiled modules resolve node_modules as dist/ does; .lwtwin/ is git-ignored.
const OUT = path.join(ROOT, '.lwtwin', `build-test-${randomBytes(4).toString('hex')}`);
const TOKEN = 'build-test-admin-token-0123456789';

// `npm run build` (scripts/build.mjs) compiles to JavaScript; the compiled CLI and server run on plain Node.
describe('production build', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--out-dir', OUT], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr + r.stdout).toBe(0);
  }, 300_000);
  afterAll(() => rmSync(OUT, { recursive: true, force: true }));

  it('runs `lwtwin --help` from the compiled code without tsx', () => {
    const r = spawnSync(process.execPath, [path.join(OUT, 'scripts', 'cli.js'), '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lwtwin/);
    expect(r.stdout).toContain('server');
    const server = spawnSync(process.execPath, [path.join(OUT, 'scripts', 'cli.js'), 'server', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(server.status, server.stderr).toBe(0);
    expect(server.stdout).toContain('--firmware-dir');
  });

  it('serves devices from the compiled server: Lua scripts and the object model are found in the build', async () => {
    const child = spawn(
      process.execPath,
      [path.join(OUT, 'scripts', 'cli.js'), '--json', 'server', '--coap-host', '127.0.0.1', '--coap-port', '0', '--coaps-port', '0', '--http-host', '127.0.0.1', '--http-port', '0', '--redis-url', testRedisUrl(), '--redis-prefix', uniquePrefix('build'), '--admin-token', TOKEN, '--log-level', 'error'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    try {
      const info = await eventually(() => {
        const line = out.split('\n').find((l) => l.startsWith('{'));
        return line ? (JSON.parse(line) as { api: string; coapPort: number }) : undefined;
      }, `the compiled server to start (${err})`, 60_000, 100);
      const device = await FakeDevice.start({ address: '127.0.0.1', port: info.coapPort }, await testModel());
      try {
        expect((await device.register({ ep: 'built-1' })).code).toBe('2.01');
        const res = await fetch(`${info.api}/api/devices/built-1`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { endpoint: string }).endpoint).toBe('built-1');
      } finally {
        await device.close();
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 90_000);
});
