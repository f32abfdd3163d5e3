/**
 * Provisions DTLS credentials for the `dtls` benchmark scenario straight into the server's security store (the
 * `RedisSecurityStore` the admin API's `PUT /api/devices/{ep}/security` writes to, namespace `dm`, under the run's
 * key prefix), a bounded number of puts in flight. Through the HTTP API the same puts ran at ~200/s on the loaded
 * benchmark machine, which would have spent most of the scenario's time budget on set-up.
 */
import { createPublicKey } from 'node:crypto';
import { Redis } from 'ioredis';
import type { SecurityEntry } from '../../../server/security/security-entry.ts';
import { RedisSecurityStore } from '../../../server/security/redis-security-store.ts';
import { RedisKeys } from '../../../server/store/keys.ts';
import { simulatorPsk } from '../../simulator/simulator-psk.ts';

/** The PSK entry of `endpoint` under the run secret (identity = endpoint name, see simulator-psk.ts). */
export function pskEntry(secretHex: string, endpoint: string): [string, SecurityEntry] {
  return [endpoint, { mode: 'psk', ...simulatorPsk(secretHex, endpoint) }];
}

/** The raw-public-key entry of `endpoint` for a SubjectPublicKeyInfo PEM. */
export function rpkEntry(endpoint: string, publicKeyPem: string): [string, SecurityEntry] {
  return [endpoint, { mode: 'rpk', publicKey: createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }) }];
}

/** Puts every entry, `concurrency` at a time, into the DM security store under `prefix`. */
export async function provisionSecurity(redisUrl: string, prefix: string, entries: ReadonlyArray<[string, SecurityEntry]>, concurrency = 64): Promise<void> {
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const store = new RedisSecurityStore({ redis, keys: new RedisKeys(prefix), namespace: 'dm' });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < entries.length) {
      const [ep, entry] = entries[next++];
      await store.put(ep, entry);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, entries.length)) }, lane));
  } finally {
    await store.close().catch(() => undefined);
    redis.disconnect();
  }
}
