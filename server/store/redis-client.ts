/**
 * One way to reach Redis for every store: a single Redis (`redis://host:port`) or a Redis Cluster (one or more seed
 * URLs, comma-separated). Both are ioredis clients with the same command API; the stores never ask which one they
 * hold, because every key layout (server/store/keys.ts) and every script is cluster-safe: a script or MULTI touches
 * one hash slot, and fleet-wide reads fan out over the index shards.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A single Redis or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  /** One URL for a single Redis; one or more seed URLs (comma-separated) for a cluster. */
  readonly url: string;
  /** Connect as a Redis Cluster client. @defaultValue false */
  readonly cluster?: boolean;
}

/** Options that apply to one node connection (single Redis, or each cluster node). */
export type NodeOptions = Pick<RedisOptions, 'maxRetriesPerRequest' | 'lazyConnect' | 'enableAutoPipelining' | 'connectionName' | 'enableOfflineQueue' | 'commandTimeout' | 'connectTimeout'>;

/** The seed URLs of a target (at least one). */
export function seedUrls(url: string): string[] {
  const urls = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (urls.length === 0) throw new TypeError('no Redis URL given');
  return urls;
}

/** A new client for `target`: `Redis` for a single Redis, `Cluster` for a cluster. */
export function createRedisClient(target: RedisTarget, options: NodeOptions = {}): RedisClient {
  const urls = seedUrls(target.url);
  if (!target.cluster) {
    if (urls.length > 1) throw new TypeError('several Redis URLs need cluster mode (--redis-cluster)');
    return new Redis(urls[0], options);
  }
  const first = new URL(urls[0]);
  const nodes = urls.map((u) => {
    const parsed = new URL(u);
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  const { enableAutoPipelining, lazyConnect, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    ...(options.enableOfflineQueue !== undefined ? { enableOfflineQueue: options.enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    redisOptions: {
      ...perNode,
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
  return new Cluster(nodes, clusterOptions);
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** A new connection to the same Redis or cluster, with `options` overriding the original's. */
export function duplicateClient(client: RedisClient, options: NodeOptions = {}): RedisClient {
  if (!isCluster(client)) return client.duplicate(options);
  const { enableAutoPipelining, lazyConnect, ...perNode } = options;
  return client.duplicate(undefined, {
    ...client.options,
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    ...(options.enableOfflineQueue !== undefined ? { enableOfflineQueue: options.enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    redisOptions: { ...client.options.redisOptions, ...perNode },
  });
}

/** The connections to every master (one for a single Redis): where SCAN and other node-local commands go. */
export function masters(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/** Resolves once the client is connected (a cluster: once it knows the slot map). */
export async function whenReady(client: RedisClient): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') {
    await client.connect();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const onReady = () => (client.off('error', onError), resolve());
    const onError = (err: Error) => (client.off('ready', onReady), reject(err));
    client.once('ready', onReady);
    client.once('error', onError);
  });
}

/**
 * A connection subscribed to `channel`, calling `onMessage` for each message; on a cluster a sharded subscription
 * (SSUBSCRIBE, Redis 7: the channel lives on the master owning its slot, and ioredis follows it when slots move), on
 * a single Redis a plain SUBSCRIBE. Pair with `publishTo`. Subscribing waits for the connection.
 */
export async function subscribeTo(client: RedisClient, channel: string, onMessage: (message: string) => void, onError: (err: Error) => void): Promise<RedisClient> {
  const subscriber = isCluster(client)
    ? client.duplicate(undefined, { ...client.options, shardedSubscribers: true, enableOfflineQueue: true, redisOptions: { ...client.options.redisOptions, commandTimeout: undefined } })
    : client.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
  subscriber.on('error', onError);
  if (isCluster(subscriber)) {
    subscriber.on('smessage', (_channel: string, message: string) => onMessage(message));
    await subscriber.ssubscribe(channel);
  } else {
    subscriber.on('message', (_channel: string, message: string) => onMessage(message));
    await subscriber.subscribe(channel);
  }
  return subscriber;
}

/** Publishes to a channel `subscribeTo` listens on: SPUBLISH on a cluster (only the channel's shard carries it), else PUBLISH. */
export function publishTo(client: RedisClient, channel: string, message: string): Promise<unknown> {
  return isCluster(client) ? client.spublish(channel, message) : client.publish(channel, message);
}
