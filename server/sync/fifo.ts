/**
 * A first-in, first-out queue with O(1) `shift`. `Array.prototype.shift` moves every remaining element once an array
 * is too large for V8 to trim in place (beyond ~16k elements, measured: 100,000 shifts of a 100,000-element array take
 * ~1 s), and the observation keeper's set-up queues hold one entry per device during a registration storm. Here the
 * head is an index; the consumed prefix is dropped in one copy once it is both large and most of the array.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) this.clear();
    else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
