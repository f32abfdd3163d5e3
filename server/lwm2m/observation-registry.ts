import { isNewerNotification } from '../../protocol/coap/observe.ts';
import { tokenKey } from '../../protocol/coap/token.ts';
import type { ObservationHandle } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';

/** One observation this server process holds on a device (RFC 7641 §3; OMA TS Core §6.4.1). */
export interface Observation {
  readonly endpoint: string;
  /** The registration it was made under: a new Register drops it (observations do not survive a new Register: OMA TS Core 1.1 §6.2.1 Register, §6.4 Information Reporting). */
  readonly registrationId: string;
  /** One path (Observe) or several (Observe-Composite). */
  readonly paths: readonly LwM2mPath[];
  readonly composite: boolean;
  readonly token: Buffer;
  /** The format asked for (Accept); a notification without Content-Format is read in it. */
  readonly contentFormat?: number;
  readonly handle: ObservationHandle;
  readonly createdAt: number;
  /** Observe number of the newest notification accepted so far (RFC 7641 §4.4). */
  lastSeq?: number;
  /** When that notification arrived (ms, process clock). */
  lastReceivedAt?: number;
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
 * owning the socket the device talks to; it is not shared through Redis.
 */
export class ObservationRegistry {
  readonly counters: NotificationCounters = { accepted: 0, stale: 0, unknown: 0 };
  private readonly byEndpoint = new Map<string, Map<string, Observation>>();
  private readonly byToken = new Map<string, Observation>();

  /** Adds `obs`; an observation of the same endpoint and paths is replaced, and forgotten (passive cancel). */
  add(obs: Observation): Observation | undefined {
    let map = this.byEndpoint.get(obs.endpoint);
    if (!map) {
      map = new Map();
      this.byEndpoint.set(obs.endpoint, map);
    }
    const key = observationKey(obs.paths);
    const previous = map.get(key);
    if (previous) {
      this.byToken.delete(tokenKey(previous.token));
      previous.handle.forget();
    }
    map.set(key, obs);
    this.byToken.set(tokenKey(obs.token), obs);
    return previous;
  }

  get(endpoint: string, paths: readonly LwM2mPath[]): Observation | undefined {
    return this.byEndpoint.get(endpoint)?.get(observationKey(paths));
  }

  /** True while `obs` is still the registered observation for its token (not replaced or removed). */
  isCurrent(obs: Observation): boolean {
    return this.byToken.get(tokenKey(obs.token)) === obs;
  }

  list(endpoint: string): Observation[] {
    return [...(this.byEndpoint.get(endpoint)?.values() ?? [])];
  }

  /** Number of observations held for every endpoint together. */
  size(): number {
    return this.byToken.size;
  }

  /** Removes an observation without telling the device (the caller cancels or forgets the handle). */
  remove(obs: Observation): boolean {
    if (!this.isCurrent(obs)) return false;
    this.byToken.delete(tokenKey(obs.token));
    const map = this.byEndpoint.get(obs.endpoint);
    map?.delete(observationKey(obs.paths));
    if (map && map.size === 0) this.byEndpoint.delete(obs.endpoint);
    return true;
  }

  /**
   * Forgets every observation of `endpoint` (De-register, expiry, new Register): the tokens are dropped so a later
   * notification is answered with RST (RFC 7641 §3.6). Returns how many there were.
   */
  dropAll(endpoint: string): number {
    const map = this.byEndpoint.get(endpoint);
    if (!map) return 0;
    this.byEndpoint.delete(endpoint);
    for (const obs of map.values()) {
      this.byToken.delete(tokenKey(obs.token));
      obs.handle.forget();
    }
    return map.size;
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
    obs.lastReceivedAt = receivedAt;
    this.counters.accepted++;
    return true;
  }
}
