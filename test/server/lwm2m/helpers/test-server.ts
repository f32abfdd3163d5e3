// Starts an LwM2mServer on a real UDP socket with the Redis registration store under a unique key prefix.
import { Redis } from 'ioredis';
import { CoapEndpoint } from '../../../../protocol/coap/endpoint.ts';
import type { ModelLookup } from '../../../../protocol/lwm2m/model.ts';
import { ObjectRegistry } from '../../../../objects/object-registry.ts';
import { LwM2mServer, type LwM2mServerOptions } from '../../../../server/lwm2m/lwm2m-server.ts';
import { RedisRegistrationStore } from '../../../../server/registration/redis-registration-store.ts';
import { RedisKeys } from '../../../../server/store/keys.ts';
import { testRedisUrl, uniquePrefix } from '../../../helpers/redis.ts';

let modelPromise: Promise<ObjectRegistry> | undefined;

/** The bundled object model, loaded once per test file. */
export function testModel(): Promise<ModelLookup> {
  modelPromise ??= ObjectRegistry.loadDefault();
  return modelPromise;
}

export interface TestServer {
  server: LwM2mServer;
  endpoint: CoapEndpoint;
  store: RedisRegistrationStore;
  redis: Redis;
  keys: RedisKeys;
  model: ModelLookup;
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<LwM2mServerOptions, 'endpoint' | 'registrations' | 'model'>> & { prefix?: string };

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const model = await testModel();
  const redis = new Redis(testRedisUrl(), { enableAutoPipelining: true });
  const keys = new RedisKeys(opts.prefix ?? uniquePrefix('lwm2m'));
  const store = new RedisRegistrationStore({ redis, keys });
  const endpoint = await CoapEndpoint.bind({ address: '127.0.0.1', port: 0, params: { ackTimeoutMs: 100, maxRetransmit: 2, requestTimeoutMs: 2000 } });
  const { prefix: _prefix, ...rest } = opts;
  const server = new LwM2mServer({ endpoint, registrations: store, model, serverId: 'test-server', requestTimeoutMs: 1000, ...rest });
  server.start();
  return {
    server,
    endpoint,
    store,
    redis,
    keys,
    model,
    async close() {
      await server.stop();
      await endpoint.close();
      await store.close();
      redis.disconnect();
    },
  };
}

/** The address devices send to. */
export function serverPeer(t: TestServer): { address: string; port: number } {
  return { address: '127.0.0.1', port: t.endpoint.localAddress.port };
}

/** Every key under the test's prefix. */
export async function keysOf(t: TestServer): Promise<string[]> {
  return (await t.redis.keys(`${t.keys.prefix}*`)).sort();
}
