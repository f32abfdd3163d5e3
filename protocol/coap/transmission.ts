import type { Timed, TimerWheel } from './timer-wheel.ts';
import type { CoapMessage, Peer, TransmissionParameters } from './types.ts';

/** What a confirmable message reports back to whoever sent it. */
export interface TransmissionOwner {
  /** An ACK arrived: empty, or carrying a piggybacked response (RFC 7252 §5.2.1). */
  onAck(t: ConTransmission, ack: CoapMessage): void;
  /** The peer rejected the message with an RST (RFC 7252 §4.2). */
  onReset(t: ConTransmission): void;
  /** MAX_RETRANSMIT retransmissions went unanswered (RFC 7252 §4.2). */
  onGiveUp(t: ConTransmission): void;
}

/** The endpoint services a transmission needs. */
export interface TransmissionHost {
  readonly params: TransmissionParameters;
  readonly wheel: TimerWheel;
  /** Sends the datagram again (counts a retransmission). */
  retransmit(t: ConTransmission): void;
  /** Forgets the transmission's message id (it has been ACKed, reset or given up). */
  release(t: ConTransmission): void;
}

/**
 * One confirmable message waiting for its ACK or RST (RFC 7252 §4.2): retransmitted with exponential back-off,
 * starting at a timeout random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] and doubling, up to MAX_RETRANSMIT
 * times; then given up one timeout after the last retransmission.
 */
export class ConTransmission implements Timed {
  wheelSlot = -1;
  wheelIndex = 0;
  retransmissions = 0;
  private timeoutMs = 0;
  /** False once ACKed, reset, given up or cancelled. */
  active = true;

  constructor(
    readonly host: TransmissionHost,
    readonly owner: TransmissionOwner,
    readonly peer: Peer,
    /** `peerKey#messageId`, the key the endpoint matches ACK and RST by. */
    readonly key: string,
    readonly message: CoapMessage,
    readonly datagram: Buffer,
    /** True for server-side transmissions (notifications, separate responses) counted in the in-flight bound. */
    readonly counted: boolean,
  ) {}

  /** Arms the first timeout; the caller has sent the datagram once. */
  start(now: number): void {
    const p = this.host.params;
    this.timeoutMs = p.ackTimeoutMs * (1 + Math.random() * (p.ackRandomFactor - 1));
    this.host.wheel.schedule(this, now + this.timeoutMs);
  }

  onTimer(now: number): void {
    if (!this.active) return;
    if (this.retransmissions >= this.host.params.maxRetransmit) {
      this.finish();
      this.owner.onGiveUp(this);
      return;
    }
    this.retransmissions++;
    this.timeoutMs *= 2;
    this.host.retransmit(this);
    this.host.wheel.schedule(this, now + this.timeoutMs);
  }

  acked(ack: CoapMessage): void {
    if (!this.active) return;
    this.finish();
    this.owner.onAck(this, ack);
  }

  reset(): void {
    if (!this.active) return;
    this.finish();
    this.owner.onReset(this);
  }

  /** Stops retransmitting without telling the owner (e.g. a separate response arrived, or the endpoint closed). */
  cancel(): void {
    if (this.active) this.finish();
  }

  private finish(): void {
    this.active = false;
    this.host.wheel.cancel(this);
    this.host.release(this);
  }
}
