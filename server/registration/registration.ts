import { randomBytes } from 'node:crypto';
import { type ObjectLink, sharedContentFormats, sharedObjectLinks, sharedString } from './registration-parts.ts';

export type { ObjectLink } from './registration-parts.ts';

/** LwM2M enabler versions this server speaks (OMA TS Core 1.1 §6.2 Client Registration, `lwm2m` parameter). */
export type LwM2mVersion = '1.0' | '1.1' | '1.2';

/** Transport address of a device: where its requests came from and where ours go (the server records the source address of the Register: OMA TS Core 1.1 §6.2.1). */
export interface Peer {
  readonly address: string;
  readonly port: number;
}

/**
 * How the device authenticated its transport: a DTLS session with a PSK, a raw public key or an X.509 certificate
 * (OMA LwM2M TS Transport 1.1 §5.2), or plain CoAP (`nosec`).
 */
export type TransportSecurity = 'psk' | 'rpk' | 'x509' | 'nosec';

/**
 * What the server knows about one registered LwM2M client. Immutable: stores return new values on change.
 * Times are ms since the epoch.
 */
export interface Registration {
  readonly endpoint: string;
  /** Random, URL-safe, short; the client addresses `/rd/{registrationId}` with it (Location-Path of the Register response: OMA TS Transport 1.1.1 §6.4.3 Registration Interface). */
  readonly registrationId: string;
  readonly peer: Peer;
  /** Lifetime in seconds (`lt`). */
  readonly lifetime: number;
  /** Transport letters without Q, in canonical order U T S N (e.g. 1.0 `UQS` → `US`). */
  readonly binding: string;
  /** Queue mode (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"): Q in a 1.0 binding or the 1.1+ `Q` flag. */
  readonly queueMode: boolean;
  readonly lwm2mVersion: LwM2mVersion;
  /** MSISDN without a leading `+`. */
  readonly smsNumber?: string;
  /** The server process whose CoAP socket received the latest Register/Update: device requests and jobs go through it. */
  readonly serverId?: string;
  /** How the Register's transport was secured; absent means `nosec` (plain CoAP). Fixed for the registration's life. */
  readonly security?: Exclude<TransportSecurity, 'nosec'>;
  /**
   * The DTLS identity that made the Register (`identityKey`, protocol/dtls/identity.ts); Update, De-register, Send and
   * notifications must come from it. Absent for plain CoAP (and for registrations made before it was recorded).
   */
  readonly identity?: string;
  /** `/`, or the alternate root announced with `rt="oma.lwm2m"` (e.g. `/lwm2m`); prefixes every DM path. */
  readonly rootPath: string;
  /** Content formats the client announced with the root link's `ct` (OMA TS Core 1.1 §6.2 Client Registration). */
  readonly contentFormats: readonly number[];
  readonly objectLinks: readonly ObjectLink[];
  readonly registeredAt: number;
  /** Time of the Register or of the last Update. */
  readonly lastUpdate: number;
  /** lastUpdate + lifetime * 1000 + grace: no Update by then deletes the registration (OMA TS Core 1.1 §6.2 Client Registration). */
  readonly expiresAt: number;
}

/** The changes an LwM2M Update brings (OMA TS Core §6.2.2); absent fields stay as they are. */
export interface RegistrationUpdate {
  /** Where the Update came from: always recorded, so later requests go to the latest address. */
  readonly peer: Peer;
  /** Time the Update was received (ms since epoch). */
  readonly lastUpdate: number;
  /** Grace added to the lifetime when computing the new expiresAt. */
  readonly graceMs: number;
  readonly lifetime?: number;
  readonly binding?: string;
  readonly queueMode?: boolean;
  readonly smsNumber?: string;
  /** Server process that received this Update (a device may move between processes). */
  readonly serverId?: string;
  readonly objectLinks?: readonly ObjectLink[];
  readonly rootPath?: string;
  readonly contentFormats?: readonly number[];
}

/** What a Register brings; `createRegistration` adds the id and the times. */
export interface NewRegistration {
  readonly endpoint: string;
  readonly peer: Peer;
  readonly lifetime: number;
  readonly binding: string;
  readonly queueMode: boolean;
  readonly lwm2mVersion: LwM2mVersion;
  readonly smsNumber?: string;
  /** Server process that received the Register. */
  readonly serverId?: string;
  /** DTLS security of the Register's session; absent for plain CoAP. */
  readonly security?: Exclude<TransportSecurity, 'nosec'>;
  /** `identityKey` of the Register's DTLS identity; absent for plain CoAP. */
  readonly identity?: string;
  /** @defaultValue '/' */
  readonly rootPath?: string;
  /** @defaultValue [] */
  readonly contentFormats?: readonly number[];
  /** @defaultValue [] */
  readonly objectLinks?: readonly ObjectLink[];
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Length of registration ids: 10 base62 characters ≈ 59.5 random bits. */
export const REGISTRATION_ID_LENGTH = 10;

/** Random bytes drawn in blocks: one randomBytes call serves hundreds of ids (Register bursts of 20,000/s). */
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(4096);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

/** A new random registration id: base62, so it is safe in a URI path segment without escaping (RFC 3986 §2.3). */
export function newRegistrationId(length = REGISTRATION_ID_LENGTH): string {
  let id = '';
  while (id.length < length) {
    const byte = randomByte();
    // 248 = 4 * 62: rejecting bytes >= 248 keeps every character equally likely.
    if (byte < 248) id += BASE62[byte % 62];
  }
  return id;
}

/** The time a registration expires: lifetime after the last Register/Update, plus a grace (OMA TS Core 1.1 §6.2 Client Registration). */
export function computeExpiresAt(lastUpdate: number, lifetimeSeconds: number, graceMs: number): number {
  return lastUpdate + lifetimeSeconds * 1000 + graceMs;
}

/** Builds the registration of a Register received at `now`. */
export function createRegistration(
  input: NewRegistration,
  options: { now: number; graceMs: number; registrationId?: string },
): Registration {
  const reg: Registration = {
    endpoint: input.endpoint,
    registrationId: options.registrationId ?? newRegistrationId(),
    peer: { address: input.peer.address, port: input.peer.port },
    lifetime: input.lifetime,
    binding: sharedString(input.binding),
    queueMode: input.queueMode,
    lwm2mVersion: sharedString(input.lwm2mVersion),
    rootPath: sharedString(input.rootPath ?? '/'),
    contentFormats: sharedContentFormats(input.contentFormats ?? []),
    objectLinks: sharedObjectLinks(input.objectLinks ?? []),
    registeredAt: options.now,
    lastUpdate: options.now,
    expiresAt: computeExpiresAt(options.now, input.lifetime, options.graceMs),
  };
  const withServer = input.serverId === undefined ? reg : { ...reg, serverId: sharedString(input.serverId) };
  const withSecurity = input.security === undefined ? withServer : { ...withServer, security: input.security, ...(input.identity !== undefined ? { identity: input.identity } : {}) };
  return input.smsNumber === undefined ? withSecurity : { ...withSecurity, smsNumber: input.smsNumber };
}

/** The registration after an Update (OMA TS Core §6.2.2). Every store applies updates with these semantics. */
export function applyRegistrationUpdate(reg: Registration, update: RegistrationUpdate): Registration {
  const lifetime = update.lifetime ?? reg.lifetime;
  const next: Registration = {
    ...reg,
    peer: { address: update.peer.address, port: update.peer.port },
    lifetime,
    binding: sharedString(update.binding ?? reg.binding),
    queueMode: update.queueMode ?? reg.queueMode,
    rootPath: sharedString(update.rootPath ?? reg.rootPath),
    contentFormats: sharedContentFormats(update.contentFormats ?? reg.contentFormats),
    objectLinks: sharedObjectLinks(update.objectLinks ?? reg.objectLinks),
    lastUpdate: update.lastUpdate,
    expiresAt: computeExpiresAt(update.lastUpdate, lifetime, update.graceMs),
  };
  const moved = update.serverId === undefined ? next : { ...next, serverId: sharedString(update.serverId) };
  return update.smsNumber === undefined ? moved : { ...moved, smsNumber: update.smsNumber };
}

/** `address:port`, with IPv6 addresses in brackets (RFC 3986 §3.2.2). */
export function formatPeer(peer: Peer): string {
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}

export function samePeer(a: Peer, b: Peer): boolean {
  return a.address === b.address && a.port === b.port;
}
