import { isNewerNotification } from '../../protocol/coap/observe.ts';
import type { ObservationControl } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { type Shared, SharedValues } from '../../protocol/shared-values.ts';

/** What an observation is made of; `ObservationRegistry.add` turns it into the compact `Observation` it keeps. */
export interface NewObservation {
  readonly endpoint: string;
  readonly registrationId: string;
  /** One path (Observe) or several (Observe-Composite). */
  readonly paths: readonly LwM2mPath[];
  readonly composite: boolean;
  /** The CoAP observation: token, active and passive cancel. */
  readonly control: ObservationControl;
  /** The format asked for (Accept); a notification without Content-Format is read in it. */
  readonly contentFormat?: number;
  /** Observe number of the first answer (RFC 7641 §4.4). */
  readonly lastSeq?: number;
  /** When the first answer arrived (ms, `performance.now()`). */
  readonly lastReceivedAt: number;
}

/**
 * One observation this server process holds on a device (RFC 7641 §3; OMA TS Core §6.4.1), compact because a server
 * holds one per observed object of every device: the paths are shared with every observation of the same paths, the
 * registration is named by its id (the cached registration is looked up per notification), the CoAP observation holds
 * the token and the request, and there are no closures.
 */
export class Observation {
  /** Observe number of the newest notification accepted so far (RFC 7641 §4.4). */
  lastSeq: number | undefined;
  /** When that notification arrived (ms, process clock). */
  lastReceivedAt: number | undefined;

  constructor(
    readonly endpoint: string,
    /** The registration it was made under: a new Register drops it (observations do not survive a new Register: OMA TS Core 1.1 §6.2.1 Register, §6.4 Information Reporting). */
    readonly registrationId: string,
    /** Its paths and their key, shared by every observation of the same paths. */
    readonly target: Shared<readonly LwM2mPath[]>,
    readonly composite: boolean,
    readonly control: ObservationControl,
    readonly contentFormat: number | undefined,
    lastSeq: number | undefined,
    lastReceivedAt: number | undefined,
  ) {
    this.lastSeq = lastSeq;
    this.lastReceivedAt = lastReceivedAt === undefined ? undefined : Math.floor(lastReceivedAt);
  }

  /** One path (Observe) or several (Observe-Composite). */
  get paths(): readonly LwM2mPath[] {
    return this.target.value;
  }

  /** `observationKey(paths)`. */
  get key(): string {
    return this.target.key;
  }

  get token(): Buffer {
    return this.control.token;
  }

  get tokenKey(): string {
    return this.control.tokenKey;
  }
}

/** Counters of what happened to notifications (for metrics and tests). */
export interface NotificationCounters {
  accepted: number;
  /** Older than, or a duplicate of, one already accepted (RFC 7641 §3.4). */
  stale: number;
  /** For a token no observation is registered for any more. */
  unknown: number;
}

/** The key of an observation: its sorted paths, so `/3/0/9` and a composite of `/3/0/9,/6/0` never clash. */
export function observationKey(paths: readonly LwM2mPath[]): string {
  return paths
    .map((p) => p.toString())
    .sort()
    .join(',');
}

/**
 * The active observations of this server process, per endpoint and by token. Observation state belongs to the process
 * owning the socket the device talks to; it is not shared through Redis. An endpoint's observations are a small array
 * (one per observed object), not a map of their own.
 */
export class ObservationRegistry {
  readonly counters: NotificationCounters = { accepted: 0, stale: 0, unknown: 0 };
  private readonly byEndpoint = new Map<string, Observation[]>();
  private readonly byToken = new Map<string, Observation>();
  private readonly pathSets = new SharedValues<readonly LwM2mPath[]>();

  /**
   * Adds an observation and returns the record kept; an observation of the same endpoint and paths is replaced, and
   * forgotten (passive cancel).
   */
  add(o: NewObservation): Observation {
    const target = this.pathSets.acquire(observationKey(o.paths), () => Object.freeze([...o.paths]));
    const obs = new Observation(o.endpoint, o.registrationId, target, o.composite, o.control, o.contentFormat, o.lastSeq, o.lastReceivedAt);
    let list = this.byEndpoint.get(obs.endpoint);
    if (!list) {
      list = [];
      this.byEndpoint.set(obs.endpoint, list);
    }
    const i = list.findIndex((p) => p.key === obs.key);
    if (i >= 0) {
      const previous = list[i];
      this.forgetToken(previous);
      previous.control.forget();
      list[i] = obs;
    } else {
      list.push(obs);
    }
    this.byToken.set(obs.tokenKey, obs);
    return obs;
  }

  get(endpoint: string, paths: readonly LwM2mPath[]): Observation | undefined {
    const key = observationKey(paths);
    return this.byEndpoint.get(endpoint)?.find((o) => o.key === key);
  }

  /** The observation registered under a token (`tokenKey`), if any. */
  byTokenKey(key: string): Observation | undefined {
    return this.byToken.get(key);
  }

  /** True while `obs` is still the registered observation for its token (not replaced or removed). */
  isCurrent(obs: Observation): boolean {
    return this.byToken.get(obs.tokenKey) === obs;
  }

  list(endpoint: string): Observation[] {
    return [...(this.byEndpoint.get(endpoint) ?? [])];
  }

  /** Number of observations held for every endpoint together. */
  size(): number {
    return this.byToken.size;
  }

  /** Distinct path sets the observations share. */
  pathSetCount(): number {
    return this.pathSets.size;
  }

  /** Removes an observation without telling the device (the caller cancels or forgets its control). */
  remove(obs: Observation): boolean {
    if (!this.isCurrent(obs)) return false;
    this.forgetToken(obs);
    const list = this.byEndpoint.get(obs.endpoint);
    if (list) {
      const i = list.indexOf(obs);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.byEndpoint.delete(obs.endpoint);
    }
    return true;
  }

  /**
   * Forgets every observation of `endpoint` (De-register, expiry, new Register): the tokens are dropped so a later
   * notification is answered with RST (RFC 7641 §3.6). Returns how many there were.
   */
  dropAll(endpoint: string): number {
    const list = this.byEndpoint.get(endpoint);
    if (!list) return 0;
    this.byEndpoint.delete(endpoint);
    for (const obs of list) {
      this.forgetToken(obs);
      obs.control.forget();
    }
    return list.length;
  }

  /** Forgets every observation of every endpoint (server stop). */
  clear(): void {
    for (const endpoint of [...this.byEndpoint.keys()]) this.dropAll(endpoint);
  }

  /**
   * Decides whether a notification numbered `seq` that arrived at `receivedAt` is newer than the last accepted one
   * (RFC 7641 §3.4) and, if so, records it. Stale and duplicate notifications return false and are counted; so are
   * notifications for an observation that is no longer registered. A notification without an Observe number (the
   * observation ended) is accepted once.
   */
  accept(obs: Observation, seq: number | undefined, receivedAt: number): boolean {
    if (!this.isCurrent(obs)) {
      this.counters.unknown++;
      return false;
    }
    if (seq !== undefined && obs.lastSeq !== undefined && obs.lastReceivedAt !== undefined) {
      if (!isNewerNotification({ seq: obs.lastSeq, receivedAt: obs.lastReceivedAt }, { seq, receivedAt })) {
        this.counters.stale++;
        return false;
      }
    }
    if (seq !== undefined) obs.lastSeq = seq;
    obs.lastReceivedAt = Math.floor(receivedAt); // whole ms stay small integers in the record, not boxed numbers
    this.counters.accepted++;
    return true;
  }

  /** Drops `obs` from the token index and releases its share of the path set. */
  private forgetToken(obs: Observation): void {
    if (this.byToken.get(obs.tokenKey) === obs) this.byToken.delete(obs.tokenKey);
    this.pathSets.release(obs.target);
  }
}
