import { loadConfig, type LwTwinConfig } from '../../server/config.ts';
import { startLwTwinServer, type LwTwinServerHandle, type StartOptions } from '../../server/lwtwin-server.ts';
import { silentLogger } from '../../server/logger.ts';
import { ApiClient } from '../../scripts/cli/api-client.ts';
import { testRedisUrl, uniquePrefix } from './redis.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const OPERATOR_TOKEN = 'test-operator-token-0123456789';
export const READER_TOKEN = 'test-reader-token-0123456789';

export interface TestServer {
  server: LwTwinServerHandle;
  api: ApiClient;
  config: Readonly<LwTwinConfig>;
  coap: { address: string; port: number };
  /** The coaps (CoAP over DTLS) socket. */
  coaps: { address: string; port: number };
  stop(): Promise<void>;
}

/** A whole lwtwin server on ephemeral ports, its own Redis key prefix, and fast observation periods. */
export async function startTestServer(overrides: Partial<LwTwinConfig> = {}, opts: StartOptions = {}): Promise<TestServer> {
  const prefix = overrides.redisPrefix ?? uniquePrefix('e2e');
  const config = Object.freeze({
    ...loadConfig({}, {}),
    coapPort: 0,
    coapsPort: 0,
    coapHost: '127.0.0.1',
    httpPort: 0,
    httpHost: '127.0.0.1',
    redisUrl: testRedisUrl(),
    redisPrefix: prefix,
    serverId: `test-${prefix}`,
    adminToken: ADMIN_TOKEN,
    tokens: { [OPERATOR_TOKEN]: 'operator' as const, [READER_TOKEN]: 'reader' as const },
    observePmin: 0,
    observePmax: 60,
    observeOverrides: {},
    requestTimeoutMs: 3000,
    ...overrides,
  });
  const server = await startLwTwinServer(config, { logger: silentLogger(), coapParams: { ackTimeoutMs: 300 }, dtls: { retransmitInitialMs: 200 }, expirySweepMs: 200, queueModeSweepMs: 100, ...opts });
  return {
    server,
    config,
    api: new ApiClient(server.httpUrl, ADMIN_TOKEN),
    coap: { address: '127.0.0.1', port: server.coapPort },
    coaps: { address: '127.0.0.1', port: server.coapsPort },
    stop: () => server.stop(),
  };
}

/** Polls `fn` until it returns a truthy value or the time is up (then throws with `what`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
