/**
 * Child-process entry of the `peer` scenario: Telefónica's lwm2m-node-lib 1.4.0 LwM2M server (node-coap 0.22, its
 * in-memory device registry), alone in its own process like lwtwin's server, driven over the RPC channel:
 * - `start` starts it on a free UDP port with the server configuration the library ships (`config.js`: default type
 *   `Device`, lifetime check every second, reads with `Accept: text/plain`) and answers Register → 2.01 with the
 *   library's default registration handler (it stores the device and does nothing else);
 * - `devices` counts the registry; `reads` runs a closed loop of `server.read(id, 3, 0, 9)` at a fixed number in
 *   flight, in this process: the library has no network API, an application calls it in-process.
 *
 * Two workarounds, without touching node_modules: the server listens on port 0 (`listen(0)` binds a free port) but
 * sends every device request as a CoAP proxy request to `127.0.0.1:<config.port>` (itself), so the real port is
 * written back into the configuration object the library keeps; and Node 20 warns about circular requires inside
 * mongodb 3.6 (loaded even for the memory registry), which the scenario silences with `--no-warnings`.
 */
import { createRequire } from 'node:module';
import { serveRpc } from '../child-rpc.ts';
import { encodeHistogram, latencyHistogram, recordMs } from '../stats.ts';

interface NodeLibDevice {
  id: number;
  name: string;
}

interface NodeLibServerInfo {
  server: { _sock: { address(): { port: number } } };
}

/** The part of lwm2m-node-lib's `server` API the benchmark uses (lib/lwm2m-server.js). */
interface NodeLibServer {
  start(config: Record<string, unknown>, cb: (err: Error | null, info: NodeLibServerInfo) => void): void;
  stop(info: NodeLibServerInfo, cb: (err?: Error | null) => void): void;
  read(deviceId: number, objectType: number, objectId: number, resourceId: number, cb: (err: Error | null, value?: string) => void): void;
  getRegistry(): { list(cb: (err: Error | null, devices: NodeLibDevice[]) => void): void; stopLifetimeCheck(): void };
}

export interface PeerReadTarget {
  /** Object, instance, resource read on every device, e.g. [3, 0, 9]. */
  path: [number, number, number];
  concurrency: number;
  durationMs: number;
  /** A read not answered within this is counted failed and its lane moves on. @defaultValue 10000 */
  timeoutMs?: number;
}

export interface PeerReadReport {
  ok: number;
  errors: number;
  seconds: number;
  /** Latencies (µs), compressed base64. */
  histogram: string;
  firstErrors: string[];
  /** One value as the library returned it (the payload as UTF-8 text). */
  sample?: string;
}

const require = createRequire(import.meta.url);
const server = (require('lwm2m-node-lib') as { server: NodeLibServer }).server;
let info: NodeLibServerInfo | undefined;

/** The server section of the library's shipped config.js, on a free port. */
function peerConfig(): Record<string, unknown> {
  return {
    port: 0,
    lifetimeCheckInterval: 1000,
    udpWindow: 100,
    defaultType: 'Device',
    types: [],
    logLevel: 'FATAL',
    ipProtocol: 'udp4',
    serverProtocol: 'udp4',
    formats: [
      { name: 'application-vnd-oma-lwm2m/text', value: 1541 },
      { name: 'application-vnd-oma-lwm2m/tlv', value: 1542 },
      { name: 'application-vnd-oma-lwm2m/json', value: 1543 },
      { name: 'application-vnd-oma-lwm2m/opaque', value: 1544 },
    ],
    writeFormat: 'application-vnd-oma-lwm2m/text',
    defaultAcceptFormat: 'text/plain',
  };
}

function start(): Promise<{ port: number }> {
  return new Promise((resolve, reject) => {
    const config = peerConfig();
    server.start(config, (err, started) => {
      if (err) {
        reject(err);
        return;
      }
      info = started;
      const port = started.server._sock.address().port;
      config.port = port; // the library proxies device requests through 127.0.0.1:<config.port>
      resolve({ port });
    });
  });
}

function listDevices(): Promise<NodeLibDevice[]> {
  return new Promise((resolve, reject) => server.getRegistry().list((err, devices) => (err ? reject(err) : resolve(devices))));
}

/** Deterministic spread of devices over reads, as in load/http-load.ts. */
function pick(n: number, devices: number): number {
  return (Math.imul(n + 1, 2654435761) >>> 0) % devices;
}

async function reads(t: PeerReadTarget): Promise<PeerReadReport> {
  const ids = (await listDevices()).map((d) => d.id);
  if (ids.length === 0) throw new Error('no device registered with the peer');
  const [objectType, objectId, resourceId] = t.path;
  const timeoutMs = t.timeoutMs ?? 10_000;
  const hist = latencyHistogram();
  const firstErrors: string[] = [];
  let ok = 0;
  let errors = 0;
  let sample: string | undefined;
  let n = 0;
  const t0 = performance.now();
  const end = t0 + t.durationMs;
  const readOne = (id: number): Promise<{ value?: string; error?: string }> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: `no answer within ${timeoutMs} ms` }), timeoutMs);
      server.read(id, objectType, objectId, resourceId, (err, value) => {
        clearTimeout(timer);
        resolve(err ? { error: `${err.name}: ${err.message}` } : { value: value ?? '' });
      });
    });
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const id = ids[pick(n++, ids.length)];
      const s = performance.now();
      const r = await readOne(id);
      if (r.value !== undefined && r.value !== '') {
        recordMs(hist, performance.now() - s);
        ok++;
        sample ??= r.value;
      } else {
        errors++;
        if (firstErrors.length < 3) firstErrors.push(`device ${id}: ${r.error ?? 'empty value'}`);
      }
    }
  };
  await Promise.all(Array.from({ length: t.concurrency }, lane));
  return { ok, errors, seconds: (performance.now() - t0) / 1000, histogram: encodeHistogram(hist), firstErrors, ...(sample !== undefined ? { sample } : {}) };
}

serveRpc(
  {
    start: () => start(),
    devices: async () => ({ registered: (await listDevices()).length }),
    reads: (t: PeerReadTarget) => reads(t),
  },
  () =>
    new Promise<void>((resolve) => {
      server.getRegistry()?.stopLifetimeCheck();
      if (info) server.stop(info, () => resolve());
      else resolve();
    }),
);
