import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { EventHub } from '../events/event-hub.ts';
import type { RegistrationStore } from '../registration/registration-store.ts';
import type { Registration } from '../registration/registration.ts';
import type { BootstrapStore } from '../bootstrap/bootstrap-store.ts';
import type { SecurityNamespace, SecurityStore } from '../security/security-store.ts';
import type { RedisHealthState } from '../store/redis-health.ts';
import type { TwinStore } from '../twin/twin-store.ts';
import type { PropertyNames } from '../../objects/property-names.ts';
import type { ObjectModel } from '../../protocol/lwm2m/model.ts';
import type { TokenAuth } from './auth.ts';

/** What the job routes need; implemented by jobs/ JobService. */
export interface JobsApi {
  submit(spec: Record<string, unknown>): Promise<{ jobId: string }>;
  get(jobId: string, opts?: { resultsCursor?: string; resultsLimit?: number }): Promise<unknown | undefined>;
  list(filter: { status?: string; type?: string; limit?: number; cursor?: string }): Promise<unknown>;
  cancel(jobId: string): Promise<unknown>;
}

/** Everything the HTTP API uses, passed in by the server composition (server/lwtwin-server.ts). */
export interface ApiContext {
  logger: Logger;
  metrics: Metrics;
  auth: TokenAuth;
  registrations: RegistrationStore;
  twins: TwinStore;
  names: PropertyNames;
  /** The object model (`ObjectRegistry`), served read-only at `/api/objects`. */
  objects: { objects(): ObjectModel[]; object(objectId: number): ObjectModel | undefined };
  events: EventHub;
  /** Bytes of events an SSE client may leave unread before it is disconnected. */
  sseMaxBufferedBytes: number;
  /** Whether a registered device is reachable now (not asleep). */
  isOnline(registration: Registration): Promise<boolean>;
  /** Redis health as last checked (never waits on Redis). */
  redisHealth(): RedisHealthState;
  /** Longest the health route waits for the device count, ms. @defaultValue 300 */
  healthCountTimeoutMs?: number;
  /** Called after a twin patch changed desired properties, so they can be written to the device. */
  onDesiredChanged?(deviceId: string, changedDesired: string[]): void;
  jobs?: JobsApi;
  /** DTLS credentials: the DM server's and the bootstrap server's. */
  security?: Readonly<Record<SecurityNamespace, SecurityStore>>;
  /** Called after a device's DM credentials were set: ends a registration it holds over plain CoAP. */
  onDmSecuritySet?: (ep: string) => Promise<void>;
  /** Bootstrap configurations and session audit. */
  bootstrap?: BootstrapStore;
}
