/**
 * A raw load generator of LwM2M devices: `count` endpoints spread over a few CoAP sockets (`devicesPerSocket` each),
 * far cheaper per device than full simulated clients. Each device Registers (OMA TS Core §6.2.1) from its socket;
 * the sockets answer the server's Write-Attributes, Observe and Read requests with fixed values (DeviceAnswers) and
 * remember the tokens of `/3/0` observations, so `notify` can send NON notifications (RFC 7641 §4.2) at a fixed total
 * rate round-robin over the observed devices. Sockets bind to distinct 127.x.y.z addresses so that the server's
 * per-address Register rate limit sees a spread-out fleet, as it would in the field. With `pskSecret` every device
 * speaks coaps instead: one DTLS session per device (one socket each), with the PSK of scripts/simulator/simulator-psk.ts.
 */
import { CoapEndpoint } from '../../../protocol/coap/endpoint.ts';
import { DtlsSocket } from '../../../protocol/dtls/dtls-socket.ts';
import type { Peer } from '../../../protocol/coap/types.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import type { LwM2mValue } from '../../../protocol/lwm2m/node.ts';
import { ObjectRegistry } from '../../../objects/object-registry.ts';
import { simulatorPsk } from '../../simulator/simulator-psk.ts';
import { wallNow } from '../child-rpc.ts';
import { encodeHistogram, latencyHistogram, recordMs, sleep } from '../stats.ts';
import { DeviceAnswers, REGISTER_LINKS } from './device-answers.ts';

export interface VirtualFleetOptions {
  server: Peer;
  /** Endpoint names are `${prefix}${index}`. */
  prefix: string;
  /** @defaultValue 0 */
  firstIndex?: number;
  count: number;
  /** @defaultValue 250 */
  devicesPerSocket?: number;
  /** Index of this fleet's first socket among all fleets of a run: picks distinct loopback addresses. @defaultValue 0 */
  firstSocket?: number;
  /** Registration lifetime, s. @defaultValue 3600 */
  lifetime?: number;
  /** Deadline of one Register, ms. @defaultValue 30000 */
  registerTimeoutMs?: number;
  /**
   * coaps: each device gets its own DTLS client socket (devicesPerSocket is then 1) authenticated with the PSK derived
   * from this hex secret; `server` is the coaps port. @defaultValue plain CoAP
   */
  pskSecret?: string;
  /** Answer single-resource Reads asked in text/plain too (LwM2M 1.0 servers). @defaultValue false */
  plainTextReads?: boolean;
}

/** Outcome of `connect`: DTLS handshakes of every device. */
export interface ConnectReport {
  connected: number;
  failed: number;
  seconds: number;
  /** Handshake latencies (µs), compressed base64. */
  histogram: string;
  errors: string[];
}

/** Outcome of `register`. */
export interface RegisterReport {
  registered: number;
  failed: number;
  /** Wall clock (ms, sub-ms resolution) when the first Register was sent and when the last answer came. */
  startedAt: number;
  finishedAt: number;
  /** Register → 2.01 latencies (µs), compressed base64. */
  histogram: string;
  errors: string[];
}

/** Outcome of `notify`. */
export interface NotifyReport {
  sent: number;
  /** Notifications the server answered with RST (unknown observation). */
  resets: number;
  seconds: number;
  /** Observations of `/3/0` the notifications were spread over. */
  observations: number;
}

interface FleetSocket {
  endpoint: CoapEndpoint;
  /** coaps: the device's DTLS socket under `endpoint`. */
  dtls?: DtlsSocket;
  /** Tokens of the server's observations of `/3/0` on this socket, with the observer's address. */
  observe3: Array<{ token: Buffer; peer: Peer }>;
}

/** The loopback address of socket number `n` (127.1.0.1, 127.1.0.2, ... 250 per third octet). */
export function loopbackAddress(n: number): string {
  return `127.${1 + Math.floor(n / 62_500)}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

export class VirtualFleet {
  private readonly sockets: FleetSocket[] = [];
  private answers!: DeviceAnswers;
  /** Requests from the server answered so far. */
  requestsServed = 0;

  private constructor(private readonly opts: VirtualFleetOptions) {}

  /** Loads the object model and binds the sockets. */
  static async open(opts: VirtualFleetOptions): Promise<VirtualFleet> {
    const fleet = new VirtualFleet(opts);
    fleet.answers = new DeviceAnswers(await ObjectRegistry.loadDefault(), { plainText: opts.plainTextReads === true });
    const perSocket = fleet.perSocket;
    const n = Math.max(1, Math.ceil(opts.count / perSocket));
    for (let k = 0; k < n; k++) {
      const address = loopbackAddress((opts.firstSocket ?? 0) + k);
      let socket: FleetSocket;
      if (opts.pskSecret !== undefined) {
        const dtls = await DtlsSocket.bind({ address, port: 0, client: { psk: simulatorPsk(opts.pskSecret, fleet.name(k)) } });
        dtls.on('warning', () => undefined);
        socket = { endpoint: CoapEndpoint.over(dtls, { maxInFlight: 1000 }), dtls, observe3: [] };
      } else {
        socket = { endpoint: await CoapEndpoint.bind({ address, port: 0, maxInFlight: 50_000, socketBufferBytes: 4 * 1024 * 1024 }), observe3: [] };
      }
      const { endpoint } = socket;
      endpoint.on('warning', () => undefined);
      endpoint.onRequest((req) => {
        fleet.requestsServed++;
        if (req.method === 'GET' && req.observe === 0 && req.uriPath.length === 2 && req.uriPath[0] === '3') socket.observe3.push({ token: Buffer.from(req.token), peer: req.peer });
        return fleet.answers.answer(req);
      });
      fleet.sockets.push(socket);
    }
    return fleet;
  }

  get count(): number {
    return this.opts.count;
  }

  /** Devices per socket: one per DTLS session with `pskSecret`. */
  private get perSocket(): number {
    return this.opts.pskSecret !== undefined ? 1 : (this.opts.devicesPerSocket ?? 250);
  }

  /** coaps: runs every device's DTLS handshake (at most `concurrency` at once) without sending CoAP yet. */
  async connect(concurrency: number): Promise<ConnectReport> {
    const hist = latencyHistogram();
    const errors: string[] = [];
    let next = 0;
    let connected = 0;
    let failed = 0;
    const t0 = performance.now();
    const lane = async (): Promise<void> => {
      while (next < this.sockets.length) {
        const s = this.sockets[next++];
        if (s.dtls === undefined) continue;
        const h0 = performance.now();
        try {
          await s.dtls.connect(this.opts.server);
          recordMs(hist, performance.now() - h0);
          connected++;
        } catch (err) {
          failed++;
          if (errors.length < 5) errors.push((err as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, this.sockets.length)) }, lane));
    return { connected, failed, seconds: (performance.now() - t0) / 1000, histogram: encodeHistogram(hist), errors };
  }

  /** Endpoint name of device `i` of this fleet (0-based). */
  name(i: number): string {
    return `${this.opts.prefix}${(this.opts.firstIndex ?? 0) + i}`;
  }

  /** Observations of `/3/0` the server holds on this fleet. */
  observedDevices(): number {
    return this.sockets.reduce((n, s) => n + s.observe3.length, 0);
  }

  /** Registers every device with at most `concurrency` Registers in flight. */
  async register(concurrency: number): Promise<RegisterReport> {
    const hist = latencyHistogram();
    const errors: string[] = [];
    let next = 0;
    let registered = 0;
    let failed = 0;
    const startedAt = wallNow();
    const lane = async (): Promise<void> => {
      while (next < this.opts.count) {
        const i = next++;
        const socket = this.sockets[i % this.sockets.length];
        const t0 = performance.now();
        try {
          const res = await socket.endpoint.request(
            this.opts.server,
            {
              method: 'POST',
              uriPath: ['rd'],
              uriQuery: [`ep=${this.name(i)}`, `lt=${this.opts.lifetime ?? 3600}`, 'lwm2m=1.1', 'b=U'],
              contentFormat: ContentFormat.LINK,
              payload: Buffer.from(REGISTER_LINKS),
            },
            { timeoutMs: this.opts.registerTimeoutMs ?? 30_000 },
          );
          if (res.code === '2.01') {
            recordMs(hist, performance.now() - t0);
            registered++;
          } else {
            failed++;
            if (errors.length < 5) errors.push(`${this.name(i)}: Register answered ${res.code} ${res.payload.toString('utf8').slice(0, 120)}`);
          }
        } catch (err) {
          failed++;
          if (errors.length < 5) errors.push(`${this.name(i)}: ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, this.opts.count)) }, lane));
    return { registered, failed, startedAt, finishedAt: wallNow(), histogram: encodeHistogram(hist), errors };
  }

  /**
   * Sends NON notifications of `/3/0` at `ratePerSecond` in total for `durationMs`, round-robin over every observed
   * device; each carries a new Battery Level (/3/0/9).
   */
  async notify(ratePerSecond: number, durationMs: number): Promise<NotifyReport> {
    const targets = this.sockets.flatMap((s) => s.observe3.map((o) => ({ endpoint: s.endpoint, ...o })));
    if (targets.length === 0) return { sent: 0, resets: 0, seconds: 0, observations: 0 };
    const bodies = Array.from({ length: 101 }, (_, v) => this.answers.notification(9, v));
    let sent = 0;
    let resets = 0;
    const onResult = (r: string): void => {
      if (r === 'reset') resets++;
    };
    const t0 = performance.now();
    const maxPerSlice = Math.max(50, Math.ceil(ratePerSecond / 500));
    while (true) {
      const elapsed = performance.now() - t0;
      if (elapsed >= durationMs) break;
      const due = Math.floor((ratePerSecond * elapsed) / 1000) - sent;
      const burst = Math.min(due, maxPerSlice);
      for (let k = 0; k < burst; k++) {
        const t = targets[sent % targets.length];
        const body = bodies[(sent * 7 + 13) % bodies.length];
        t.endpoint.notify(t.peer, t.token, { code: '2.05', contentFormat: ContentFormat.SENML_CBOR, payload: body }, { confirmable: false }).then(onResult, () => undefined);
        sent++;
      }
      // Yield to the socket (answers, RSTs); sleep a little when ahead of schedule.
      if (due <= maxPerSlice) await sleep(1);
      else await new Promise<void>((r) => setImmediate(r));
    }
    return { sent, resets, seconds: (performance.now() - t0) / 1000, observations: targets.length };
  }

  /**
   * Device 0 only: sends one confirmable notification of `/3/0` carrying `value` at resource `resourceId`; resolves
   * 'acked', 'reset' or 'timeout' (or 'unobserved' when the server holds no observation of `/3/0` yet).
   */
  async notifyOne(resourceId: number, value: LwM2mValue): Promise<string> {
    const s = this.sockets[0];
    const o = s.observe3[s.observe3.length - 1];
    if (!o) return 'unobserved';
    return s.endpoint.notify(o.peer, o.token, { code: '2.05', contentFormat: ContentFormat.SENML_CBOR, payload: this.answers.notification(resourceId, value) });
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => s.endpoint.close()));
    this.sockets.length = 0;
  }
}
