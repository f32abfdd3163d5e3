import type { ModelLookup } from '../model.ts';
import type { LwM2mLeaf, LwM2mNode } from '../node.ts';
import { leavesToNode, nodeToLeaves } from '../node-util.ts';
import type { LwM2mPath } from '../path.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { parseJson, type JsonObject, type JsonValue } from './json-reader.ts';
import { parsePathText, relativeName } from './path-text.ts';
import type { LwM2mCodec, LwM2mTimedLeaf } from './types.ts';
import { decodeUtf8 } from './utf8.ts';
import { booleanToValue, bytesToValue, numberToValue, objlnkToValue, stringToValue, toWireValue } from './values.ts';

/**
 * LwM2M JSON, `application/vnd.oma.lwm2m+json` (CF 11543, legacy 1543), OMA TS Core 1.0 §6.4.4 / 1.1 §7.4.6:
 * `{"bn":"/3/0/","bt":…,"e":[{"n":"0","sv":"…"},{"n":"9","v":95,"t":-5}]}`. Values: `v` number (also time),
 * `sv` string (opaque as standard base64), `bv` boolean, `ov` object link "O:I". The name of an entry is bn + n;
 * like Leshan, a name without the leading slash is accepted (`"bn":"3/0/"`). Times: bt + t seconds since the
 * epoch when positive, else relative to now (the 1.0 examples use small absolute base times such as 25462634, so
 * RFC 8428's 2^28 threshold does not apply here).
 */

const FORMAT = 'LwM2M JSON';

function kind(v: JsonValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v === 'bigint' ? 'a number' : `a ${typeof v}`;
}

function decodeLeaves(payload: Buffer, model: ModelLookup, basePath?: LwM2mPath): LwM2mTimedLeaf[] {
  const root = parseJson(decodeUtf8(payload, `${FORMAT} payload`), FORMAT);
  if (root === null || typeof root !== 'object' || Array.isArray(root)) return decodeFail(`${FORMAT} payload is ${kind(root)}, not an object`);
  const bn = root.bn;
  if (bn !== undefined && typeof bn !== 'string') decodeFail(`${FORMAT}: "bn" must be a string, got ${kind(bn)}`);
  const bt = root.bt;
  if (bt !== undefined && typeof bt !== 'number' && typeof bt !== 'bigint') decodeFail(`${FORMAT}: "bt" must be a number, got ${kind(bt)}`);
  const e = root.e;
  if (!Array.isArray(e)) return decodeFail(`${FORMAT}: "e" must be an array of entries, got ${kind(e)}`);

  const out: LwM2mTimedLeaf[] = [];
  const seen = new Set<string>();
  let now: number | undefined;
  for (let i = 0; i < e.length; i++) {
    const entry = e[i];
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return decodeFail(`${FORMAT} entry ${i} is ${kind(entry)}, not an object`);
    const n = entry.n;
    if (n !== undefined && typeof n !== 'string') decodeFail(`${FORMAT} entry ${i}: "n" must be a string, got ${kind(n)}`);
    const name = ((bn as string | undefined) ?? '') + ((n as string | undefined) ?? '');
    const path = parsePathText(name, 'optional');
    if (path === undefined) return decodeFail(`${FORMAT} entry ${i}: name ${JSON.stringify(name)} is not a valid LwM2M path`);
    const text = path.toString();
    if (path.length < 3) decodeFail(`${FORMAT} entry ${i}: ${text} is not a resource or resource instance, so it cannot carry a value`);
    if (basePath !== undefined && !basePath.contains(path)) decodeFail(`${FORMAT} entry ${i}: ${text} is outside the requested path ${basePath.toString()}`);

    const t = entry.t;
    if (t !== undefined && typeof t !== 'number' && typeof t !== 'bigint') decodeFail(`${FORMAT} entry ${i}: "t" must be a number, got ${kind(t)}`);
    let timestamp: Date | undefined;
    if (bt !== undefined || t !== undefined) {
      let seconds = Number(bt ?? 0) + Number(t ?? 0);
      // bt + t > 0 is seconds since the epoch, <= 0 relative to now (OMA TS Core 1.1 §7.4 data formats; Leshan reads the 1.0 examples so)
      if (seconds <= 0) seconds += (now ??= Date.now()) / 1000;
      timestamp = new Date(Math.round(seconds * 1000));
      if (Number.isNaN(timestamp.getTime())) decodeFail(`${FORMAT} entry ${i} (${text}): time ${seconds} is out of range`);
    }
    const key = timestamp === undefined ? text : `${text}@${timestamp.getTime()}`;
    if (seen.has(key)) decodeFail(`${FORMAT} entry ${i}: duplicate value for ${text}`);
    seen.add(key);

    out.push(timestamp === undefined ? { path, value: entryValue(entry, i, text, path, model) } : { path, value: entryValue(entry, i, text, path, model), timestamp });
  }
  return out;
}

function entryValue(entry: JsonObject, i: number, text: string, path: LwM2mPath, model: ModelLookup) {
  const { v, sv, bv, ov } = entry;
  const count = (v !== undefined ? 1 : 0) + (sv !== undefined ? 1 : 0) + (bv !== undefined ? 1 : 0) + (ov !== undefined ? 1 : 0);
  if (count !== 1) decodeFail(`${FORMAT} entry ${i} (${text}) has ${count === 0 ? 'no value' : `${count} values`}; exactly one of v, sv, bv, ov is required`);
  const rm = model.resource(path.objectId as number, path.resourceId as number);
  const where = `${FORMAT} entry ${i} (${text})`;
  if (v !== undefined) {
    if (typeof v !== 'number' && typeof v !== 'bigint') return decodeFail(`${where}: "v" must be a number, got ${kind(v)}`);
    return numberToValue(v, rm, where, 'v');
  }
  if (sv !== undefined) {
    if (typeof sv !== 'string') return decodeFail(`${where}: "sv" must be a string, got ${kind(sv)}`);
    if (rm?.type === 'opaque') return bytesToValue(decodeBase64(sv, `${where} "sv"`), rm, where, 'sv');
    return stringToValue(sv, rm, where, 'sv');
  }
  if (bv !== undefined) {
    if (typeof bv !== 'boolean') return decodeFail(`${where}: "bv" must be a boolean, got ${kind(bv)}`);
    return booleanToValue(bv, rm, where, 'bv');
  }
  if (typeof ov !== 'string') return decodeFail(`${where}: "ov" must be a string "O:I", got ${kind(ov)}`);
  return objlnkToValue(ov, rm, where, 'ov');
}

function write(leaves: readonly LwM2mLeaf[], model: ModelLookup, base: LwM2mPath | undefined): Buffer {
  const entries: string[] = [];
  let bn: string | undefined;
  if (base !== undefined) {
    const allBelow = leaves.every((l) => l.path.length > base.length);
    bn = allBelow ? (base.isRoot() ? '/' : base.toString() + '/') : base.toString();
  }
  for (const l of leaves as readonly LwM2mTimedLeaf[]) {
    const text = l.path.toString();
    if (l.path.length < 3) encodeFail(`${FORMAT}: ${text} is not a resource or resource instance, so it cannot carry a value`);
    const rm = model.resource(l.path.objectId as number, l.path.resourceId as number);
    const w = toWireValue(l.value, rm, text);
    let s = '{';
    const name = base === undefined ? text : relativeName(base, l.path);
    if (name !== '') s += `"n":${JSON.stringify(name)},`;
    switch (w.type) {
      case 'integer':
      case 'unsignedInteger':
      case 'time':
        s += `"v":${w.value.toString()}`;
        break;
      case 'float':
        if (!Number.isFinite(w.value)) encodeFail(`${FORMAT}: ${text} value ${w.value} has no JSON form`);
        s += `"v":${String(w.value)}`;
        break;
      case 'boolean':
        s += `"bv":${w.value ? 'true' : 'false'}`;
        break;
      case 'opaque':
        s += `"sv":"${encodeBase64(w.value)}"`;
        break;
      case 'objlnk':
        s += `"ov":${JSON.stringify(w.value)}`;
        break;
      default:
        s += `"sv":${JSON.stringify(w.value)}`;
    }
    if (l.timestamp !== undefined) {
      const ms = l.timestamp.getTime();
      if (Number.isNaN(ms)) encodeFail(`${FORMAT}: ${text} has an invalid timestamp`);
      s += `,"t":${ms / 1000}`;
    }
    entries.push(s + '}');
  }
  return Buffer.from((bn === undefined ? '{' : `{"bn":${JSON.stringify(bn)},`) + `"e":[${entries.join(',')}]}`, 'utf8');
}

function encodeLeaves(leaves: readonly LwM2mLeaf[], model: ModelLookup): Buffer {
  return write(leaves, model, undefined);
}

function decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  return leavesToNode(decodeLeaves(payload, model, path), path, model);
}

function encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  return write(nodeToLeaves(node, path), model, path);
}

export const lwm2mJsonCodec: LwM2mCodec = {
  contentFormat: 11543,
  name: 'application/vnd.oma.lwm2m+json',
  composite: true,
  encode,
  decode,
  encodeLeaves,
  decodeLeaves,
};
