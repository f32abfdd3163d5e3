/**
 * Builds the bootstrap server of one lwtwin process: its store, and (with `bootstrapPort` / `bootstrapCoapsPort`) its
 * plain CoAP and coaps endpoints.
 */
import type { RedisClient } from '../store/redis-client.ts';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
import type { DtlsSocketOptions } from '../../protocol/dtls/dtls-options.ts';
import { DtlsSocket } from '../../protocol/dtls/dtls-socket.ts';
import type { PeerIdentity } from '../../protocol/dtls/identity.ts';
import type { DtlsServerCredentials } from '../../protocol/dtls/server-handshaker.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import type { LwTwinConfig } from '../config.ts';
import type { EventHub } from '../events/event-hub.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { SecurityStore } from '../security/security-store.ts';
import type { RedisKeys } from '../store/keys.ts';
import type { TwinStore } from '../twin/twin-store.ts';
import { BootstrapServer } from './bootstrap-server.ts';
import type { BootstrapSessionRecord, BootstrapStore } from './bootstrap-store.ts';
import { RedisBootstrapStore } from './redis-bootstrap-store.ts';

export interface BootstrapHandle {
  readonly store: BootstrapStore;
  /** The bound UDP port of the plain-CoAP bootstrap server, when it runs. */
  readonly port?: number;
  /** The bound UDP port of the coaps bootstrap server, when it runs. */
  readonly coapsPort?: number;
  readonly server?: BootstrapServer;
  stop(): Promise<void>;
}

export interface BootstrapWiring {
  config: Readonly<LwTwinConfig>;
  redis: RedisClient;
  keys: RedisKeys;
  model: ModelLookup;
  dmSecurity: SecurityStore;
  /** Bootstrap credentials: who may open a coaps session and as which endpoint. */
  bootstrapSecurity: SecurityStore;
  /** The DM coaps server's credentials: the bootstrap coaps port presents the same server key and certificate. */
  dtlsServer: DtlsServerCredentials;
  dtls?: Partial<Omit<DtlsSocketOptions, 'server' | 'client' | 'port' | 'address'>>;
  twins: TwinStore;
  events: EventHub;
  metrics: Metrics;
  logger: Logger;
  coapParams?: { ackTimeoutMs?: number };
}

export async function startBootstrap(w: BootstrapWiring): Promise<BootstrapHandle> {
  const store = new RedisBootstrapStore({ redis: w.redis, keys: w.keys, ...(w.config.serverSecret ? { serverSecret: w.config.serverSecret } : {}) });
  if (w.config.bootstrapPort === undefined && w.config.bootstrapCoapsPort === undefined) return { store, stop: async () => undefined };
  const params = w.coapParams ? { params: w.coapParams } : {};
  const endpoints: CoapEndpoint[] = [];
  const closeAll = () => Promise.all(endpoints.map((e) => e.close().catch(() => undefined)));
  let plain: CoapEndpoint | undefined;
  let secure: { endpoint: CoapEndpoint; dtls: DtlsSocket } | undefined;
  try {
    if (w.config.bootstrapPort !== undefined) {
      plain = await CoapEndpoint.bind({ port: w.config.bootstrapPort, address: w.config.coapHost, ...params, socketBufferBytes: 4 * 1024 * 1024 } as Parameters<typeof CoapEndpoint.bind>[0]);
      endpoints.push(plain);
    }
    if (w.config.bootstrapCoapsPort !== undefined) {
      secure = await bindSecure(w);
      endpoints.push(secure.endpoint);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  for (const e of endpoints) e.on('warning', (err: Error) => w.logger.debug({ err: err.message }, 'bootstrap coap warning'));
  const server = new BootstrapServer({
    endpoints,
    store,
    model: w.model,
    dmSecurity: w.dmSecurity,
    bootstrapSecurity: w.bootstrapSecurity,
    requestTimeoutMs: w.config.requestTimeoutMs,
    requestRatePerAddress: w.config.registerRatePerAddress,
    requestBurstPerAddress: w.config.registerBurst,
    logger: w.logger,
    metrics: w.metrics,
    onSession: (record) => onSession(w, record),
  });
  if (secure) secure.dtls.on('handshakeFailed', (peer: { address: string; port: number }, err: Error, claimed?: PeerIdentity) => void handshakeFailed(w, server, peer, err, claimed));
  server.start();
  return {
    store,
    ...(plain ? { port: plain.localAddress.port } : {}),
    ...(secure ? { coapsPort: secure.endpoint.localAddress.port } : {}),
    server,
    stop: async () => {
      await server.stop();
      await closeAll();
    },
  };
}

/** The coaps bootstrap endpoint: the DM server's key and certificate, the bootstrap namespace's PSKs and public keys. */
async function bindSecure(w: BootstrapWiring): Promise<{ endpoint: CoapEndpoint; dtls: DtlsSocket }> {
  const credentials: DtlsServerCredentials = {
    ...w.dtlsServer,
    pskKey: async (identity) => (await w.bootstrapSecurity.findByPskIdentity(identity))?.key,
    trustRawPublicKey: async (spki) => (await w.bootstrapSecurity.findByPublicKey(spki)) !== undefined,
  };
  const dtls = await DtlsSocket.bind({ port: w.config.bootstrapCoapsPort, address: w.config.coapHost, server: credentials, socketBufferBytes: 4 * 1024 * 1024, ...(w.dtls ?? {}) });
  return { endpoint: CoapEndpoint.over(dtls, w.coapParams ? { params: w.coapParams } : {}), dtls };
}

/**
 * A failed handshake on the coaps bootstrap port: audited as `denied` for the endpoint whose bootstrap PSK identity the
 * peer presented (a wrong key), else (an unknown identity, garbage) only logged.
 */
async function handshakeFailed(w: BootstrapWiring, server: BootstrapServer, peer: { address: string; port: number }, err: Error, claimed: PeerIdentity | undefined): Promise<void> {
  try {
    const owner = claimed?.kind === 'psk' ? (await w.bootstrapSecurity.findByPskIdentity(claimed.identity))?.endpoint : undefined;
    if (owner !== undefined) await server.recordDenied(owner, peer, `DTLS handshake failed: ${err.message}`);
    else w.logger.info({ peer, reason: err.message }, 'bootstrap: dtls handshake failed');
  } catch (e) {
    w.logger.error({ err: e }, 'bootstrap: auditing a failed handshake failed');
  }
}

/** Publishes the session's outcome on /api/events and records `lwm2m.bootstrappedAt` on the twin when it finished. */
async function onSession(w: BootstrapWiring, record: BootstrapSessionRecord): Promise<void> {
  w.events.publish(
    'bootstrap',
    { sessionId: record.sessionId, outcome: record.outcome, lwm2mVersion: record.lwm2mVersion, contentFormat: record.contentFormat, ...(record.error ? { error: record.error } : {}), ms: record.endedAt - record.startedAt },
    record.endpoint,
  );
  if (record.outcome !== 'finished') return;
  await w.twins.ensure(record.endpoint);
  await w.twins.applyReported([{ ep: record.endpoint, property: ['lwm2m', 'bootstrappedAt'], value: new Date(record.endedAt).toISOString(), source: 'register', timestamp: record.endedAt }]);
}
