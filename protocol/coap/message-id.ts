/**
 * Allocates message ids per peer (RFC 7252 §4.4: an id must not be reused towards the same peer within
 * EXCHANGE_LIFETIME). Each peer's counter starts at a random value and rises by one per message; at most
 * `maxPeers` counters are kept, the oldest dropped first (a dropped peer restarts at a fresh random value).
 */
export class MessageIdAllocator {
  private readonly next = new Map<string, number>();

  constructor(private readonly maxPeers = 65_536) {}

  allocate(peerKey: string): number {
    let id = this.next.get(peerKey);
    if (id === undefined) {
      id = Math.floor(Math.random() * 0x10000);
      if (this.next.size >= this.maxPeers) {
        const oldest = this.next.keys().next();
        if (!oldest.done) this.next.delete(oldest.value);
      }
    }
    this.next.set(peerKey, (id + 1) & 0xffff);
    return id;
  }

  get size(): number {
    return this.next.size;
  }
}
