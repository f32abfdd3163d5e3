/**
 * DTLS client load for the `dtls` benchmark scenario, run in a forked child (dtls-load-worker.ts) with the product's
 * own DTLS client (`DtlsSocket` in client role, RFC 6347): full handshakes (a fresh socket each, so no session is
 * resumed) with a PSK (TLS_PSK_WITH_AES_128_CCM_8) or with a raw public key (TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
 * RFC 7250), and a set of established sessions held open and idle (the server's memory per session).
 *
 * PSK identities are `${prefix}${i}` with keys from scripts/simulator/simulator-psk.ts; raw public keys are P-256
 * pairs made here, whose public halves the harness registers in the server's security store.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DtlsClientCredentials } from '../../../protocol/dtls/client-handshaker.ts';
import { DtlsSocket } from '../../../protocol/dtls/dtls-socket.ts';
import type { Peer } from '../../../protocol/coap/types.ts';
import { simulatorPsk } from '../../simulator/simulator-psk.ts';
import { loopbackAddress } from '../fleet/virtual-fleet.ts';
import { encodeHistogram, latencyHistogram, recordMs } from '../stats.ts';

/** TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655 §4) and TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7251 §2). */
export const PSK_CCM8 = 0xc0a8;
export const ECDHE_ECDSA_CCM8 = 0xc0ae;

export type HandshakeKind = 'psk' | 'ecdhe';

export interface HandshakeLoadOptions {
  server: Peer;
  kind: HandshakeKind;
  /** psk: identities `${pskPrefix}${i % pskPool}` with keys derived from `pskSecret`. */
  pskSecret?: string;
  pskPrefix?: string;
  pskPool?: number;
  /** ecdhe: the server's SubjectPublicKeyInfo (DER, base64) to pin. */
  serverPublicKey?: string;
  concurrency: number;
  durationMs: number;
  /** Stop after this many handshakes even if time is left. */
  maxHandshakes: number;
  /** First loopback socket number (see `loopbackAddress`); handshakes spread over `addresses` addresses from there. */
  firstSocket: number;
  addresses: number;
}

export interface HandshakeLoadReport {
  completed: number;
  failed: number;
  seconds: number;
  /** Full handshake latencies (µs), ClientHello to the server's Finished, compressed base64. */
  histogram: string;
  errors: string[];
}

/** The client side of the run: the RPK key pairs, made on demand. */
export class HandshakeLoad {
  private readonly rpkKeys: KeyObject[] = [];
  private held: DtlsSocket[] = [];

  /** Makes `count` P-256 key pairs (kept here) and returns their public keys as SPKI PEM, for the security store. */
  makeRpkKeys(count: number): string[] {
    while (this.rpkKeys.length < count) this.rpkKeys.push(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    return this.rpkKeys.slice(0, count).map((k) => createPublicKey(k).export({ type: 'spki', format: 'pem' }).toString());
  }

  private credentials(o: HandshakeLoadOptions, i: number): DtlsClientCredentials {
    if (o.kind === 'psk') {
      if (o.pskSecret === undefined || o.pskPrefix === undefined || !o.pskPool) throw new RangeError('psk handshakes need pskSecret, pskPrefix and pskPool');
      return { psk: simulatorPsk(o.pskSecret, `${o.pskPrefix}${i % o.pskPool}`), cipherSuites: [PSK_CCM8] };
    }
    if (this.rpkKeys.length === 0) throw new RangeError('ecdhe handshakes need makeRpkKeys first');
    return {
      privateKey: this.rpkKeys[i % this.rpkKeys.length],
      cipherSuites: [ECDHE_ECDSA_CCM8],
      ...(o.serverPublicKey !== undefined ? { serverPublicKey: Buffer.from(o.serverPublicKey, 'base64') } : {}),
    };
  }

  /** One full handshake on a fresh socket; resolves its latency in ms. Leaves the socket open when `keep`. */
  private async handshake(o: HandshakeLoadOptions, i: number, keep: boolean): Promise<number> {
    const dtls = await DtlsSocket.bind({ address: loopbackAddress(o.firstSocket + (i % o.addresses)), port: 0, client: this.credentials(o, i) });
    dtls.on('warning', () => undefined);
    const t0 = performance.now();
    try {
      await dtls.connect(o.server);
    } catch (err) {
      dtls.close();
      throw err;
    }
    const ms = performance.now() - t0;
    if (keep) this.held.push(dtls);
    else dtls.close();
    return ms;
  }

  /** Full handshakes, `concurrency` at a time, for `durationMs` or `maxHandshakes`, whichever ends first. */
  async run(o: HandshakeLoadOptions): Promise<HandshakeLoadReport> {
    return this.lanes(o, o.maxHandshakes, o.durationMs, false);
  }

  /** Establishes `count` sessions and keeps them open without traffic (until `release`). */
  async hold(o: HandshakeLoadOptions, count: number): Promise<HandshakeLoadReport> {
    return this.lanes(o, count, 600_000, true);
  }

  /** Closes the held sessions (each with close_notify). */
  release(): number {
    const n = this.held.length;
    for (const s of this.held) s.close();
    this.held = [];
    return n;
  }

  private async lanes(o: HandshakeLoadOptions, max: number, durationMs: number, keep: boolean): Promise<HandshakeLoadReport> {
    const hist = latencyHistogram();
    const errors: string[] = [];
    let next = 0;
    let completed = 0;
    let failed = 0;
    const t0 = performance.now();
    const lane = async (): Promise<void> => {
      while (next < max && performance.now() - t0 < durationMs) {
        const i = next++;
        try {
          recordMs(hist, await this.handshake(o, i, keep));
          completed++;
        } catch (err) {
          failed++;
          if (errors.length < 5) errors.push((err as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, max)) }, lane));
    return { completed, failed, seconds: (performance.now() - t0) / 1000, histogram: encodeHistogram(hist), errors };
  }
}
