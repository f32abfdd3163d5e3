/**
 * Commands that run things in this process: `server`, `start` (what `npm start` runs), `simulate`. The server, the
 * simulator and the progress bar are imported when a command runs, so `lwtwin --help` and the API commands start fast.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, environment, loadConfig, OPTIONS, type LwTwinConfig } from '../../server/config.ts';
import type { LwTwinServerHandle } from '../../server/lwtwin-server.ts';
import type { SimulatorHandle, SimulatorOptions, SimulatorStats } from '../simulator/simulator-options.ts';
import { simulatorPsk } from '../simulator/simulator-psk.ts';
import { simulatorRpk } from '../simulator/simulator-rpk.ts';
import type { ApiClient } from './api-client.ts';
import { apiClient, type GlobalOptions } from './client-commands.ts';

/** Adds one `--flag <value>` per configuration option to a command. */
function withConfigFlags(cmd: Command): Command {
  cmd.option('--config <file>', 'JSON configuration file (env LWTWIN_CONFIG)');
  // switches (`--redis-cluster`) take an optional value: the bare flag means true
  for (const o of OPTIONS) cmd.option(`--${o.flag} ${o.switch ? '[value]' : '<value>'}`, `${o.help} (env ${o.env})`);
  return cmd;
}

/** A secret kept in `<dataDir>/<name>` (mode 0600): read if present (at least `minLength` characters), else generated once. */
function secretFile(dataDir: string, name: string, minLength: number): { value: string; generated: boolean; file: string } {
  const file = path.join(dataDir, name);
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= minLength) return { value: existing, generated: false, file };
  } catch {
    /* none yet */
  }
  mkdirSync(dataDir, { recursive: true });
  const value = randomBytes(Math.max(24, Math.ceil((minLength * 3) / 4))).toString('base64url');
  writeFileSync(file, value + '\n', { mode: 0o600 });
  return { value, generated: true, file };
}

/** The admin token: configured, or generated once into `<dataDir>/admin-token` (mode 0600). */
export function ensureAdminToken(config: Readonly<LwTwinConfig>): { token: string; generated: boolean; file?: string } {
  if (config.adminToken) return { token: config.adminToken, generated: false };
  const { value, generated, file } = secretFile(config.dataDir, 'admin-token', 16);
  return { token: value, generated, file };
}

/** The server secret that encrypts keys at rest: configured, or (for `npm start`) generated once into `<dataDir>/server-secret`. */
function ensureServerSecret(config: Readonly<LwTwinConfig>): string {
  return config.serverSecret ?? secretFile(config.dataDir, 'server-secret', 32).value;
}

/**
 * The DTLS server key (P-256, PKCS#8 PEM, mode 0600): configured with --dtls-key, or (for `npm start`) generated once
 * into `<dataDir>/dtls-key.pem`, so RPK devices can pin the same server key across restarts.
 */
function ensureDtlsKey(config: Readonly<LwTwinConfig>): string {
  if (config.dtlsKey) return config.dtlsKey;
  const file = path.join(config.dataDir, 'dtls-key.pem');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return file;
}

async function startServerFromFlags(
  flags: Record<string, unknown>,
  overrides: Partial<LwTwinConfig> = {},
  opts: { generateServerSecret?: boolean } = {},
): Promise<{ server: LwTwinServerHandle; token: string; tokenFile?: string }> {
  const base = loadConfig(flags);
  const config = Object.freeze({ ...base, ...overrides });
  const admin = ensureAdminToken(config);
  const serverSecret = opts.generateServerSecret ? ensureServerSecret(config) : config.serverSecret;
  const dtlsKey = opts.generateServerSecret ? ensureDtlsKey(config) : config.dtlsKey;
  const { startLwTwinServer } = await import('../../server/lwtwin-server.ts');
  const server = await startLwTwinServer({ ...config, adminToken: admin.token, ...(serverSecret ? { serverSecret } : {}), ...(dtlsKey ? { dtlsKey } : {}) });
  return { server, token: admin.token, ...(admin.file ? { tokenFile: admin.file } : {}) };
}

/**
 * With the bootstrap server on and no default configuration yet, `npm start` adds one sending devices to this
 * server over plain CoAP, and its simulated devices onboard through it. Returns the bootstrap server's address then.
 */
async function ensureDefaultBootstrap(server: LwTwinServerHandle): Promise<{ address: string; port: number } | undefined> {
  const port = server.bootstrap.port;
  if (port === undefined) return undefined;
  if (!(await server.bootstrap.store.getDefault())) {
    const { parseBootstrapConfig } = await import('../../server/bootstrap/bootstrap-config.ts');
    await server.bootstrap.store.putDefault(parseBootstrapConfig({ server: { uri: `coap://127.0.0.1:${server.coapPort}`, shortServerId: 1, lifetime: 300, binding: 'U' }, security: { mode: 'nosec' } }));
  }
  return { address: '127.0.0.1', port };
}

/** The process exits this long after SIGTERM/SIGINT at the latest, stopped cleanly or not. */
const FORCE_EXIT_MS = 8000;

/**
 * SIGTERM/SIGINT stop cleanly; the process exits within FORCE_EXIT_MS in every state (Redis gone, devices silent).
 * A second signal forces the exit at once, unless it comes within a second of the first: Ctrl-C in a terminal
 * reaches both `npm start`'s wrapper, which forwards it, and this process.
 */
function onShutdown(stop: () => Promise<void>): void {
  let firstAt = 0;
  const handler = () => {
    if (firstAt !== 0) {
      if (Date.now() - firstAt < 1000) return;
      process.stderr.write('forced exit\n');
      process.exit(130);
    }
    firstAt = Date.now();
    process.stderr.write('\nstopping ... (signal again to force)\n');
    setTimeout(() => {
      process.stderr.write(`not stopped within ${FORCE_EXIT_MS / 1000} s: forcing exit\n`);
      process.exit(1);
    }, FORCE_EXIT_MS).unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Registers simulated devices with a progress bar; resolves once the ramp is over. */
async function runSimulator(opts: SimulatorOptions & { processes?: boolean }, quiet: boolean): Promise<SimulatorHandle> {
  const { Presets, SingleBar } = await import('cli-progress');
  const { startSimulator } = await import('../simulator/simulator.ts');
  const { startSimulatorProcesses } = await import('../simulator/processes.ts');
  const bar = quiet ? undefined : new SingleBar({ format: 'registering |{bar}| {value}/{total} devices  {errors} errors', hideCursor: true }, Presets.shades_classic);
  bar?.start(opts.count, 0, { errors: 0 });
  const onProgress = (s: SimulatorStats) => bar?.update(s.registered, { errors: s.errors });
  const useProcesses = opts.processes ?? opts.count > 5000;
  const sim = useProcesses ? startSimulatorProcesses({ ...opts, onProgress }) : startSimulator({ ...opts, onProgress });
  await sim.ready;
  const s = sim.stats();
  bar?.update(s.registered, { errors: s.errors });
  bar?.stop();
  return sim;
}

function statusLine(s: SimulatorStats): string {
  return `registered ${s.registered}/${s.devices}  sleeping ${s.sleeping}  notifications sent ${s.notificationsSent}  requests served ${s.requestsServed}  errors ${s.errors}`;
}

function parseServerUri(uri: string, flag = '--server'): { address: string; port: number; secure: boolean } {
  const m = /^(coaps?):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(uri);
  if (!m) throw new ConfigError(`${flag}: expected coap://host[:port] or coaps://host[:port], got ${JSON.stringify(uri)}`);
  const address = m[2].replace(/^\[|\]$/g, '');
  const secure = m[1] === 'coaps';
  return { address: address === 'localhost' ? '127.0.0.1' : address, port: m[3] ? Number(m[3]) : secure ? 5684 : 5683, secure };
}

/**
 * `simulate --psk` / `--rpk`: a fresh run secret, and every device's PSK or raw public key (derived from it, see
 * simulator-psk.ts and simulator-rpk.ts) provisioned through the API (`PUT /api/devices/{ep}/security`, with
 * `?server=bootstrap` the bootstrap credentials) with a progress bar, a few requests in flight at once.
 */
async function provisionCredentials(api: ApiClient, mode: 'psk' | 'rpk', prefix: string, count: number, quiet: boolean, server: 'dm' | 'bootstrap'): Promise<string> {
  const secret = randomBytes(32).toString('hex');
  const { Presets, SingleBar } = await import('cli-progress');
  const bar = quiet ? undefined : new SingleBar({ format: `provisioning ${mode === 'psk' ? 'PSKs' : 'public keys'} |{bar}| {value}/{total} devices`, hideCursor: true }, Presets.shades_classic);
  bar?.start(count, 0);
  let next = 0;
  let done = 0;
  const body = (ep: string) => {
    if (mode === 'rpk') return { mode, publicKey: simulatorRpk(secret, ep).publicKeyPem };
    const { identity, key } = simulatorPsk(secret, ep);
    return { mode, identity, key: key.toString('hex') };
  };
  const lane = async (): Promise<void> => {
    while (next < count) {
      const ep = `${prefix}${next++}`;
      await api.put(`/api/devices/${encodeURIComponent(ep)}/security${server === 'bootstrap' ? '?server=bootstrap' : ''}`, body(ep));
      bar?.update(++done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(16, count) }, lane));
  } finally {
    bar?.stop();
  }
  return secret;
}

/** `--server-public-key <pem-file>`: the server's key (public, or the private key file itself) as SPKI DER, base64. */
function serverPublicKeyOf(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--server-public-key: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    const key = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not an EC P-256 key');
    return key.export({ type: 'spki', format: 'der' }).toString('base64');
  } catch (err) {
    throw new ConfigError(`--server-public-key: ${file} is not a P-256 key in PEM (${(err as Error).message})`);
  }
}

function share(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new ConfigError(`${name}: expected a number in 0..1, got ${JSON.stringify(raw)}`);
  return n;
}

function positiveInt(name: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(`${name}: expected an integer in 1..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

export function registerRunCommands(program: Command, globals: () => GlobalOptions): void {
  withConfigFlags(program.command('server').description('start the lwtwin server (CoAP + HTTP API + job workers)')).action(async (flags) => {
    const { server, token, tokenFile } = await startServerFromFlags(flags);
    const info = { api: server.httpUrl, coapPort: server.coapPort, coapsPort: server.coapsPort, bootstrapPort: server.bootstrap.port, bootstrapCoapsPort: server.bootstrap.coapsPort, serverId: server.config.serverId, tokenFile };
    if (globals().json) process.stdout.write(JSON.stringify({ ...info, token }) + '\n');
    else process.stdout.write(`lwtwin server: console ${server.httpUrl}/  API ${server.httpUrl}  CoAP udp/${server.coapPort}  coaps udp/${server.coapsPort}  admin token ${tokenFile ? `in ${tokenFile}` : '(configured)'}\n`);
    onShutdown(() => server.stop());
  });

  withConfigFlags(program.command('start').description('start the server and simulated devices (what `npm start` runs)'))
    .option('--devices <n>', 'simulated devices', '10')
    .action(async (flags) => {
      const devices = Number(flags.devices);
      // A demo wants to see values move: shorter observation periods unless configured otherwise.
      const demoObserve: Partial<LwTwinConfig> = {};
      if (flags.observePmin === undefined && flags['observe-pmin'] === undefined && !environment().LWTWIN_OBSERVE_PMIN) demoObserve.observePmin = 5;
      if (flags.observePmax === undefined && flags['observe-pmax'] === undefined && !environment().LWTWIN_OBSERVE_PMAX) demoObserve.observePmax = 60;
      // Keep the terminal readable: only warnings and errors unless a log level is configured.
      if (flags.logLevel === undefined && !environment().LWTWIN_LOG_LEVEL) demoObserve.logLevel = 'warn';
      // The bootstrap server runs too (Leshan's bootstrap port) unless one is configured.
      if (flags.bootstrapPort === undefined && flags['bootstrap-port'] === undefined && !environment().LWTWIN_BOOTSTRAP_PORT) demoObserve.bootstrapPort = 5783;
      if (flags.bootstrapCoapsPort === undefined && flags['bootstrap-coaps-port'] === undefined && !environment().LWTWIN_BOOTSTRAP_COAPS_PORT) demoObserve.bootstrapCoapsPort = 5784;
      const { server, token, tokenFile } = await startServerFromFlags(flags, demoObserve, { generateServerSecret: true });
      const bootstrap = await ensureDefaultBootstrap(server);
      const sim = await runSimulator(
        { count: devices, server: { address: '127.0.0.1', port: server.coapPort }, ...(bootstrap ? { bootstrap } : {}), prefix: 'sim-', seed: 1, tickMs: 5000, lifetime: 300, processes: false },
        globals().json === true,
      );
      const cli = 'npx lwtwin';
      const lines = [
        '',
        `lwtwin is running: ${sim.stats().registered} simulated devices registered.`,
        `  console      ${server.httpUrl}/   (sign in with the admin token)`,
        `  API          ${server.httpUrl}   (OpenAPI: ${server.httpUrl}/api/docs, metrics: ${server.httpUrl}/metrics)`,
        `  CoAP         udp/${server.coapPort}   coaps (DTLS) udp/${server.coapsPort}${server.bootstrap.port !== undefined ? `   bootstrap server udp/${server.bootstrap.port}` : ''}${server.bootstrap.coapsPort !== undefined ? ` (coaps udp/${server.bootstrap.coapsPort})` : ''}`,
        `  admin token  ${token}${tokenFile ? `   (saved in ${tokenFile}; the CLI picks it up)` : ''}`,
        `  observation  pmin ${server.config.observePmin} s, pmax ${server.config.observePmax} s${demoObserve.observePmin !== undefined ? ' (demo values; the product default is 300 s / 21600 s)' : ''}`,
        '',
        'Try:',
        `  ${cli} devices`,
        `  ${cli} twin sim-0`,
        `  ${cli} demo`,
        '',
        'Ctrl-C stops the server and the simulated devices.',
      ];
      process.stdout.write(globals().json ? JSON.stringify({ api: server.httpUrl, console: `${server.httpUrl}/`, coapPort: server.coapPort, coapsPort: server.coapsPort, token, devices: sim.stats().registered }) + '\n' : lines.join('\n') + '\n');
      onShutdown(async () => {
        await sim.stop();
        await server.stop();
      });
    });

  program
    .command('simulate')
    .description('run simulated LwM2M devices against a server')
    .option('--count <n>', 'number of devices', '10')
    .option('--server <uri>', 'LwM2M server', 'coap://127.0.0.1:5683')
    .option('--bootstrap <uri>', 'bootstrap server (coap://host:port, or coaps:// with --psk): devices start knowing only it and learn their LwM2M server from it')
    .option('--prefix <prefix>', 'endpoint name prefix', 'sim-')
    .option('--seed <n>', 'seed of the deterministic values', '1')
    .option('--queue-mode-share <share>', 'share of devices in queue mode (0..1)', '0')
    .option('--fail-fw-share <share>', 'share of devices whose firmware update fails (0..1)', '0')
    .option('--v10-share <share>', 'share of devices speaking LwM2M 1.0 (0..1)', '0')
    .option('--notify-every <ms>', 'physics tick: how often simulated values change, ms', '10000')
    .option('--lifetime <sec>', 'registration lifetime, s', '300')
    .option('--concurrency <n>', 'registrations in flight while ramping up', '500')
    .option('--processes', 'spread devices over worker processes (default above 5,000 devices)')
    .option('--psk', 'connect over coaps with a PSK per device, provisioned through the API first (needs a coaps:// --server, or with --bootstrap a coaps:// --bootstrap: then the bootstrap PSKs)')
    .option('--rpk', 'connect over coaps with a raw public key (P-256) per device, provisioned through the API first (needs a coaps:// --server)')
    .option('--server-public-key <pem-file>', 'with --rpk: the server key devices pin (its public key, or the --dtls-key file); default: any server key')
    .action(async (o) => {
      const { secure, ...server } = parseServerUri(o.server);
      const count = positiveInt('--count', o.count, 1_000_000);
      // With --bootstrap, the devices' only configured server is the bootstrap server: --psk gives its credentials.
      const bootstrap = o.bootstrap ? parseServerUri(o.bootstrap, '--bootstrap') : undefined;
      const [flag, secureTarget] = bootstrap ? ['--bootstrap', bootstrap.secure] : ['--server', secure];
      const mode = o.psk === true ? 'psk' : o.rpk === true ? 'rpk' : undefined;
      if (o.psk === true && o.rpk === true) throw new ConfigError('give one of --psk and --rpk');
      if (mode === 'rpk' && bootstrap) throw new ConfigError('--rpk goes without --bootstrap (simulated devices bootstrap with a PSK)');
      if (mode !== undefined && !secureTarget) throw new ConfigError(`--${mode} needs a coaps:// ${flag} (e.g. coaps://127.0.0.1:${bootstrap ? 5784 : 5684})`);
      if (mode === undefined && secureTarget) throw new ConfigError(`a coaps:// ${flag} needs --psk${bootstrap ? '' : ' or --rpk'} (how simulated devices authenticate)`);
      if (o.serverPublicKey !== undefined && mode !== 'rpk') throw new ConfigError('--server-public-key goes with --rpk');
      const serverPublicKey = o.serverPublicKey !== undefined ? serverPublicKeyOf(o.serverPublicKey) : undefined;
      if (mode === 'rpk' && serverPublicKey === undefined && globals().json !== true) process.stderr.write('warning: --rpk without --server-public-key: devices accept any server key\n');
      const secret = mode !== undefined ? await provisionCredentials(apiClient(globals()), mode, o.prefix, count, globals().json === true, bootstrap ? 'bootstrap' : 'dm') : undefined;
      const sim = await runSimulator(
        {
          count,
          server,
          ...(bootstrap ? { bootstrap: { address: bootstrap.address, port: bootstrap.port } } : {}),
          ...(mode === 'psk' ? (bootstrap ? { bootstrapPskSecret: secret } : { pskSecret: secret }) : {}),
          ...(mode === 'rpk' ? { rpkSecret: secret, ...(serverPublicKey !== undefined ? { serverPublicKey } : {}) } : {}),
          prefix: o.prefix,
          seed: positiveInt('--seed', o.seed),
          queueModeShare: share('--queue-mode-share', o.queueModeShare),
          failFwShare: share('--fail-fw-share', o.failFwShare),
          v10Share: share('--v10-share', o.v10Share),
          tickMs: positiveInt('--notify-every', o.notifyEvery),
          lifetime: positiveInt('--lifetime', o.lifetime),
          concurrency: positiveInt('--concurrency', o.concurrency, 100_000),
          ...(o.processes ? { processes: true } : {}),
        },
        globals().json === true,
      );
      const print = () => {
        const s = sim.stats();
        if (globals().json) process.stdout.write(JSON.stringify(s) + '\n');
        else process.stdout.write(`\r${statusLine(s)}   `);
      };
      print();
      const timer = setInterval(print, globals().json ? 10_000 : 1000);
      onShutdown(async () => {
        clearInterval(timer);
        await sim.stop();
      });
    });
}
