/**
 * Provisions DTLS credentials for the `dtls` benchmark scenario through the admin API
 * (`PUT /api/devices/{ep}/security`, docs in README.md), a bounded number of requests in flight.
 */
import { Pool } from 'undici';
import { simulatorPsk } from '../../simulator/simulator-psk.ts';

export type SecurityBody = { mode: 'psk'; identity: string; key: string } | { mode: 'rpk'; publicKey: string };

/** The PSK entry of `endpoint` under the run secret (identity = endpoint name, see simulator-psk.ts). */
export function pskEntry(secretHex: string, endpoint: string): [string, SecurityBody] {
  const { identity, key } = simulatorPsk(secretHex, endpoint);
  return [endpoint, { mode: 'psk', identity, key: key.toString('hex') }];
}

/** PUTs every entry, `concurrency` at a time; throws on the first refusal. */
export async function provisionSecurity(httpUrl: string, token: string, entries: ReadonlyArray<[string, SecurityBody]>, concurrency = 32): Promise<void> {
  const pool = new Pool(httpUrl, { connections: Math.min(8, concurrency), pipelining: 1 });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < entries.length) {
      const [ep, body] = entries[next++];
      const res = await pool.request({
        path: `/api/devices/${encodeURIComponent(ep)}/security`,
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`PUT /api/devices/${ep}/security: ${res.statusCode} ${text}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, entries.length)) }, lane));
  } finally {
    await pool.close();
  }
}
