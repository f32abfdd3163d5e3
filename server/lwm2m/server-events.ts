import type { LwM2mTimedLeaf } from '../../protocol/lwm2m/codec/types.ts';
import type { LwM2mLeaf } from '../../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { Registration } from '../registration/registration.ts';

/** A notification that passed the RFC 7641 freshness check, decoded through the object model. */
export interface NotificationEvent {
  readonly endpoint: string;
  /** The device's registration as this process last saw it. */
  readonly registration: Registration;
  /** The observed path(s): one for Observe, several for Observe-Composite. */
  readonly paths: readonly LwM2mPath[];
  readonly leaves: LwM2mLeaf[];
  /** The Observe number of the notification (RFC 7641 §4.4); undefined on the last one of an ended observation. */
  readonly observeSeq: number | undefined;
  /** Arrival time, ms since epoch. */
  readonly receivedAt: number;
}

/** Data a device pushed with Send (OMA TS Core 1.1 §6.4.3). */
export interface SendEvent {
  readonly endpoint: string;
  readonly registration: Registration;
  /** Values with the time the device gave them, if any (SenML `t`). */
  readonly leaves: LwM2mTimedLeaf[];
  readonly receivedAt: number;
}

/** The events of `LwM2mServer`, by name. Listeners run after the device got its response. */
export interface LwM2mServerEvents {
  /** A Register was accepted; `previous` is the registration it replaced (its observations are already dropped). */
  registered: { registration: Registration; previous?: Registration };
  updated: { previous: Registration; current: Registration };
  deregistered: { registration: Registration };
  /** No Update within the lifetime (OMA TS Core 1.1 §6.2 Client Registration); emitted by the one process whose sweep removed it. */
  expired: { registration: Registration };
  /** A queue-mode device became reachable (LwM2M queue mode, OMA TS Transport 1.1 "Queue Mode Operation"). */
  awake: { endpoint: string };
  /** A queue-mode device is no longer reachable. */
  sleeping: { endpoint: string };
  notification: NotificationEvent;
  /**
   * A device this process owns sent a notification for a token this process does not hold (answered with RST,
   * RFC 7641 §3.6), e.g. after a restart: its observations need setting up again.
   */
  unobserved: { registration: Registration };
  /** A registration missing from the store (Redis lost its data) was written back from this process's memory. */
  restored: { registration: Registration };
  send: SendEvent;
}
