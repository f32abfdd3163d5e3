/**
 * Values shared by every holder of the same key, kept exactly as long as someone holds them (reference counted), so
 * per-holder state can point at one copy instead of keeping its own: e.g. the peer and the registration request of
 * the observations of one device, or the same request made to thousands of devices. The table holds one entry per
 * distinct key in use, never more.
 */
export interface Shared<V> {
  /** The key the value is shared under (the table's own string: holders share it too). */
  readonly key: string;
  readonly value: V;
  /** How many holders have acquired it and not released it yet. */
  refs: number;
}

export class SharedValues<V> {
  private readonly entries = new Map<string, Shared<V>>();

  /** Distinct keys in use. */
  get size(): number {
    return this.entries.size;
  }

  /** The shared value of `key` (made with `make` if nobody holds one), with one more holder counted. */
  acquire(key: string, make: () => V): Shared<V> {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { key, value: make(), refs: 0 };
      this.entries.set(key, entry);
    }
    entry.refs++;
    return entry;
  }

  /** One holder of `entry` is done with it; the last one removes it from the table. Call once per `acquire`. */
  release(entry: Shared<V>): void {
    if (entry.refs <= 0) return;
    entry.refs--;
    if (entry.refs === 0 && this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  clear(): void {
    this.entries.clear();
  }
}
