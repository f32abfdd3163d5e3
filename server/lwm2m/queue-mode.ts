import { MAX_TRANSMIT_WAIT_MS } from '../../protocol/coap/constants.ts';
import { ServerError, isServerError } from '../errors.ts';
import { TypedEmitter } from './typed-emitter.ts';

/** Payloads of the presence events. */
export interface PresenceEvents {
  awake: { endpoint: string };
  sleeping: { endpoint: string };
}

/** What presence needs to know about a device (a Registration has these fields). */
export interface PresenceDevice {
  readonly endpoint: string;
  readonly queueMode: boolean;
  /** Time of the last Register/Update, used when this process has not heard from the device yet (after a restart). */
  readonly lastUpdate?: number;
}

export interface QueueModeOptions {
  /** Silence after which a queue-mode device is asleep (MAX_TRANSMIT_WAIT, RFC 7252 §4.8.2). @defaultValue 93000 */
  awakeMs?: number;
  /** How often sleeping devices are looked for: one timer for all devices. @defaultValue min(1000, awakeMs / 4) */
  sweepIntervalMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

export interface SubmitOptions {
  /**
   * If the device is asleep, keep the request and send it when the device wakes, failing with DEVICE_ASLEEP if it
   * does not wake within this many ms. Without it a request to a sleeping device fails at once (Leshan's behaviour).
   */
  waitForWakeUpMs?: number;
}

interface Pending {
  readonly run: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  /** Set when the caller accepted to wait for a wake-up. */
  readonly waitMs?: number;
  timer?: NodeJS.Timeout;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

interface DeviceState {
  /** Awake until this time (ms); 0 while asleep. */
  awakeUntil: number;
  readonly queue: Pending[];
  /** A request to the device is outstanding (NSTART = 1, RFC 7252 §4.7: drain serially). */
  busy: boolean;
  readonly waiters: Set<Waiter>;
}

/**
 * Presence of queue-mode devices (OMA TS Transport 1.1, "Queue Mode Operation"): a device is awake after Register, Update or any
 * message it sends, and asleep after `awakeMs` of silence or a request it did not answer. Requests to a queue-mode
 * device go out one at a time in submission order; to a sleeping device they fail fast with DEVICE_ASLEEP unless the
 * caller agreed to wait. Devices not in queue mode are not tracked: requests to them are sent at once.
 *
 * State is per process (the process owning the device's socket). One sweep timer serves every device.
 */
export class QueueModePresence {
  readonly events = new TypedEmitter<PresenceEvents>();
  private readonly awakeMs: number;
  private readonly sweepIntervalMs: number;
  private readonly now: () => number;
  private readonly devices = new Map<string, DeviceState>();
  /** Endpoints currently awake: the only ones the sweep looks at. */
  private readonly awake = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(opts: QueueModeOptions = {}) {
    this.awakeMs = opts.awakeMs ?? MAX_TRANSMIT_WAIT_MS;
    if (!(this.awakeMs > 0)) throw new RangeError(`awakeMs must be > 0, got ${this.awakeMs}`);
    this.sweepIntervalMs = opts.sweepIntervalMs ?? Math.max(10, Math.min(1000, Math.floor(this.awakeMs / 4)));
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Stops the sweep and fails every queued request and waiter with OVERLOADED (the server is going away). */
  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const endpoint of [...this.devices.keys()]) this.forget(endpoint, ServerError.overloaded(`server stopping; the request to ${endpoint} was not sent`, { endpoint }));
  }

  /**
   * A Register or Update was accepted: records whether the device uses queue mode and marks it awake. Queued requests
   * are sent on the next turn of the event loop, after the response to the Register/Update (OMA TS Core 1.1 §6.2 Client Registration).
   */
  registered(device: PresenceDevice): void {
    if (!device.queueMode) {
      // The device left queue mode: whatever waited for it can go now.
      const state = this.devices.get(device.endpoint);
      if (state) {
        this.devices.delete(device.endpoint);
        this.awake.delete(device.endpoint);
        for (const w of state.waiters) settle(w, () => w.resolve());
        for (const p of state.queue) this.runNow(p);
      }
      return;
    }
    if (!this.devices.has(device.endpoint)) this.devices.set(device.endpoint, newState(0));
    this.touch(device.endpoint);
  }

  /** Any message from the device (request, response, notification): it is awake for another `awakeMs`. */
  touch(endpoint: string): void {
    const state = this.devices.get(endpoint);
    if (!state) return;
    const wasAsleep = state.awakeUntil === 0;
    state.awakeUntil = this.now() + this.awakeMs;
    this.awake.add(endpoint);
    if (wasAsleep) {
      this.events.emit('awake', { endpoint });
      for (const w of state.waiters) settle(w, () => w.resolve());
      state.waiters.clear();
      setImmediate(() => this.drain(endpoint));
    }
  }

  /** The device is asleep now (silence, or a request it did not answer). Queued requests that may not wait fail. */
  setSleeping(endpoint: string): void {
    const state = this.devices.get(endpoint);
    if (!state || state.awakeUntil === 0) return;
    state.awakeUntil = 0;
    this.awake.delete(endpoint);
    for (const p of [...state.queue]) {
      if (p.waitMs === undefined) {
        state.queue.splice(state.queue.indexOf(p), 1);
        p.reject(asleepError(endpoint));
      }
    }
    this.events.emit('sleeping', { endpoint });
  }

  /** True unless `device` is a queue-mode device that is asleep. */
  isAwake(device: PresenceDevice | string): boolean {
    const endpoint = typeof device === 'string' ? device : device.endpoint;
    if (typeof device !== 'string' && !device.queueMode) return true;
    const state = typeof device === 'string' ? this.devices.get(endpoint) : this.state(device);
    return !state || state.awakeUntil > 0;
  }

  /** The device de-registered or expired: queued requests and waiters fail with `reason`, its state is dropped. */
  forget(endpoint: string, reason: unknown = ServerError.notFound(`device ${endpoint} is no longer registered`, { endpoint })): void {
    const state = this.devices.get(endpoint);
    if (!state) return;
    this.devices.delete(endpoint);
    this.awake.delete(endpoint);
    for (const p of state.queue) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(reason);
    }
    for (const w of state.waiters) settle(w, () => w.reject(reason));
  }

  /**
   * Runs `send` for `device` under the queue-mode rules: at once for a device not in queue mode; otherwise one at a
   * time in submission order while awake, queued (with `waitForWakeUpMs`) or refused with DEVICE_ASLEEP while asleep.
   * A TIMEOUT from `send` puts the device to sleep (Leshan's QueueModeLwM2mRequestSender does the same).
   */
  submit<T>(device: PresenceDevice, send: () => Promise<T>, opts: SubmitOptions = {}): Promise<T> {
    if (!device.queueMode) return send();
    const state = this.state(device);
    const wait = opts.waitForWakeUpMs;
    if (wait !== undefined && !(Number.isFinite(wait) && wait >= 0)) {
      return Promise.reject(ServerError.badRequest(`waitForWakeUpMs must be a non-negative number, got ${wait}`));
    }
    if (state.awakeUntil === 0 && wait === undefined) return Promise.reject(asleepError(device.endpoint));
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { run: send, resolve: resolve as (v: unknown) => void, reject, ...(wait === undefined ? {} : { waitMs: wait }) };
      if (wait !== undefined && state.awakeUntil === 0) {
        pending.timer = setTimeout(() => {
          const i = state.queue.indexOf(pending);
          if (i < 0) return;
          state.queue.splice(i, 1);
          reject(ServerError.deviceAsleep(`device ${device.endpoint} did not wake up within ${wait} ms`, { endpoint: device.endpoint }));
        }, wait);
        pending.timer.unref();
      }
      state.queue.push(pending);
      this.drain(device.endpoint);
    });
  }

  /** Resolves when `device` is awake (at once if it is, or if it is not in queue mode); DEVICE_ASLEEP after `timeoutMs`. */
  waitUntilAwake(device: PresenceDevice, timeoutMs: number): Promise<void> {
    if (this.isAwake(device)) return Promise.resolve();
    const state = this.state(device);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          state.waiters.delete(waiter);
          reject(ServerError.deviceAsleep(`device ${device.endpoint} did not wake up within ${timeoutMs} ms`, { endpoint: device.endpoint }));
        }, timeoutMs),
      };
      waiter.timer.unref();
      state.waiters.add(waiter);
    });
  }

  /** Number of queue-mode devices awake now. */
  awakeCount(): number {
    return this.awake.size;
  }

  /** Requests waiting for `endpoint` (not counting the one outstanding). */
  queuedCount(endpoint: string): number {
    return this.devices.get(endpoint)?.queue.length ?? 0;
  }

  /** Puts to sleep every device silent for `awakeMs`. Called by the sweep timer; public for tests with a fake clock. */
  sweep(): void {
    const now = this.now();
    for (const endpoint of this.awake) {
      const state = this.devices.get(endpoint);
      if (state && state.awakeUntil <= now && !state.busy) this.setSleeping(endpoint);
    }
  }

  private state(device: PresenceDevice): DeviceState {
    let state = this.devices.get(device.endpoint);
    if (!state) {
      // First time this process hears of the device (e.g. after a restart): trust its last Register/Update.
      const until = (device.lastUpdate ?? 0) + this.awakeMs;
      state = newState(until > this.now() ? until : 0);
      this.devices.set(device.endpoint, state);
      if (state.awakeUntil > 0) this.awake.add(device.endpoint);
    }
    return state;
  }

  private drain(endpoint: string): void {
    const state = this.devices.get(endpoint);
    if (!state || state.busy || state.awakeUntil === 0) return;
    const next = state.queue.shift();
    if (!next) return;
    if (next.timer) clearTimeout(next.timer);
    state.busy = true;
    next.run().then(
      (value) => {
        state.busy = false;
        next.resolve(value);
        this.drain(endpoint);
      },
      (err: unknown) => {
        state.busy = false;
        if (isServerError(err, 'TIMEOUT')) this.setSleeping(endpoint);
        next.reject(err);
        this.drain(endpoint);
      },
    );
  }

  private runNow(p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.run().then(p.resolve, p.reject);
  }
}

function settle(w: Waiter, fn: () => void): void {
  clearTimeout(w.timer);
  fn();
}

function newState(awakeUntil: number): DeviceState {
  return { awakeUntil, queue: [], busy: false, waiters: new Set() };
}

function asleepError(endpoint: string): ServerError {
  return ServerError.deviceAsleep(`device ${endpoint} is in queue mode and asleep; retry when it wakes up or pass waitForWakeUpMs`, { endpoint });
}
