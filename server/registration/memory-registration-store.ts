import { ServerError } from '../errors.ts';
import { applyRegistrationUpdate, formatPeer, samePeer, type Peer, type Registration, type RegistrationUpdate } from './registration.ts';
import { decodeListCursor, encodeListCursor, expireLimit, listCount, type RegistrationPage, type RegistrationStore } from './registration-store.ts';

/**
 * A RegistrationStore in one process's memory: for unit tests and single-process use. Every method runs to completion
 * synchronously inside its promise, so each change is atomic. Stored registrations are frozen copies.
 */
export class MemoryRegistrationStore implements RegistrationStore {
  readonly #byEndpoint = new Map<string, Registration>();
  /** registration id -> endpoint */
  readonly #byId = new Map<string, string>();
  /** formatPeer(peer) -> endpoint */
  readonly #byPeer = new Map<string, string>();
  #closed = false;

  async add(reg: Registration): Promise<{ previous?: Registration }> {
    this.#open();
    const stored = freeze(reg);
    const previous = this.#byEndpoint.get(reg.endpoint);
    if (previous) this.#unindex(previous);
    this.#byEndpoint.set(reg.endpoint, stored);
    this.#byId.set(reg.registrationId, reg.endpoint);
    this.#byPeer.set(formatPeer(reg.peer), reg.endpoint);
    return previous ? { previous } : {};
  }

  async update(registrationId: string, update: RegistrationUpdate): Promise<{ previous: Registration; current: Registration } | undefined> {
    this.#open();
    const previous = this.#lookupId(registrationId);
    if (!previous) return undefined;
    const current = freeze(applyRegistrationUpdate(previous, update));
    if (!samePeer(previous.peer, current.peer)) this.#unindexPeer(previous);
    this.#byEndpoint.set(current.endpoint, current);
    this.#byPeer.set(formatPeer(current.peer), current.endpoint);
    return { previous, current };
  }

  async remove(registrationId: string): Promise<Registration | undefined> {
    this.#open();
    const reg = this.#lookupId(registrationId);
    if (!reg) return undefined;
    this.#delete(reg);
    return reg;
  }

  async getByEndpoint(ep: string): Promise<Registration | undefined> {
    this.#open();
    return this.#byEndpoint.get(ep);
  }

  async getById(registrationId: string): Promise<Registration | undefined> {
    this.#open();
    return this.#lookupId(registrationId);
  }

  async getByPeer(peer: Peer): Promise<Registration | undefined> {
    this.#open();
    const ep = this.#byPeer.get(formatPeer(peer));
    const reg = ep === undefined ? undefined : this.#byEndpoint.get(ep);
    return reg && samePeer(reg.peer, peer) ? reg : undefined;
  }

  async list(opts: { cursor?: string; count?: number } = {}): Promise<RegistrationPage> {
    this.#open();
    const count = listCount(opts.count);
    const after = opts.cursor === undefined ? undefined : decodeListCursor(opts.cursor);
    const sorted = [...this.#byEndpoint.values()].sort(byExpiry);
    let start = 0;
    if (after) {
      const at = sorted.findIndex((r) => r.endpoint === after.endpoint && r.expiresAt === after.expiresAt);
      // Cursor item changed since: restart at its expiry, returning duplicates rather than missing items.
      start = at >= 0 ? at + 1 : sorted.findIndex((r) => r.expiresAt >= after.expiresAt);
      if (start < 0) start = sorted.length;
    }
    const items = sorted.slice(start, start + count);
    const last = items[items.length - 1];
    return start + count < sorted.length && last ? { items, cursor: encodeListCursor(last) } : { items };
  }

  async count(): Promise<number> {
    this.#open();
    return this.#byEndpoint.size;
  }

  async removeExpired(now: number, limit?: number): Promise<Registration[]> {
    this.#open();
    const max = expireLimit(limit);
    const expired = [...this.#byEndpoint.values()]
      .filter((r) => r.expiresAt <= now)
      .sort(byExpiry)
      .slice(0, max);
    for (const reg of expired) this.#delete(reg);
    return expired;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw ServerError.internal('registration store is closed');
  }

  #lookupId(registrationId: string): Registration | undefined {
    const ep = this.#byId.get(registrationId);
    const reg = ep === undefined ? undefined : this.#byEndpoint.get(ep);
    return reg && reg.registrationId === registrationId ? reg : undefined;
  }

  #delete(reg: Registration): void {
    this.#byEndpoint.delete(reg.endpoint);
    this.#unindex(reg);
  }

  #unindex(reg: Registration): void {
    if (this.#byId.get(reg.registrationId) === reg.endpoint) this.#byId.delete(reg.registrationId);
    this.#unindexPeer(reg);
  }

  /** Drops the peer entry only while it still points at this endpoint: another device may use the address since. */
  #unindexPeer(reg: Registration): void {
    const key = formatPeer(reg.peer);
    if (this.#byPeer.get(key) === reg.endpoint) this.#byPeer.delete(key);
  }
}

function byExpiry(a: Registration, b: Registration): number {
  return a.expiresAt - b.expiresAt || (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0);
}

function freeze(reg: Registration): Registration {
  return Object.freeze({
    ...reg,
    peer: Object.freeze({ ...reg.peer }),
    contentFormats: Object.freeze([...reg.contentFormats]),
    objectLinks: Object.freeze(reg.objectLinks.map((l) => Object.freeze({ ...l }))),
  });
}
