import { createHash, createPrivateKey, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DtlsServerCredentials } from '../../protocol/dtls/server-handshaker.ts';
import { ServerError } from '../errors.ts';
import type { SecurityStore } from './security-store.ts';

/** The files named by `--dtls-key`, `--dtls-cert`, `--dtls-ca`. */
export interface DtlsFiles {
  dtlsKey?: string;
  dtlsCert?: string;
  dtlsCa?: string;
}

/** Every certificate in a PEM bundle, in file order. */
export function readCertificates(file: string): X509Certificate[] {
  const pem = readFileSync(file, 'utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw ServerError.badRequest(`${file} holds no PEM certificate`);
  return blocks.map((b) => new X509Certificate(b));
}

function serverKey(file: string | undefined): { key: KeyObject; ephemeral: boolean } {
  if (file === undefined) return { key: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, ephemeral: true };
  const key = createPrivateKey(readFileSync(file, 'utf8'));
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw ServerError.badRequest(`${file}: the DTLS server key must be an EC P-256 key (RFC 7925 §4.4)`);
  }
  return { key, ephemeral: false };
}

/**
 * How the coaps server authenticates devices: PSK identities and raw public keys through the DM security store,
 * X.509 chains against `--dtls-ca`; and itself with `--dtls-key` (an ephemeral key when unset, so RPK devices cannot
 * pin it across restarts) and `--dtls-cert`.
 */
export function dtlsServerCredentials(files: DtlsFiles, store: SecurityStore): { credentials: DtlsServerCredentials; ephemeralKey: boolean } {
  const { key, ephemeral } = serverKey(files.dtlsKey);
  const credentials: DtlsServerCredentials = {
    pskKey: async (identity) => (await store.findByPskIdentity(identity))?.key,
    trustRawPublicKey: async (spki) => (await store.findByPublicKey(spki)) !== undefined,
    privateKey: key,
    ...(files.dtlsCert !== undefined ? { certificateChain: readCertificates(files.dtlsCert).map((c) => c.raw) } : {}),
    ...(files.dtlsCa !== undefined ? { trustedCas: readCertificates(files.dtlsCa) } : {}),
  };
  return { credentials, ephemeralKey: ephemeral };
}

/**
 * The first bytes of every DTLS connection ID a node hands out (RFC 9146): the first 2 bytes of SHA-256 of its server
 * id, so a CID-aware UDP balancer can route a session's records to the node that holds it even after the device's
 * address changed (`lwtwin server` logs the prefix at start; the README, "Several nodes", says how a balancer uses it).
 */
export function connectionIdPrefix(serverId: string): Buffer {
  return createHash('sha256').update(serverId, 'utf8').digest().subarray(0, 2);
}
