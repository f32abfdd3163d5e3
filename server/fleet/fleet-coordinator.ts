/**
 * What several server processes (nodes) sharing one Redis or Redis Cluster agree on, with two keys:
 * - a heartbeat per node in `RedisKeys.nodes()` (server id → last beat, ms), written every `heartbeatMs`; a node
 *   whose beat is older than `nodeTimeoutMs` counts as dead;
 * - one fleet-wide lease (`RedisKeys.lease('fleet')`) held by one live node at a time: the holder runs the duties
 *   that must run once per fleet — the registration expiry sweep, the job deadline sweep, and adopting the job queue
 *   of a dead node (`onDeadNodes`) — and renews it with every beat; when it dies, another node takes the lease over
 *   after `nodeTimeoutMs`.
 * Duties ask `isLeader()`, which answers from the last beat without a round trip.
 */
import type { Logger } from '../logger.ts';
import type { RedisKeys } from '../store/keys.ts';
import { defineLuaScripts } from '../store/lua-scripts.ts';
import type { RedisClient } from '../store/redis-client.ts';

interface Scripts {
  lwtwinHoldLease(key: string, holder: string, ttlMs: number): Promise<number>;
  /** Gives the lease up if this node still holds it (server/store/lua/del-if-equal-1.lua). */
  lwtwinReleaseLease(key: string, holder: string): Promise<number>;
}

export interface FleetCoordinatorOptions {
  readonly redis: RedisClient;
  readonly keys: RedisKeys;
  readonly serverId: string;
  /** A node whose heartbeat is older than this is dead, and the lease of a dead holder passes on after it. @defaultValue 10000 */
  readonly nodeTimeoutMs?: number;
  /** Time between heartbeats. @defaultValue nodeTimeoutMs / 4 */
  readonly heartbeatMs?: number;
  /** Called on the lease holder after every beat with the nodes that are dead now and those alive. */
  readonly onNodes?: (nodes: { dead: string[]; alive: string[] }) => void | Promise<void>;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /** Clock (ms since epoch). @defaultValue Date.now */
  readonly now?: () => number;
}

export class FleetCoordinator {
  readonly #redis: RedisClient & Scripts;
  readonly #opts: FleetCoordinatorOptions;
  readonly #timeoutMs: number;
  readonly #heartbeatMs: number;
  readonly #now: () => number;
  #leader = false;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(opts: FleetCoordinatorOptions) {
    this.#opts = opts;
    defineLuaScripts(opts.redis, new URL('./lua/', import.meta.url), { lwtwinHoldLease: 'hold-lease-1.lua' });
    this.#redis = defineLuaScripts<Scripts>(opts.redis, new URL('../store/lua/', import.meta.url), { lwtwinReleaseLease: 'del-if-equal-1.lua' });
    this.#timeoutMs = opts.nodeTimeoutMs ?? 10_000;
    this.#heartbeatMs = opts.heartbeatMs ?? Math.max(50, Math.floor(this.#timeoutMs / 4));
    this.#now = opts.now ?? Date.now;
  }

  /** True while this node holds the fleet lease (as of its last beat). */
  isLeader(): boolean {
    return this.#leader;
  }

  /** Beats once now (so `isLeader` is known before the sweeps start), then every `heartbeatMs`. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => {
      if (!this.#beating) this.#beating = this.beat().finally(() => (this.#beating = undefined));
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Stops beating, gives the lease up and leaves the node list (a clean stop is not a death). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#beating;
    this.#leader = false;
    await Promise.all([
      this.#redis.lwtwinReleaseLease(this.#opts.keys.lease('fleet'), this.#opts.serverId),
      this.#redis.hdel(this.#opts.keys.nodes(), this.#opts.serverId),
    ]).catch((err: Error) => this.#opts.logger.warn({ err: err.message }, 'fleet: leaving the node list failed'));
  }

  /** One heartbeat: records this node, renews or takes the lease, and hands the node list to `onNodes` when leading. */
  async beat(): Promise<void> {
    const { keys, serverId, logger } = this.#opts;
    const now = this.#now();
    try {
      const [, held] = await Promise.all([this.#redis.hset(keys.nodes(), serverId, String(now)), this.#redis.lwtwinHoldLease(keys.lease('fleet'), serverId, this.#timeoutMs)]);
      const leader = held === 1;
      if (leader !== this.#leader) logger.info({ serverId }, leader ? 'fleet: this node now runs the fleet-wide sweeps' : 'fleet: another node runs the fleet-wide sweeps');
      this.#leader = leader;
      if (!leader || !this.#opts.onNodes) return;
      const beats = await this.#redis.hgetall(keys.nodes());
      const dead: string[] = [];
      const alive: string[] = [];
      for (const [id, at] of Object.entries(beats)) (now - Number(at) > this.#timeoutMs ? dead : alive).push(id);
      await this.#opts.onNodes({ dead, alive });
    } catch (err) {
      // a lost Redis: stop claiming leadership until a beat succeeds again
      this.#leader = false;
      logger.warn({ err: (err as Error).message }, 'fleet: heartbeat failed');
    }
  }

  /** Removes a node from the list (the leader does this once a dead node's queue is empty). */
  async forget(serverId: string): Promise<void> {
    await this.#redis.hdel(this.#opts.keys.nodes(), serverId);
  }
}
