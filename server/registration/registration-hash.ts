import { ServerError } from '../errors.ts';
import type { LwM2mVersion, Registration, RegistrationUpdate } from './registration.ts';
import { decodeObjectLinks, encodeObjectLinks, sharedContentFormats, sharedString } from './registration-parts.ts';

/**
 * How a Registration is laid out as a Redis hash. A Register writes few fields, so adding one costs little on both
 * sides of the connection (the store must take 20,000 Registers/s):
 *
 * | field | content                                                                                               |
 * |-------|-------------------------------------------------------------------------------------------------------|
 * | d     | JSON `[endpoint, address, port, binding, queueMode 0/1, lwm2m, sms or null, rootPath, [content formats], objectLinks, registeredAt, serverId or null, security or null(, DTLS identity key)]` as of the Register |
 * | id    | registration id                                                                                       |
 * | lt    | lifetime (s)                                                                                          |
 * | lu    | lastUpdate (ms since epoch)                                                                           |
 * | ex    | expiresAt (ms since epoch), also the score in the expiry set                                          |
 * | ik    | name of the id index key (written by the scripts)                                                     |
 * | pk    | name of the peer index key (written by the scripts)                                                   |
 *
 * An Update writes what it changes as override fields on top of `d`: `a` address, `p` port, `b` binding, `q` queue
 * mode `1`/`0`, `sms`, `sv` server id, `r` root path, `ct` content formats (space-separated), `o` object links; plus `lt`, `lu`, `ex`.
 * A Register replaces the whole hash, dropping overrides.
 *
 * Object links are written `objectId[/instanceId][@version]` joined by `,`, the version URI-component-encoded.
 */
export type RegistrationHash = Readonly<Record<string, string>>;

/** The fixed part of a registration written by the add script: the `d` blob, then id, lifetime, lastUpdate. */
export interface RegistrationFields {
  readonly blob: string;
  readonly registrationId: string;
  readonly lifetime: number;
  readonly lastUpdate: number;
}

export function registrationToFields(reg: Registration): RegistrationFields {
  const blob = JSON.stringify([
    reg.endpoint,
    reg.peer.address,
    reg.peer.port,
    reg.binding,
    reg.queueMode ? 1 : 0,
    reg.lwm2mVersion,
    reg.smsNumber ?? null,
    reg.rootPath,
    reg.contentFormats,
    encodeObjectLinks(reg.objectLinks),
    reg.registeredAt,
    reg.serverId ?? null,
    reg.security ?? null,
    ...(reg.identity !== undefined ? [reg.identity] : []),
  ]);
  return { blob, registrationId: reg.registrationId, lifetime: reg.lifetime, lastUpdate: reg.lastUpdate };
}

/**
 * The override fields an Update sets, flat `[field, value, ...]`. `lu` and `ex` are computed by the update script
 * from the stored lifetime, so they are not in this list.
 */
export function updateToFields(update: RegistrationUpdate): string[] {
  const fields = ['a', update.peer.address, 'p', String(update.peer.port)];
  if (update.lifetime !== undefined) fields.push('lt', String(update.lifetime));
  if (update.binding !== undefined) fields.push('b', update.binding);
  if (update.queueMode !== undefined) fields.push('q', update.queueMode ? '1' : '0');
  if (update.smsNumber !== undefined) fields.push('sms', update.smsNumber);
  if (update.serverId !== undefined) fields.push('sv', update.serverId);
  if (update.rootPath !== undefined) fields.push('r', update.rootPath);
  if (update.contentFormats !== undefined) fields.push('ct', update.contentFormats.join(' '));
  if (update.objectLinks !== undefined) fields.push('o', encodeObjectLinks(update.objectLinks));
  return fields;
}

/** A flat `[field, value, ...]` reply (HGETALL inside a script) as a record. */
export function flatToHash(flat: readonly string[]): RegistrationHash {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  return hash;
}

/**
 * Reads a registration back; undefined for an empty hash (no such key).
 * @throws ServerError INTERNAL if the hash is not one this module's layout describes.
 */
export function hashToRegistration(hash: RegistrationHash): Registration | undefined {
  if (Object.keys(hash).length === 0) return undefined;
  let d: unknown;
  try {
    d = hash.d === undefined ? undefined : JSON.parse(hash.d);
  } catch {
    d = undefined;
  }
  const numbers = [hash.lt, hash.lu, hash.ex].map(Number);
  if (!Array.isArray(d) || (d.length < 11 || d.length > 14) || hash.id === undefined || numbers.some((n) => !Number.isSafeInteger(n))) {
    throw ServerError.internal('corrupt registration hash');
  }
  const [endpoint, address, port, binding, queueMode, lwm2mVersion, smsNumber, rootPath, contentFormats, objectLinks, registeredAt, serverId, security, identity] = d as [
    string, string, number, string, number, LwM2mVersion, string | null, string, number[], string, number, string | null | undefined, Registration['security'] | null | undefined, string | undefined,
  ];
  const [lifetime, lastUpdate, expiresAt] = numbers;
  const sms = hash.sms ?? smsNumber;
  // Repeated parts point at one shared copy (registration-parts.ts): a store read costs the process what is specific
  // to the device, not another copy of its object links.
  const reg: Registration = {
    endpoint,
    registrationId: hash.id,
    peer: { address: hash.a ?? address, port: hash.p === undefined ? port : Number(hash.p) },
    lifetime,
    binding: sharedString(hash.b ?? binding),
    queueMode: hash.q === undefined ? queueMode === 1 : hash.q === '1',
    lwm2mVersion: sharedString(lwm2mVersion),
    rootPath: sharedString(hash.r ?? rootPath),
    contentFormats: sharedContentFormats(hash.ct === undefined ? contentFormats : hash.ct === '' ? [] : hash.ct.split(' ').map(Number)),
    objectLinks: decodeObjectLinks(hash.o ?? objectLinks),
    registeredAt,
    lastUpdate,
    expiresAt,
  };
  const sv = hash.sv ?? serverId;
  const withServer = sv === null || sv === undefined ? reg : { ...reg, serverId: sharedString(sv) };
  const withSecurity = security === null || security === undefined ? withServer : { ...withServer, security: sharedString(security), ...(typeof identity === 'string' ? { identity } : {}) };
  return sms === null || sms === undefined ? withSecurity : { ...withSecurity, smsNumber: sms };
}
