// Fake DeviceGateway / TwinGateway for job tests: simulated devices with latency, scripted errors, hangs, queue-mode
// sleep and a firmware state machine (OMA registry object 5 Firmware Update). One FakeWorld is shared by the gateways of several "servers".
import type { LwM2mLeaf, LwM2mNode, LwM2mValue } from '../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { DeviceGateway, DeviceOperationOptions, NotificationAttributes, TwinGateway, TwinPatchSpec } from '../../jobs/device-gateway.ts';

export type Operation = 'read' | 'write' | 'execute' | 'writeAttributes' | 'observe' | 'cancelObservation';

export interface Call {
  serverId: string;
  ep: string;
  op: Operation;
  path: string;
  at: number;
  opts?: DeviceOperationOptions;
  value?: LwM2mValue | LwM2mNode;
  args?: string;
  attrs?: NotificationAttributes;
}

/** An error shaped like the server's ServerError (duck-typed by the jobs layer). */
export function gatewayError(code: string, message: string, coapCode?: string): Error & { code: string; coapCode?: string } {
  return Object.assign(new Error(message), coapCode === undefined ? { code } : { code, coapCode });
}

export interface FirmwareBehaviour {
  downloadMs: number;
  updateMs: number;
  /** Update Result when the download fails (2–9); absent = download succeeds. */
  downloadFailure?: number;
  /** Update Result after Update: 1 = success. */
  updateResult: number;
}

interface Waiter {
  path: string;
  predicate: (v: unknown) => boolean;
  resolve: (v: unknown) => void;
}

export class FakeDevice {
  owner?: string;
  queueMode = false;
  awake = true;
  latencyMs = 0;
  /** Operations hang (never answer) while true. */
  hang = false;
  readonly values = new Map<string, LwM2mValue>();
  readonly observed = new Set<string>();
  readonly failures: { op: Operation; error: Error }[] = [];
  firmware?: FirmwareBehaviour;
  active = 0;
  maxActive = 0;
  private readonly waiters = new Set<Waiter>();
  private wakeListeners: (() => void)[] = [];

  constructor(readonly ep: string) {}

  /** Sets a value; observed paths notify waiters. */
  set(path: string, value: LwM2mValue): void {
    this.values.set(path, value);
    if (this.observed.has(path)) this.deliver(path, value);
  }

  deliver(path: string, value: unknown): void {
    for (const w of [...this.waiters]) {
      if (w.path === path && w.predicate(value)) {
        this.waiters.delete(w);
        w.resolve(value);
      }
    }
  }

  wake(): void {
    this.awake = true;
    const listeners = this.wakeListeners;
    this.wakeListeners = [];
    for (const l of listeners) l();
  }

  /** Queue mode: waits for wake-up up to `waitMs`, else DEVICE_ASLEEP (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"). */
  async reach(waitMs: number): Promise<void> {
    if (!this.queueMode || this.awake) return;
    if (waitMs <= 0) throw gatewayError('DEVICE_ASLEEP', `device ${this.ep} is asleep`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(gatewayError('DEVICE_ASLEEP', `device ${this.ep} did not wake up within ${waitMs} ms`)), waitMs);
      this.wakeListeners.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  addWaiter(path: string, predicate: (v: unknown) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { path, predicate, resolve: (v) => (clearTimeout(timer), resolve(v)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(gatewayError('TIMEOUT', `no value of ${path} within ${timeoutMs} ms`));
      }, timeoutMs);
      signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(signal.reason);
        },
        { once: true },
      );
      this.waiters.add(waiter);
    });
  }

  get waiterCount(): number {
    return this.waiters.size;
  }

  startFirmwareDownload(): void {
    const fw = this.firmware;
    if (!fw) throw gatewayError('DEVICE_ERROR', 'no firmware object', '4.04');
    this.set('/5/0/5', 0);
    this.set('/5/0/3', 1);
    setTimeout(() => {
      if (fw.downloadFailure !== undefined) {
        this.set('/5/0/3', 0);
        this.set('/5/0/5', fw.downloadFailure);
      } else {
        this.set('/5/0/3', 2);
      }
    }, fw.downloadMs);
  }

  startFirmwareUpdate(): void {
    const fw = this.firmware;
    if (!fw || this.values.get('/5/0/3') !== 2) throw gatewayError('DEVICE_ERROR', 'Update is allowed in Downloaded only', '4.05');
    this.set('/5/0/3', 3);
    setTimeout(() => {
      this.set('/5/0/5', fw.updateResult);
      this.set('/5/0/3', fw.updateResult === 1 ? 0 : 2);
    }, fw.updateMs);
  }
}

export class FakeWorld {
  readonly devices = new Map<string, FakeDevice>();
  readonly calls: Call[] = [];
  readonly twin = new FakeTwin();

  addDevice(ep: string, setup: Partial<Pick<FakeDevice, 'owner' | 'queueMode' | 'awake' | 'latencyMs' | 'firmware'>> & { values?: Record<string, LwM2mValue>; tags?: Record<string, unknown> } = {}): FakeDevice {
    const device = new FakeDevice(ep);
    const { values, tags, ...rest } = setup;
    Object.assign(device, rest);
    for (const [path, value] of Object.entries(values ?? {})) device.values.set(path, value);
    if (device.firmware) {
      device.values.set('/5/0/3', 0);
      device.values.set('/5/0/5', 0);
    }
    this.devices.set(ep, device);
    this.twin.add(ep, tags ?? {});
    return device;
  }

  device(ep: string): FakeDevice {
    const d = this.devices.get(ep);
    if (!d) throw new Error(`no fake device ${ep}`);
    return d;
  }

  gateway(serverId: string): FakeGateway {
    return new FakeGateway(this, serverId);
  }

  callsOf(ep: string, op?: Operation): Call[] {
    return this.calls.filter((c) => c.ep === ep && (op === undefined || c.op === op));
  }
}

export class FakeGateway implements DeviceGateway {
  constructor(
    private readonly world: FakeWorld,
    readonly serverId: string,
  ) {}

  async ownerOf(ep: string): Promise<string | undefined> {
    return this.world.devices.get(ep)?.owner;
  }

  async isQueueMode(ep: string): Promise<boolean> {
    return this.world.devices.get(ep)?.queueMode ?? false;
  }

  async read(ep: string, path: LwM2mPath, opts: DeviceOperationOptions): Promise<LwM2mLeaf[]> {
    return this.operate(ep, { op: 'read', path: path.toString(), opts }, (d) => {
      const prefix = path.toString();
      const leaves = [...d.values].filter(([p]) => p === prefix || p.startsWith(`${prefix}/`)).map(([p, value]) => ({ path: LwM2mPath.parse(p), value }));
      if (leaves.length === 0) throw gatewayError('DEVICE_ERROR', `Device ${ep} answered 4.04 Not Found to Read ${prefix}`, '4.04');
      for (const leaf of leaves) d.deliver(leaf.path.toString(), leaf.value);
      return leaves;
    });
  }

  async write(ep: string, path: LwM2mPath, value: LwM2mValue | LwM2mNode, opts: DeviceOperationOptions): Promise<void> {
    return this.operate(ep, { op: 'write', path: path.toString(), opts, value }, (d) => {
      const p = path.toString();
      if (p === '/5/0/1' || p === '/5/0/0') {
        d.values.set(p, value as LwM2mValue);
        d.startFirmwareDownload();
        return;
      }
      if (typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'multipleResource') {
        for (const [id, v] of value.instances) d.set(`${p}/${id}`, v);
      } else {
        d.set(p, value as LwM2mValue);
      }
    });
  }

  async execute(ep: string, path: LwM2mPath, args: string | undefined, opts: DeviceOperationOptions): Promise<void> {
    return this.operate(ep, { op: 'execute', path: path.toString(), opts, ...(args === undefined ? {} : { args }) }, (d) => {
      if (path.toString() === '/5/0/2') d.startFirmwareUpdate();
    });
  }

  async writeAttributes(ep: string, path: LwM2mPath, attrs: NotificationAttributes, opts: DeviceOperationOptions): Promise<void> {
    return this.operate(ep, { op: 'writeAttributes', path: path.toString(), opts, attrs }, () => undefined);
  }

  async observe(ep: string, path: LwM2mPath, opts: DeviceOperationOptions): Promise<void> {
    return this.operate(ep, { op: 'observe', path: path.toString(), opts }, (d) => void d.observed.add(path.toString()));
  }

  async cancelObservation(ep: string, path: LwM2mPath): Promise<void> {
    return this.operate(ep, { op: 'cancelObservation', path: path.toString() }, (d) => void d.observed.delete(path.toString()));
  }

  waitForValue(ep: string, path: LwM2mPath, predicate: (v: unknown) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.world.device(ep).addWaiter(path.toString(), predicate, timeoutMs, signal);
  }

  private async operate<T>(ep: string, call: Omit<Call, 'serverId' | 'ep' | 'at'>, apply: (d: FakeDevice) => T): Promise<T> {
    const d = this.world.devices.get(ep);
    this.world.calls.push({ serverId: this.serverId, ep, at: Date.now(), ...call });
    if (!d || d.owner === undefined) throw gatewayError('NOT_FOUND', `device ${ep} is not registered`);
    if (d.owner !== this.serverId) throw gatewayError('NOT_FOUND', `device ${ep} is registered on ${d.owner}, not on ${this.serverId}`);
    d.active++;
    d.maxActive = Math.max(d.maxActive, d.active);
    try {
      await d.reach(call.opts?.waitForWakeUpMs ?? 0);
      if (d.hang) await new Promise(() => undefined);
      if (d.latencyMs > 0) await new Promise((r) => setTimeout(r, d.latencyMs));
      const i = d.failures.findIndex((f) => f.op === call.op);
      if (i >= 0) throw d.failures.splice(i, 1)[0].error;
      return apply(d);
    } finally {
      d.active--;
    }
  }
}

interface FakeTwinRecord {
  tags: Record<string, unknown>;
  desired: Record<string, unknown>;
  reported: Map<string, { value: LwM2mValue; source: string; timestamp: number }>;
}

export class FakeTwin implements TwinGateway {
  readonly twins = new Map<string, FakeTwinRecord>();
  readonly applyReadCalls: { ep: string; paths: string[] }[] = [];
  readonly patchCalls: { ep: string; patch: TwinPatchSpec }[] = [];
  /** Errors thrown by the next patch of a device. */
  readonly patchFailures = new Map<string, Error>();

  add(ep: string, tags: Record<string, unknown>): void {
    this.twins.set(ep, { tags: { ...tags }, desired: {}, reported: new Map() });
  }

  async applyRead(ep: string, leaves: LwM2mLeaf[], timestamp: number): Promise<void> {
    const twin = this.twins.get(ep);
    if (!twin) throw gatewayError('NOT_FOUND', `no twin ${ep}`);
    this.applyReadCalls.push({ ep, paths: leaves.map((l) => l.path.toString()) });
    for (const leaf of leaves) twin.reported.set(leaf.path.toString(), { value: leaf.value, source: 'read', timestamp });
  }

  async patch(ep: string, patch: TwinPatchSpec): Promise<void> {
    const twin = this.twins.get(ep);
    if (!twin) throw gatewayError('NOT_FOUND', `no twin ${ep}`);
    const failure = this.patchFailures.get(ep);
    if (failure) {
      this.patchFailures.delete(ep);
      throw failure;
    }
    this.patchCalls.push({ ep, patch });
    if (patch.tags) merge(twin.tags, patch.tags);
    if (patch.properties?.desired) merge(twin.desired, patch.properties.desired);
  }

  /** Supports `tags.<key> = '<value>'` only; anything else is a QUERY_SYNTAX error, as a malformed query would be. */
  async resolveQuery(where: string): Promise<string[]> {
    const m = /^tags\.(\w+)\s*=\s*'([^']*)'$/.exec(where.trim());
    if (!m) throw Object.assign(new Error(`Syntax error at position 0: cannot parse "${where}"`), { code: 'QUERY_SYNTAX' });
    return [...this.twins].filter(([, t]) => t.tags[m[1]] === m[2]).map(([ep]) => ep);
  }

  async exists(ep: string): Promise<boolean> {
    return this.twins.has(ep);
  }
}

function merge(target: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof target[k] === 'object' && target[k] !== null) merge(target[k] as Record<string, unknown>, v as Record<string, unknown>);
    else target[k] = v;
  }
}
