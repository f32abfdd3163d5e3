import type { OutgoingResponse, Peer } from '../protocol/coap/types.ts';
import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import type { LwM2mLeaf } from '../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import type { AttributeStore } from './attribute-store.ts';
import { encodeLeavesAs, encodeNodeAs } from './codecs.ts';
import { ClientError, coapCodeOf, isClientError } from './errors.ts';
import type { ObjectTree } from './object-tree.ts';
import { effectiveAttributes, Observation, type EffectiveAttributes } from './observation.ts';
import { isNumericModel, leavesOf, numericValueAt, readNode } from './read-node.ts';

/** RFC 7641 §4.5: a notification is sent confirmable at least every 24 hours. */
const DAY_MS = 24 * 3600 * 1000;

export type NotifyOutcome = 'acked' | 'sent' | 'reset' | 'timeout';

/** `'daily'` = NON except one CON per observation per 24 h (RFC 7641 §4.5); true = always CON; false = always NON. */
export type NotifyConfirmable = boolean | 'daily';

/** What the notifier needs from its client. */
export interface NotifierHost {
  readonly tree: ObjectTree;
  readonly model: ModelLookup;
  readonly attributes: AttributeStore;
  readonly notifyConfirmable: NotifyConfirmable;
  /** False while asleep (queue mode) or unregistered: due notifications wait. */
  canNotify(): boolean;
  /** Sends one notification on the observation's token. */
  sendNotification(peer: Peer, token: Buffer, response: OutgoingResponse, confirmable: boolean): Promise<NotifyOutcome>;
  /** Next Observe number (24-bit, rising). */
  nextObserveSeq(): number;
  /** The earliest deadline may have changed. */
  reschedule(): void;
  onNotificationSent(): void;
}

/**
 * The observations one client serves and the decision when to notify (OMA TS Core 1.1 §5.1.2, §6.4; RFC 7641):
 * at most every pmin, at least every pmax, numeric resources only on gt/lt crossings or st steps.
 */
export class Notifier {
  private list: Observation[] | undefined;
  private revision = -1;
  private defaults: [number | undefined, number | undefined] | undefined;

  constructor(private readonly host: NotifierHost) {}

  get size(): number {
    return this.list?.length ?? 0;
  }

  /** Adds (or replaces, same token) an observation. */
  add(obs: Observation): void {
    this.list ??= [];
    const i = this.list.findIndex((o) => o.token.equals(obs.token) && samePeer(o.peer, obs.peer));
    if (i >= 0) this.list[i] = obs;
    else this.list.push(obs);
  }

  /** Removes the observation with this token; returns it. */
  remove(peer: Peer, token: Buffer): Observation | undefined {
    if (!this.list) return undefined;
    const i = this.list.findIndex((o) => o.token.equals(token) && samePeer(o.peer, peer));
    if (i < 0) return undefined;
    const [obs] = this.list.splice(i, 1);
    if (this.list.length === 0) this.list = undefined;
    return obs;
  }

  /** Drops every observation (Register and De-register end them, OMA TS Core §6.4). */
  clear(): void {
    if (!this.list) return;
    this.list = undefined;
  }

  /** Drops observations at or below a deleted instance. */
  removeUnder(path: LwM2mPath): void {
    if (!this.list) return;
    for (const o of [...this.list]) {
      if (o.composite ? o.composite.every((p) => path.contains(p)) : path.contains(o.path)) {
        this.remove(o.peer, o.token);
      }
    }
  }

  /** Attributes or server defaults changed: recompute effective attributes on next use. */
  invalidate(): void {
    this.defaults = undefined;
    this.revision = -1;
  }

  /** A resource changed: evaluate observations covering it. Returns true when something became due. */
  resourceChanged(objectId: number, instanceId: number, resourceId: number, now: number): boolean {
    if (!this.list) return false;
    let any = false;
    for (const obs of this.list) {
      if (!obs.covers(objectId, instanceId, resourceId)) continue;
      const attrs = this.attrsOf(obs);
      if (attrs.epminMs > 0 && now < obs.lastEvalAt + attrs.epminMs) {
        obs.evalPending = true;
      } else {
        obs.evaluate(this.numeric(obs, attrs), attrs, now);
      }
      any = true;
    }
    return any;
  }

  /** Earliest deadline over all observations (Infinity when none, or while notifications are held back). */
  nextDue(): number {
    if (!this.list || !this.host.canNotify()) return Infinity;
    let due = Infinity;
    for (const obs of this.list) due = Math.min(due, obs.nextDue(this.attrsOf(obs)));
    return due;
  }

  /** Runs evaluations and sends notifications that are due at `now`. */
  process(now: number): void {
    if (!this.list || !this.host.canNotify()) return;
    for (const obs of [...this.list]) {
      const attrs = this.attrsOf(obs);
      // epmin: a change signalled too early is evaluated now; epmax: sample the value at least this often.
      const deferred = obs.evalPending && now >= obs.lastEvalAt + attrs.epminMs;
      const sample = attrs.epmaxMs > 0 && now >= obs.lastEvalAt + attrs.epmaxMs;
      if (deferred || sample) obs.evaluate(this.numeric(obs, attrs), attrs, now, deferred);
      if (obs.inFlight) continue;
      const periodic = attrs.pmaxMs > 0 && now >= obs.lastSentAt + attrs.pmaxMs;
      if ((obs.pending && now >= obs.lastSentAt + attrs.pminMs) || periodic) this.send(obs, attrs, now);
    }
  }

  /** The first answer to an Observe: the value, and the state that later notifications compare against. */
  initial(obs: Observation): void {
    obs.lastValue = this.numeric(obs, this.attrsOf(obs));
  }

  private send(obs: Observation, attrs: EffectiveAttributes, now: number): void {
    obs.pending = false;
    obs.lastSentAt = now;
    let response: OutgoingResponse;
    let ends = false;
    try {
      response = { code: '2.05', contentFormat: obs.format, payload: this.encode(obs), observe: this.host.nextObserveSeq() };
      obs.lastValue = this.numeric(obs, attrs);
    } catch (err) {
      // RFC 7641 §3.2: an error response ends the observation (e.g. the instance was deleted).
      response = { code: isClientError(err) ? coapCodeOf(err.code) : '5.00' };
      ends = true;
    }
    const mode = this.host.notifyConfirmable;
    const confirmable = ends || mode === true || (mode === 'daily' && now - obs.lastConAt >= DAY_MS);
    if (confirmable) obs.lastConAt = now;
    obs.inFlight = true;
    if (ends) this.remove(obs.peer, obs.token);
    this.host.onNotificationSent();
    this.host
      .sendNotification(obs.peer, obs.token, response, confirmable)
      .then(
        (outcome) => {
          obs.inFlight = false;
          // RFC 7641 §3.6 / §4.5: RST, or a CON nobody acknowledges, ends the observation.
          if (outcome === 'reset' || (outcome === 'timeout' && confirmable) || ends) {
            this.remove(obs.peer, obs.token);
          }
        },
        () => {
          obs.inFlight = false;
        },
      )
      .finally(() => this.host.reschedule());
  }

  /** The notification payload: the observed node, or the leaves of every observed path (composite). */
  encode(obs: Observation): Buffer {
    const { tree, model } = this.host;
    if (!obs.composite) return encodeNodeAs(obs.format, readNode(tree, obs.path, model), obs.path, model);
    const leaves: LwM2mLeaf[] = [];
    for (const p of obs.composite) {
      try {
        leavesOf(readNode(tree, p, model), p, leaves);
      } catch (err) {
        if (!isClientError(err, 'NOT_FOUND')) throw err;
      }
    }
    if (leaves.length === 0) throw new ClientError('NOT_FOUND', 'no observed path exists any more');
    return encodeLeavesAs(obs.format, leaves, model);
  }

  private numeric(obs: Observation, attrs: EffectiveAttributes): number | undefined {
    if (obs.composite || (attrs.gt === undefined && attrs.lt === undefined && attrs.st === undefined)) return undefined;
    return numericValueAt(this.host.tree, obs.path);
  }

  private attrsOf(obs: Observation): EffectiveAttributes {
    const store = this.host.attributes;
    if (this.revision !== store.revision) {
      this.revision = store.revision;
      if (this.list) for (const o of this.list) o.attrs = undefined;
    }
    if (obs.attrs) return obs.attrs;
    this.defaults ??= this.serverDefaults();
    const [dPmin, dPmax] = this.defaults;
    if (obs.composite) return (obs.attrs = effectiveAttributes({}, dPmin, dPmax, false));
    const p = obs.path;
    const numeric = (p.isResource() || p.isResourceInstance()) && isNumericModel(this.host.model.resource(p.objectId!, p.resourceId!));
    return (obs.attrs = effectiveAttributes(store.merged(p), dPmin, dPmax, numeric));
  }

  /** /1/x/2 and /1/x/3 of the (first) Server object instance; 0 or absent means no default. */
  private serverDefaults(): [number | undefined, number | undefined] {
    const server = this.host.tree.instances(1)[0];
    const num = (rid: number): number | undefined => {
      const v = server?.read(rid);
      const n = typeof v === 'bigint' ? Number(v) : v;
      return typeof n === 'number' && n > 0 ? n : undefined;
    };
    return [num(2), num(3)];
  }
}

function samePeer(a: Peer, b: Peer): boolean {
  return a.port === b.port && a.address === b.address;
}

