/**
 * Anti-replay sliding window (RFC 6347 §4.1.2.6, after RFC 4303 §3.4.3): a record is accepted once, and only if
 * it is newer than the window's left edge. Two 32-bit halves hold the 64-bit bitmap; bit 0 is `max`.
 */
export class ReplayWindow {
  static readonly SIZE = 64;
  private max = -1;
  private low = 0; // bits 0..31: max, max-1, ...
  private high = 0; // bits 32..63

  /** True when `seq` has not been seen and is inside or ahead of the window. Does not mark it. */
  check(seq: number): boolean {
    if (seq > this.max) return true;
    const d = this.max - seq;
    if (d >= ReplayWindow.SIZE) return false;
    return d < 32 ? (this.low & (1 << d)) === 0 : (this.high & (1 << (d - 32))) === 0;
  }

  /** Marks `seq` seen (call only after the record authenticated). */
  mark(seq: number): void {
    if (seq > this.max) {
      const shift = this.max < 0 ? ReplayWindow.SIZE : seq - this.max;
      if (shift >= ReplayWindow.SIZE) {
        this.low = 0;
        this.high = 0;
      } else if (shift >= 32) {
        this.high = this.low << (shift - 32);
        this.low = 0;
      } else {
        this.high = (this.high << shift) | (this.low >>> (32 - shift));
        this.low = this.low << shift;
      }
      this.max = seq;
      this.low |= 1;
      return;
    }
    const d = this.max - seq;
    if (d < 32) this.low |= 1 << d;
    else if (d < ReplayWindow.SIZE) this.high |= 1 << (d - 32);
  }

  /**
   * A window that has seen everything up to and including `highest` (a session restored in another process, whose
   * exact bitmap is lost): only newer records pass. Conservative on purpose: a late, never-seen record below the
   * mark is dropped too, which DTLS allows (RFC 6347 §4.1.2.6: the receiver may discard).
   */
  static restored(highest: number): ReplayWindow {
    const w = new ReplayWindow();
    w.max = highest;
    w.low = -1;
    w.high = -1;
    return w;
  }

  /** The highest sequence number seen, -1 before the first. */
  get highest(): number {
    return this.max;
  }
}
