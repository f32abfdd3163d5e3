/** Builds the bootstrap server of one lwtwin process: its store, and (with `bootstrapPort`) its CoAP endpoint. */
import type { RedisClient } from '../store/redis-client.ts';
import { CoapEndpoint } from '../../protocol/coap/endpoint.ts';
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
  /** The bound UDP port, when the bootstrap server runs. */
  readonly port?: number;
  readonly server?: BootstrapServer;
  stop(): Promise<void>;
}

export interface BootstrapWiring {
  config: Readonly<LwTwinConfig>;
  redis: RedisClient;
  keys: RedisKeys;
  model: ModelLookup;
  dmSecurity: SecurityStore;
  twins: TwinStore;
  events: EventHub;
  metrics: Metrics;
  logger: Logger;
  coapParams?: { ackTimeoutMs?: number };
}

export async function startBootstrap(w: BootstrapWiring): Promise<BootstrapHandle> {
  const store = new RedisBootstrapStore({ redis: w.redis, keys: w.keys, ...(w.config.serverSecret ? { serverSecret: w.config.serverSecret } : {}) });
  if (w.config.bootstrapPort === undefined) return { store, stop: async () => undefined };
  const endpoint = await CoapEndpoint.bind({
    port: w.config.bootstrapPort,
    address: w.config.coapHost,
    ...(w.coapParams ? { params: w.coapParams } : {}),
    socketBufferBytes: 4 * 1024 * 1024,
  } as Parameters<typeof CoapEndpoint.bind>[0]);
  endpoint.on('warning', (err: Error) => w.logger.debug({ err: err.message }, 'bootstrap coap warning'));
  const server = new BootstrapServer({
    endpoint,
    store,
    model: w.model,
    dmSecurity: w.dmSecurity,
    requestTimeoutMs: w.config.requestTimeoutMs,
    requestRatePerAddress: w.config.registerRatePerAddress,
    requestBurstPerAddress: w.config.registerBurst,
    logger: w.logger,
    metrics: w.metrics,
    onSession: (record) => onSession(w, record),
  });
  server.start();
  return {
    store,
    port: endpoint.localAddress.port,
    server,
    stop: async () => {
      await server.stop();
      await endpoint.close();
    },
  };
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
