import type { Peer } from '../protocol/coap/types.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import type { AttributeSet } from './attributes.ts';

/** The attributes that drive one observation, after defaults (OMA TS Core 1.1 §5.1.2). Periods in ms. */
export interface EffectiveAttributes {
  pminMs: number;
  /** 0 = no periodic notification. */
  pmaxMs: number;
  gt?: number;
  lt?: number;
  st?: number;
  epminMs: number;
  epmaxMs: number;
}

/** Applies the server-object defaults (/1/x/2, /1/x/3) to merged attributes; pmax below pmin is raised to pmin. */
export function effectiveAttributes(merged: AttributeSet, defaultPmin: number | undefined, defaultPmax: number | undefined, numeric: boolean): EffectiveAttributes {
  const pmin = merged.pmin ?? defaultPmin ?? 0;
  let pmax = merged.pmax ?? defaultPmax ?? 0;
  if (pmax > 0 && pmax < pmin) pmax = pmin;
  const eff: EffectiveAttributes = { pminMs: pmin * 1000, pmaxMs: pmax * 1000, epminMs: (merged.epmin ?? 0) * 1000, epmaxMs: (merged.epmax ?? 0) * 1000 };
  if (numeric) {
    if (merged.gt !== undefined) eff.gt = merged.gt;
    if (merged.lt !== undefined) eff.lt = merged.lt;
    if (merged.st !== undefined) eff.st = merged.st;
  }
  return eff;
}

/**
 * One server observation held by the client (RFC 7641 §3, OMA TS Core §6.4): a single path (Observe on GET) or a
 * list (Observe-Composite on FETCH). Times are epoch ms. Kept small: a device may hold dozens.
 */
export class Observation {
  /** Notification due once pmin allows: a change passed the attribute conditions. */
  pending = false;
  /** A change arrived inside epmin: evaluate it when epmin ends. */
  evalPending = false;
  /** A notification is on the wire (CON waiting for its ACK). */
  inFlight = false;
  lastSentAt: number;
  lastEvalAt: number;
  lastConAt: number;
  /** Numeric value sent last (for gt/lt/st), undefined when not numeric. */
  lastValue: number | undefined;
  /** Cached effective attributes; cleared when attributes or the server defaults change. */
  attrs: EffectiveAttributes | undefined;

  constructor(
    readonly token: Buffer,
    readonly peer: Peer,
    /** The observed path, or the first of a composite list. */
    readonly path: LwM2mPath,
    /** Content format of notifications. */
    readonly format: number,
    /** Observe-Composite: every observed path. */
    readonly composite: readonly LwM2mPath[] | undefined,
    now: number,
  ) {
    this.lastSentAt = now;
    this.lastEvalAt = now;
    this.lastConAt = now;
  }

  /** True when a change of `/o/i/r` concerns this observation. */
  covers(objectId: number, instanceId: number, resourceId: number): boolean {
    if (this.composite) return this.composite.some((p) => coversPath(p, objectId, instanceId, resourceId));
    return coversPath(this.path, objectId, instanceId, resourceId);
  }

  /**
   * Evaluates the value against gt/lt/st (OMA TS Core 1.1 §5.1.2): crossing gt or lt relative to the last notified
   * value, or moving at least st from it. With no threshold set, a signalled change counts; a periodic sample
   * (epmax, `signalled` false) cannot tell a change and does not notify by itself.
   */
  evaluate(value: number | undefined, attrs: EffectiveAttributes, now: number, signalled = true): void {
    this.lastEvalAt = now;
    this.evalPending = false;
    if (attrs.gt === undefined && attrs.lt === undefined && attrs.st === undefined) {
      if (signalled) this.pending = true;
      return;
    }
    if (value === undefined) return;
    const prev = this.lastValue;
    if (prev === undefined) {
      this.pending = true;
      return;
    }
    if (attrs.gt !== undefined && (prev <= attrs.gt) !== (value <= attrs.gt)) this.pending = true;
    if (attrs.lt !== undefined && (prev < attrs.lt) !== (value < attrs.lt)) this.pending = true;
    if (attrs.st !== undefined && Math.abs(value - prev) >= attrs.st) this.pending = true;
  }

  /** Earliest time something is due (evaluation, notification), or Infinity. */
  nextDue(attrs: EffectiveAttributes): number {
    let due = Infinity;
    if (this.evalPending) due = this.lastEvalAt + attrs.epminMs;
    if (attrs.epmaxMs > 0) due = Math.min(due, this.lastEvalAt + attrs.epmaxMs);
    if (this.inFlight) return due;
    if (this.pending) due = Math.min(due, this.lastSentAt + attrs.pminMs);
    if (attrs.pmaxMs > 0) due = Math.min(due, this.lastSentAt + attrs.pmaxMs);
    return due;
  }
}

function coversPath(p: LwM2mPath, objectId: number, instanceId: number, resourceId: number): boolean {
  if (p.objectId === undefined) return true;
  if (p.objectId !== objectId) return false;
  if (p.objectInstanceId === undefined) return true;
  if (p.objectInstanceId !== instanceId) return false;
  return p.resourceId === undefined || p.resourceId === resourceId;
}
