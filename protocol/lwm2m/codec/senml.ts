import type { ModelLookup } from '../model.ts';
import type { LwM2mLeaf } from '../node.ts';
import { leavesToNode, nodeToLeaves } from '../node-util.ts';
import type { LwM2mPath } from '../path.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { parsePathText, relativeName } from './path-text.ts';
import type { LwM2mCodec, LwM2mTimedLeaf } from './types.ts';
import { booleanToValue, bytesToValue, numberToValue, objlnkToValue, stringToValue, toWireValue } from './values.ts';

/**
 * The SenML data model as LwM2M uses it (RFC 8428; OMA TS Core 1.1 §7.4.4 SenML JSON, §7.4.5 SenML CBOR), shared
 * by the JSON and CBOR representations, which only differ in how a record is written.
 */

/** One record with the labels LwM2M understands, types already checked by the representation. */
export interface SenmlRecord {
  bn?: string;
  bt?: number;
  bv?: number;
  n?: string;
  t?: number;
  v?: number | bigint;
  vs?: string;
  vb?: boolean;
  vd?: Uint8Array;
  vlo?: string;
}

/** RFC 8428 §4.5.3: resolved times below 2^28 are relative to now, larger ones are seconds since the epoch. */
const RELATIVE_TIME_LIMIT = 2 ** 28;

function nameOf(bn: string, r: SenmlRecord, i: number, format: string): { name: string; path: LwM2mPath } {
  const name = bn + (r.n ?? '');
  if (name === '') decodeFail(`${format} record ${i} has no name (neither bn nor n)`);
  const path = parsePathText(name);
  if (path === undefined) decodeFail(`${format} record ${i}: name ${JSON.stringify(name)} is not a valid LwM2M path`);
  return { name, path };
}

/**
 * Resolves records (RFC 8428 §4.6: base name and base time carry over to later records until replaced) into
 * leaves typed by the model. Every record must name a resource or resource instance, inside `basePath` when given,
 * and carry exactly one value. A path may repeat only with different times (a time series, as Send may carry).
 */
export function senmlToLeaves(records: readonly SenmlRecord[], model: ModelLookup, basePath: LwM2mPath | undefined, format: string): LwM2mTimedLeaf[] {
  const out: LwM2mTimedLeaf[] = [];
  // A single record cannot repeat a path: skip the set in the common one-value notification.
  const seen = records.length > 1 ? new Set<string>() : undefined;
  let bn = '';
  let bt: number | undefined;
  let bv: number | undefined;
  let now: number | undefined;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.bn !== undefined) bn = r.bn;
    if (r.bt !== undefined) bt = r.bt;
    if (r.bv !== undefined) bv = r.bv;
    const { name, path } = nameOf(bn, r, i, format);
    if (path.length < 3) decodeFail(`${format} record ${i}: ${name} is not a resource or resource instance, so it cannot carry a value`);
    if (basePath !== undefined && !basePath.contains(path)) decodeFail(`${format} record ${i}: ${name} is outside the requested path ${basePath.toString()}`);

    let timestamp: Date | undefined;
    if (bt !== undefined || r.t !== undefined) {
      let seconds = (bt ?? 0) + (r.t ?? 0);
      if (seconds < RELATIVE_TIME_LIMIT) seconds += (now ??= Date.now()) / 1000;
      timestamp = new Date(Math.round(seconds * 1000));
      if (Number.isNaN(timestamp.getTime())) decodeFail(`${format} record ${i} (${name}): time ${seconds} is out of range`);
    }
    if (seen !== undefined) {
      const key = timestamp === undefined ? name : `${name}@${timestamp.getTime()}`;
      if (seen.has(key)) decodeFail(`${format} record ${i}: duplicate value for ${name}${timestamp === undefined ? '' : ` at ${timestamp.toISOString()}`}`);
      seen.add(key);
    }

    const count = (r.v !== undefined ? 1 : 0) + (r.vs !== undefined ? 1 : 0) + (r.vb !== undefined ? 1 : 0) + (r.vd !== undefined ? 1 : 0) + (r.vlo !== undefined ? 1 : 0);
    if (count !== 1) decodeFail(`${format} record ${i} (${name}) has ${count === 0 ? 'no value' : `${count} values`}; exactly one of v, vs, vb, vd, vlo is required`);
    const rm = model.resource(path.objectId as number, path.resourceId as number);
    const where = `${format} record ${i} (${name})`;
    let value;
    if (r.v !== undefined) {
      let v = r.v;
      if (bv !== undefined) v = typeof v === 'bigint' && Number.isInteger(bv) ? v + BigInt(bv) : Number(v) + bv;
      value = numberToValue(v, rm, where, 'v');
    } else if (r.vs !== undefined) value = stringToValue(r.vs, rm, where, 'vs');
    else if (r.vb !== undefined) value = booleanToValue(r.vb, rm, where, 'vb');
    else if (r.vd !== undefined) value = bytesToValue(r.vd, rm, where, 'vd');
    else value = objlnkToValue(r.vlo as string, rm, where, 'vlo');
    out.push(timestamp === undefined ? { path, value } : { path, value, timestamp });
  }
  return out;
}

/** A Read-Composite / Observe-Composite request body (OMA TS Core 1.1 §6.3, Read-Composite): names only, no values, no times. */
export function senmlToPaths(records: readonly SenmlRecord[], format: string): LwM2mPath[] {
  const out: LwM2mPath[] = [];
  const seen = new Set<string>();
  let bn = '';
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r.bn !== undefined) bn = r.bn;
    const { name, path } = nameOf(bn, r, i, format);
    if (r.v !== undefined || r.vs !== undefined || r.vb !== undefined || r.vd !== undefined || r.vlo !== undefined) {
      decodeFail(`${format} path list record ${i} (${name}) carries a value`);
    }
    if (r.t !== undefined || r.bt !== undefined) decodeFail(`${format} path list record ${i} (${name}) carries a time`);
    if (seen.has(path.toString())) decodeFail(`${format} path list: duplicate path ${path.toString()}`);
    seen.add(path.toString());
    out.push(path);
  }
  return out;
}

/** A record to write: at most one name part each, one value under the label `field`, an optional time. */
export interface SenmlOutRecord {
  bn?: string;
  n?: string;
  field: 'v' | 'vs' | 'vb' | 'vd' | 'vlo';
  value: number | bigint | string | boolean | Uint8Array;
  /** Seconds since the epoch. */
  t?: number;
}

/**
 * Records for `leaves`. With `base` (the request path of Read/Observe), the first record carries `bn` and names
 * are relative: `[{bn:"/3/0/", n:"0", vs:"…"}, {n:"9", v:95}]` (RFC 8428 §4.5; OMA TS Core 1.1 §7.4 SenML JSON). Without, each record names its full path.
 */
export function leavesToSenml(leaves: readonly LwM2mLeaf[], model: ModelLookup, base: LwM2mPath | undefined, format: string): SenmlOutRecord[] {
  const out: SenmlOutRecord[] = [];
  for (let i = 0; i < leaves.length; i++) {
    const l = leaves[i] as LwM2mTimedLeaf;
    const text = l.path.toString();
    if (l.path.length < 3) encodeFail(`${format}: ${text} is not a resource or resource instance, so it cannot carry a value`);
    const rm = model.resource(l.path.objectId as number, l.path.resourceId as number);
    const w = toWireValue(l.value, rm, text);
    const rec: SenmlOutRecord =
      w.type === 'boolean' ? { field: 'vb', value: w.value }
      : w.type === 'string' || w.type === 'corelnk' ? { field: 'vs', value: w.value }
      : w.type === 'opaque' ? { field: 'vd', value: w.value }
      : w.type === 'objlnk' ? { field: 'vlo', value: w.value }
      : { field: 'v', value: w.value };
    if (base === undefined) {
      rec.n = text;
    } else {
      const rel = relativeName(base, l.path);
      if (i === 0) rec.bn = rel === '' ? base.toString() : base.isRoot() ? '/' : base.toString() + '/';
      if (rel !== '') rec.n = rel;
    }
    if (l.timestamp !== undefined) {
      const ms = l.timestamp.getTime();
      if (Number.isNaN(ms)) encodeFail(`${format}: ${text} has an invalid timestamp`);
      rec.t = ms / 1000;
    }
    out.push(rec);
  }
  return out;
}

/** How one SenML representation reads and writes a pack of records; all else is shared. */
export interface SenmlRepresentation {
  /** The name used in error messages, e.g. `SenML JSON`. */
  readonly format: string;
  read(payload: Buffer): SenmlRecord[];
  write(records: readonly SenmlOutRecord[]): Buffer;
}

/**
 * The node and leaf operations of a SenML codec (OMA TS Core 1.1 §7.4.4, §7.4.5) over one representation: decoding
 * resolves the records into leaves (inside the request path for `decode`), encoding names them relative to the
 * request path for `encode` and by full path for `encodeLeaves`.
 */
export function senmlCodecOperations(rep: SenmlRepresentation): Required<Pick<LwM2mCodec, 'encode' | 'decode' | 'encodeLeaves' | 'decodeLeaves'>> {
  const decodeLeaves = (payload: Buffer, model: ModelLookup, basePath?: LwM2mPath): LwM2mTimedLeaf[] => senmlToLeaves(rep.read(payload), model, basePath, rep.format);
  return {
    encode: (node, path, model) => rep.write(leavesToSenml(nodeToLeaves(node, path), model, path, rep.format)),
    decode: (payload, path, model) => leavesToNode(decodeLeaves(payload, model, path), path, model),
    encodeLeaves: (leaves, model) => rep.write(leavesToSenml(leaves, model, undefined, rep.format)),
    decodeLeaves,
  };
}
