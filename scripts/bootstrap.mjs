#!/usr/bin/env node
// The README's commands start here. Plain Node (no dependencies), because it runs before `npm ci`.
//
//   node scripts/bootstrap.mjs start   install deps, ensure Redis, compile to dist/ if stale, start server + 10 simulated devices
//   node scripts/bootstrap.mjs test    install deps and system packages (redis, chromium, libcoap3-bin, nginx), type-check, lint, cycles, vitest
//   node scripts/bootstrap.mjs bench   install deps, ensure Redis, compile to dist/ if stale, run the benchmark harness
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, isBuildFresh } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'start';
const extraArgs = process.argv.slice(3);

function log(msg) {
  process.stderr.write(`[lwtwin] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function ensureDependencies() {
  const modules = path.join(root, 'node_modules');
  const lock = path.join(root, 'package-lock.json');
  const marker = path.join(modules, '.package-lock.json');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000);
  if (!stale) return;
  log('installing dependencies (npm ci) ...');
  const status = run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
  if (status !== 0) {
    log('dependency installation failed');
    process.exit(status);
  }
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian packages the commands need, by the command that proves each is there. `start` and `bench` need Redis; `test`
 * also drives Debian's Chromium (console tests), libcoap's DTLS clients (interop tests) and nginx (the load-balancer
 * example). Missing ones are installed with apt-get in one go when we are root.
 */
const SYSTEM_PACKAGES = {
  redis: [['redis-server', 'redis-server'], ['redis-cli', 'redis-tools']],
  test: [
    ['chromium', 'chromium'],
    // only a Recommends of chromium, which --no-install-recommends skips: without it pages render without any font
    ['/usr/share/fonts/truetype/liberation', 'fonts-liberation'],
    ['coap-client-openssl', 'libcoap3-bin'],
    ['nginx', 'nginx'],
    // the UDP load-balancer example (deploy/nginx) needs nginx's stream module; an absolute path is checked as a file
    ['/usr/lib/nginx/modules/ngx_stream_module.so', 'libnginx-mod-stream'],
  ],
};

function ensureSystemPackages(groups) {
  const missing = [...new Set(groups.flatMap((g) => SYSTEM_PACKAGES[g]).filter(([cmd]) => !(cmd.startsWith('/') ? existsSync(cmd) : hasCommand(cmd))).map(([, pkg]) => pkg))];
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    log(`missing system packages and this is not root: run \`sudo apt-get install -y ${missing.join(' ')}\``);
    process.exit(1);
  }
  log(`installing ${missing.join(', ')} (apt-get) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 || run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env }) !== 0) {
    log(`could not install ${missing.join(', ')} with apt-get`);
    process.exit(1);
  }
}

/** PING over a raw socket: true when a Redis answers at host:port. */
function redisReachable(url) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())));
  });
}

/** Ensures a Redis is reachable at url; starts one under .lwtwin/redis when none is. Returns the child or null. */
async function ensureRedis(url) {
  if (await redisReachable(url)) {
    log(`using Redis at ${url}`);
    return null;
  }
  const u = new URL(url);
  if (!['127.0.0.1', 'localhost'].includes(u.hostname)) {
    log(`Redis at ${url} is not reachable`);
    process.exit(1);
  }
  ensureSystemPackages(['redis']);
  const dir = path.join(root, '.lwtwin', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = u.port || '6379';
  log(`starting redis-server on port ${port} (data in .lwtwin/redis)`);
  const child = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--save', '60 1000', '--appendonly', 'no'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 50; i++) {
    if (await redisReachable(url)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  log('redis-server did not come up');
  child.kill();
  process.exit(1);
}

/** Newest modification time under `dir` (files only), 0 when it does not exist. */
function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the web console (console/ into console/dist) when the build is missing or older than its sources. */
function ensureConsoleBuilt() {
  const built = path.join(root, 'console', 'dist', 'index.html');
  const sources = [path.join(root, 'console', 'src'), path.join(root, 'api')].map(newestMtime);
  for (const f of ['index.html', 'vite.config.ts']) sources.push(statSync(path.join(root, 'console', f)).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources)) return;
  log('building the web console (npm run build:console) ...');
  if (run(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'console', '--logLevel', 'warn']) !== 0) {
    log('building the web console failed');
    process.exit(1);
  }
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

async function main() {
  ensureDependencies();
  if (mode === 'start' || mode === 'test') ensureConsoleBuilt();
  if (mode === 'test') {
    ensureSystemPackages(['redis', 'test']); // the test setup starts its own throw-away redis-server
    const steps = [
      ['type-check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']],
      ['type-check (console)', bin('tsc'), ['--noEmit', '-p', 'console/tsconfig.json']],
      ['lint', bin('eslint'), ['.']],
      ['import cycles', bin('madge'), ['--circular', '--extensions', 'ts', '--ts-config', 'tsconfig.json', 'api', 'protocol', 'objects', 'client', 'server', 'jobs', 'scripts']],
      ['tests', bin('vitest'), ['run', ...extraArgs]],
    ];
    for (const [name, cmd, args] of steps) {
      log(`${name} ...`);
      const status = run(cmd, args);
      if (status !== 0) {
        log(`${name} failed`);
        process.exit(status);
      }
    }
    return;
  }
  const redisUrl = process.env.LWTWIN_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await ensureRedis(redisUrl);
  // Production runtime: compile once (again when a source changed), then run plain JavaScript without tsx.
  if (!isBuildFresh()) {
    log('compiling to dist/ (npm run build) ...');
    if (build() !== 0) process.exit(1);
  }
  const entry = mode === 'bench' ? path.join(root, 'dist', 'scripts', 'bench', 'main.js') : path.join(root, 'dist', 'scripts', 'cli.js');
  const args = mode === 'bench' ? extraArgs : ['start', ...extraArgs];
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LWTWIN_REDIS_URL: redisUrl },
  });
  const stop = () => child.kill('SIGINT');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => {
    if (redis) redis.kill('SIGTERM');
    process.exit(code ?? 0);
  });
}

main().catch((err) => {
  log(err?.stack ?? String(err));
  process.exit(1);
});
