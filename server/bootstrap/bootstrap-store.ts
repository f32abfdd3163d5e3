import type { BootstrapConfig } from './bootstrap-config.ts';

/**
 * How a bootstrap session ended: `finished` (Bootstrap-Finish answered 2.04), `refused` (the device answered an
 * operation with an error code), `timeout` (the device stopped answering), `failed` (the server could not complete it,
 * e.g. the generated identity is bound to another endpoint), `superseded` (a new Bootstrap-Request of the same
 * endpoint replaced it), `denied` (no session: the device's bootstrap credentials failed the DTLS handshake, or it
 * asked as an endpoint they do not hold, 4.03).
 */
export type BootstrapOutcome = 'finished' | 'refused' | 'timeout' | 'failed' | 'superseded' | 'denied';

/** One operation of a session as the audit shows it. */
export interface BootstrapStep {
  readonly operation: 'discover' | 'read' | 'delete' | 'write' | 'finish';
  readonly path: string;
  /** The device's answer code, when it answered. */
  readonly code?: string;
  readonly ms: number;
}

/** The audit record of one bootstrap session (never holds a key). */
export interface BootstrapSessionRecord {
  readonly sessionId: string;
  readonly endpoint: string;
  /** `address:port` the Bootstrap-Request came from. */
  readonly peer: string;
  /** Which configuration applied (absent when the device was denied). */
  readonly config?: 'endpoint' | 'default';
  /** The device's LwM2M version and the format written, once a session ran. */
  readonly lwm2mVersion?: string;
  readonly contentFormat?: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: BootstrapOutcome;
  /** What went wrong, for outcomes other than finished. */
  readonly error?: string;
  /** PSK identity written to the device (modes psk). */
  readonly pskIdentity?: string;
  readonly steps: readonly BootstrapStep[];
}

/** Sessions kept per endpoint (the most recent). */
export const MAX_SESSIONS_PER_ENDPOINT = 20;

/**
 * Bootstrap configurations (per endpoint and a default) and the audit of bootstrap sessions, shared by every server
 * process. Implementations: `RedisBootstrapStore`, `MemoryBootstrapStore` (unit tests).
 */
export interface BootstrapStore {
  getConfig(ep: string): Promise<BootstrapConfig | undefined>;
  putConfig(ep: string, config: BootstrapConfig): Promise<void>;
  deleteConfig(ep: string): Promise<boolean>;
  getDefault(): Promise<BootstrapConfig | undefined>;
  putDefault(config: BootstrapConfig): Promise<void>;
  deleteDefault(): Promise<boolean>;
  /** The endpoint's own configuration, else the default, else undefined. */
  resolve(ep: string): Promise<{ config: BootstrapConfig; source: 'endpoint' | 'default' } | undefined>;
  /** Records a session; only the newest MAX_SESSIONS_PER_ENDPOINT per endpoint are kept. */
  addSession(record: BootstrapSessionRecord): Promise<void>;
  /** The endpoint's sessions, newest first. */
  listSessions(ep: string): Promise<BootstrapSessionRecord[]>;
}
