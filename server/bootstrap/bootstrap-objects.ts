/**
 * The Security (0) and Server (1) object instances a bootstrap session writes (OMA LwM2M TS Core 1.1 Appendix E.1,
 * E.2), as write inputs keyed by resource id, typed by the object model when encoded.
 */
import type { BootstrapServerAccount } from './bootstrap-config.ts';

/** Security Mode (/0/x/2) values, OMA TS Core 1.1 E.1. */
export const SecurityMode = { PSK: 0, RPK: 1, CERTIFICATE: 2, NOSEC: 3 } as const;

/** Credentials written into the Security instance. */
export type WrittenCredentials = { mode: 'nosec' } | { mode: 'psk'; identity: string; key: Buffer };

/** /0/x of the DM server account: URI, not a bootstrap server, mode, identity, server key (none), secret key, SSID. */
export function securityInstance(server: BootstrapServerAccount, credentials: WrittenCredentials): Record<number, unknown> {
  const psk = credentials.mode === 'psk';
  return {
    0: server.uri,
    1: false,
    2: psk ? SecurityMode.PSK : SecurityMode.NOSEC,
    3: psk ? Buffer.from(credentials.identity, 'utf8') : Buffer.alloc(0),
    4: Buffer.alloc(0),
    5: psk ? credentials.key : Buffer.alloc(0),
    10: server.shortServerId,
  };
}

/** /1/x: SSID, lifetime, default periods, notification storing, binding. */
export function serverInstance(server: BootstrapServerAccount): Record<number, unknown> {
  return {
    0: server.shortServerId,
    1: server.lifetime,
    ...(server.defaultPmin !== undefined ? { 2: server.defaultPmin } : {}),
    ...(server.defaultPmax !== undefined ? { 3: server.defaultPmax } : {}),
    6: true,
    7: server.binding,
  };
}
