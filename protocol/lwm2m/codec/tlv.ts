import type { ModelLookup, ResourceModel } from '../model.ts';
import type { LwM2mMultipleResource, LwM2mNode, LwM2mObjectInstance, LwM2mResource, LwM2mValue } from '../node.ts';
import { checkNodeAtPath } from '../node-util.ts';
import type { LwM2mPath } from '../path.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import type { LwM2mCodec } from './types.ts';
import { decodeUtf8Range, encodeUtf8 } from './utf8.ts';
import { bytesToValue, numberToValue, toWireValue, type WireValue } from './values.ts';

/**
 * OMA LwM2M TLV, `application/vnd.oma.lwm2m+tlv` (CF 11542, legacy 1542), OMA TS Core 1.1 §7.4.3.
 *
 * Each entry: a type byte (bits 7-6: 00 object instance, 01 resource instance, 10 multiple resource, 11 resource
 * with value; bit 5: 16-bit id; bits 4-3: length field of 0/8/16/24 bits; bits 2-0: the length when that field is
 * absent), the id, the length, the value. Nesting is object instance > resource > resource instance: at most three
 * levels. Values are typed by the model (Appendix C); a resource the model does not know decodes as opaque bytes.
 */

const OBJECT_INSTANCE = 0;
const RESOURCE_INSTANCE = 1;
const MULTIPLE_RESOURCE = 2;
const RESOURCE = 3;
const TYPE_NAMES = ['object instance', 'resource instance', 'multiple resource', 'resource'];

/** Largest value a 24-bit length field carries (§7.4.3: objects up to 16.7 MB). */
const MAX_LENGTH = 0xffffff;

/** One parsed TLV header: the entry spans `[at, end)`, its value `[start, end)`. */
interface TlvEntry {
  type: number;
  id: number;
  at: number;
  start: number;
  end: number;
}

/** Reads every entry in `[from, to)`, checking that each header and value fits. */
function readEntries(buf: Buffer, from: number, to: number): TlvEntry[] {
  const out: TlvEntry[] = [];
  let pos = from;
  while (pos < to) {
    const at = pos;
    const tb = buf[pos++];
    const idBytes = tb & 0x20 ? 2 : 1;
    const lenBytes = (tb >> 3) & 3;
    if (pos + idBytes + lenBytes > to) {
      decodeFail(`TLV entry at offset ${at} is truncated: its header needs ${1 + idBytes + lenBytes} bytes, ${to - at} left`);
    }
    const id = idBytes === 2 ? buf.readUInt16BE(pos) : buf[pos];
    pos += idBytes;
    let len: number;
    if (lenBytes === 0) len = tb & 7;
    else if (lenBytes === 1) len = buf[pos];
    else if (lenBytes === 2) len = buf.readUInt16BE(pos);
    else len = buf.readUIntBE(pos, 3);
    pos += lenBytes;
    if (pos + len > to) {
      decodeFail(`TLV ${TYPE_NAMES[tb >> 6]} ${id} at offset ${at}: length ${len} runs past the end of its container (${to - pos} bytes left)`);
    }
    out.push({ type: tb >> 6, id, at, start: pos, end: pos + len });
    pos += len;
  }
  return out;
}

function where(ids: number[]): string {
  return '/' + ids.join('/');
}

/** Decodes a value by the model type (OMA TS Core Appendix C, TLV column). */
function decodeValue(buf: Buffer, e: TlvEntry, rm: ResourceModel | undefined, ids: number[]): LwM2mValue {
  const len = e.end - e.start;
  const s = e.start;
  const type = rm?.type;
  switch (type) {
    case undefined:
    case 'opaque':
      return bytesToValue(buf.subarray(s, e.end), rm, ids, 'TLV');
    case 'string':
    case 'corelnk':
      return decodeUtf8Range(buf, s, e.end, `TLV value of ${where(ids)}`);
    case 'integer':
    case 'time': {
      let n: number | bigint;
      if (len === 1) n = buf.readInt8(s);
      else if (len === 2) n = buf.readInt16BE(s);
      else if (len === 4) n = buf.readInt32BE(s);
      else if (len === 8) n = buf.readBigInt64BE(s);
      else return decodeFail(`TLV ${where(ids)}: an ${type} value must be 1, 2, 4 or 8 bytes, got ${len}`);
      return numberToValue(n, rm, ids, 'TLV');
    }
    case 'unsignedInteger': {
      let n: number | bigint;
      if (len === 1) n = buf[s];
      else if (len === 2) n = buf.readUInt16BE(s);
      else if (len === 4) n = buf.readUInt32BE(s);
      else if (len === 8) n = buf.readBigUInt64BE(s);
      else return decodeFail(`TLV ${where(ids)}: an unsignedInteger value must be 1, 2, 4 or 8 bytes, got ${len}`);
      return numberToValue(n, rm, ids, 'TLV');
    }
    case 'float':
      if (len === 4) return buf.readFloatBE(s);
      if (len === 8) return buf.readDoubleBE(s);
      return decodeFail(`TLV ${where(ids)}: a float value must be 4 or 8 bytes, got ${len}`);
    case 'boolean':
      if (len !== 1 || buf[s] > 1) return decodeFail(`TLV ${where(ids)}: a boolean value must be one byte 0 or 1`);
      return buf[s] === 1;
    case 'objlnk':
      if (len !== 4) return decodeFail(`TLV ${where(ids)}: an objlnk value must be 4 bytes, got ${len}`);
      return `${buf.readUInt16BE(s)}:${buf.readUInt16BE(s + 2)}`;
    default:
      return decodeFail(`TLV ${where(ids)}: resource of type ${type} carries no value`);
  }
}

function expectType(e: TlvEntry, allowed: number, context: string): void {
  if (e.type !== allowed) {
    const deeper = e.type === OBJECT_INSTANCE || (e.type === RESOURCE_INSTANCE && allowed !== RESOURCE_INSTANCE);
    decodeFail(`TLV ${TYPE_NAMES[e.type]} ${e.id} at offset ${e.at} is not allowed ${context}${deeper ? ' (nesting too deep or misplaced)' : ''}`);
  }
}

function decodeResourceInstances(buf: Buffer, entries: TlvEntry[], rm: ResourceModel | undefined, ids: number[]): Map<number, LwM2mValue> {
  const instances = new Map<number, LwM2mValue>();
  for (const e of entries) {
    expectType(e, RESOURCE_INSTANCE, `inside multiple resource ${where(ids)}`);
    if (instances.has(e.id)) decodeFail(`TLV: duplicate resource instance ${where([...ids, e.id])}`);
    instances.set(e.id, decodeValue(buf, e, rm, [...ids, e.id]));
  }
  return instances;
}

/** A resource entry (type 11 or 10) inside an object instance, checked against the model's `multiple`. */
function decodeResource(buf: Buffer, e: TlvEntry, o: number, i: number, model: ModelLookup): LwM2mResource {
  const rm = model.resource(o, e.id);
  const ids = [o, i, e.id];
  if (e.type === RESOURCE) {
    if (rm?.multiple) decodeFail(`TLV: ${where(ids)} is a multiple resource but was sent as a single resource (§7.4.3 requires a multiple-resource TLV)`);
    return { kind: 'resource', id: e.id, value: decodeValue(buf, e, rm, ids) };
  }
  if (e.type === MULTIPLE_RESOURCE) {
    if (rm !== undefined && !rm.multiple) decodeFail(`TLV: ${where(ids)} is a single resource but was sent as a multiple resource`);
    return { kind: 'multipleResource', id: e.id, instances: decodeResourceInstances(buf, readEntries(buf, e.start, e.end), rm, ids) };
  }
  return decodeFail(`TLV ${TYPE_NAMES[e.type]} ${e.id} at offset ${e.at} is not allowed inside object instance ${where([o, i])} (nesting too deep or misplaced)`);
}

function decodeResources(buf: Buffer, entries: TlvEntry[], o: number, i: number, model: ModelLookup): LwM2mObjectInstance {
  const resources = new Map<number, LwM2mResource>();
  for (const e of entries) {
    if (e.type !== RESOURCE && e.type !== MULTIPLE_RESOURCE) expectType(e, RESOURCE, `inside object instance ${where([o, i])}`);
    if (resources.has(e.id)) decodeFail(`TLV: duplicate resource ${where([o, i, e.id])}`);
    resources.set(e.id, decodeResource(buf, e, o, i, model));
  }
  return { kind: 'objectInstance', id: i, resources };
}

/** Unwraps a single object-instance TLV around the payload when its id is the requested one (Leshan accepts this). */
function unwrapInstance(buf: Buffer, entries: TlvEntry[], o: number, i: number): TlvEntry[] {
  if (entries.length === 0 || entries[0].type !== OBJECT_INSTANCE) return entries;
  if (entries.length !== 1) decodeFail(`TLV: expected one object instance for /${o}/${i}, got ${entries.length} entries`);
  if (entries[0].id !== i) decodeFail(`TLV object instance ${entries[0].id} does not match the requested path /${o}/${i}`);
  return readEntries(buf, entries[0].start, entries[0].end);
}

function single(entries: TlvEntry[], what: string): TlvEntry {
  if (entries.length !== 1) decodeFail(`TLV: expected exactly one entry for ${what}, got ${entries.length}`);
  return entries[0];
}

function decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  const buf = payload;
  const top = readEntries(buf, 0, buf.length);
  const o = path.objectId as number;
  switch (path.length) {
    case 1: {
      const instances = new Map<number, LwM2mObjectInstance>();
      if (top.length > 0 && top[0].type !== OBJECT_INSTANCE) {
        // Resources without an instance TLV: a single instance whose id the client did not say; take 0.
        instances.set(0, decodeResources(buf, top, o, 0, model));
      } else {
        for (const e of top) {
          expectType(e, OBJECT_INSTANCE, `at the top of an object /${o}`);
          if (instances.has(e.id)) decodeFail(`TLV: duplicate object instance /${o}/${e.id}`);
          instances.set(e.id, decodeResources(buf, readEntries(buf, e.start, e.end), o, e.id, model));
        }
      }
      return { kind: 'object', id: o, instances };
    }
    case 2: {
      const i = path.objectInstanceId as number;
      return decodeResources(buf, unwrapInstance(buf, top, o, i), o, i, model);
    }
    case 3: {
      const i = path.objectInstanceId as number;
      const r = path.resourceId as number;
      const rm = model.resource(o, r);
      const entries = unwrapInstance(buf, top, o, i);
      if (entries.length === 0) {
        if (rm?.multiple) return { kind: 'multipleResource', id: r, instances: new Map() };
        return decodeFail(`TLV: empty payload for the single resource ${path.toString()}`);
      }
      if (entries[0].type === RESOURCE_INSTANCE) {
        // Bare resource instances: the content of the multiple resource without its wrapper.
        if (rm !== undefined && !rm.multiple) decodeFail(`TLV: ${path.toString()} is a single resource but resource instances were sent`);
        const res: LwM2mMultipleResource = { kind: 'multipleResource', id: r, instances: decodeResourceInstances(buf, entries, rm, [o, i, r]) };
        return res;
      }
      const e = single(entries, path.toString());
      if (e.id !== r) decodeFail(`TLV ${TYPE_NAMES[e.type]} ${e.id} does not match the requested path ${path.toString()}`);
      return decodeResource(buf, e, o, i, model);
    }
    case 4: {
      const i = path.objectInstanceId as number;
      const r = path.resourceId as number;
      const ri = path.resourceInstanceId as number;
      const rm = model.resource(o, r);
      if (rm !== undefined && !rm.multiple) decodeFail(`TLV: ${path.parent().toString()} is a single resource and has no resource instances`);
      let e = single(top, path.toString());
      if (e.type === MULTIPLE_RESOURCE) {
        if (e.id !== r) decodeFail(`TLV multiple resource ${e.id} does not match the requested path ${path.toString()}`);
        e = single(readEntries(buf, e.start, e.end), path.toString());
      }
      expectType(e, RESOURCE_INSTANCE, `for the resource instance ${path.toString()}`);
      if (e.id !== ri) decodeFail(`TLV resource instance ${e.id} does not match the requested path ${path.toString()}`);
      return { kind: 'resourceInstance', id: ri, value: decodeValue(buf, e, rm, [o, i, r, ri]) };
    }
    default:
      return decodeFail('TLV cannot carry the root path: a request names at least an object');
  }
}

// --- encoding -------------------------------------------------------------------------------------------------

/** Header + value for one entry: 8- or 16-bit id, the smallest length field (§7.4.3). */
function entry(type: number, id: number, value: Buffer | Buffer[]): Buffer {
  const parts = Array.isArray(value) ? value : [value];
  let len = 0;
  for (const p of parts) len += p.length;
  if (len > MAX_LENGTH) encodeFail(`TLV ${TYPE_NAMES[type]} ${id}: value of ${len} bytes exceeds the 24-bit length field`);
  const idBytes = id > 0xff ? 2 : 1;
  const lenBytes = len <= 7 ? 0 : len <= 0xff ? 1 : len <= 0xffff ? 2 : 3;
  const head = Buffer.allocUnsafe(1 + idBytes + lenBytes);
  head[0] = (type << 6) | (idBytes === 2 ? 0x20 : 0) | (lenBytes << 3) | (lenBytes === 0 ? len : 0);
  if (idBytes === 2) head.writeUInt16BE(id, 1);
  else head[1] = id;
  if (lenBytes > 0) head.writeUIntBE(len, 1 + idBytes, lenBytes);
  return Buffer.concat([head, ...parts], head.length + len);
}

/** Smallest of 1/2/4/8 bytes, big-endian two's complement (Appendix C, Integer). */
function signedBytes(v: number | bigint): Buffer {
  if (typeof v === 'number' && v >= -0x80000000 && v <= 0x7fffffff) {
    if (v >= -0x80 && v <= 0x7f) return Buffer.from([v & 0xff]);
    const b = Buffer.allocUnsafe(v >= -0x8000 && v <= 0x7fff ? 2 : 4);
    b.writeIntBE(v, 0, b.length);
    return b;
  }
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}

function unsignedBytes(v: number | bigint): Buffer {
  if (typeof v === 'number' && v <= 0xffffffff) {
    const b = Buffer.allocUnsafe(v <= 0xff ? 1 : v <= 0xffff ? 2 : 4);
    b.writeUIntBE(v, 0, b.length);
    return b;
  }
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
}

function valueBytes(w: WireValue, what: string): Buffer {
  switch (w.type) {
    case 'integer':
    case 'time':
      return signedBytes(w.value);
    case 'unsignedInteger':
      return unsignedBytes(w.value);
    case 'float': {
      // 4 bytes when binary32 holds the value exactly, else 8 (Appendix C, Float)
      if (Object.is(Math.fround(w.value), w.value) || Number.isNaN(w.value)) {
        const b = Buffer.allocUnsafe(4);
        b.writeFloatBE(w.value);
        return b;
      }
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(w.value);
      return b;
    }
    case 'boolean':
      return Buffer.from([w.value ? 1 : 0]);
    case 'objlnk': {
      const colon = w.value.indexOf(':');
      const b = Buffer.allocUnsafe(4);
      b.writeUInt16BE(Number(w.value.slice(0, colon)), 0);
      b.writeUInt16BE(Number(w.value.slice(colon + 1)), 2);
      return b;
    }
    case 'opaque':
      return Buffer.from(w.value.buffer, w.value.byteOffset, w.value.byteLength);
    default:
      return encodeUtf8(w.value, what);
  }
}

function encodeResource(res: LwM2mResource, o: number, i: number, model: ModelLookup): Buffer {
  const rm = model.resource(o, res.id);
  const at = `/${o}/${i}/${res.id}`;
  if (res.kind === 'resource') {
    if (rm?.multiple) encodeFail(`${at} is a multiple resource in the model but the node holds a single value`);
    return entry(RESOURCE, res.id, valueBytes(toWireValue(res.value, rm, at), at));
  }
  if (rm !== undefined && !rm.multiple) encodeFail(`${at} is a single resource in the model but the node holds resource instances`);
  const parts: Buffer[] = [];
  for (const [ri, v] of res.instances) parts.push(entry(RESOURCE_INSTANCE, ri, valueBytes(toWireValue(v, rm, `${at}/${ri}`), `${at}/${ri}`)));
  return entry(MULTIPLE_RESOURCE, res.id, parts);
}

function encodeInstanceContent(inst: LwM2mObjectInstance, o: number, model: ModelLookup): Buffer[] {
  const parts: Buffer[] = [];
  for (const res of inst.resources.values()) parts.push(encodeResource(res, o, inst.id, model));
  return parts;
}

function encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  checkNodeAtPath(node, path);
  const o = path.objectId as number;
  switch (node.kind) {
    case 'object':
      // The request named no instance: wrap each in an object-instance TLV (§7.4.3).
      return Buffer.concat([...node.instances.values()].map((inst) => entry(OBJECT_INSTANCE, inst.id, encodeInstanceContent(inst, o, model))));
    case 'objectInstance':
      return Buffer.concat(encodeInstanceContent(node, o, model));
    case 'resource':
    case 'multipleResource':
      return encodeResource(node, o, path.objectInstanceId as number, model);
    case 'resourceInstance': {
      const rm = model.resource(o, path.resourceId as number);
      if (rm !== undefined && !rm.multiple) encodeFail(`${path.parent().toString()} is a single resource and has no resource instances`);
      return entry(RESOURCE_INSTANCE, node.id, valueBytes(toWireValue(node.value, rm, path.toString()), path.toString()));
    }
  }
}

export const tlvCodec: LwM2mCodec = {
  contentFormat: 11542,
  name: 'application/vnd.oma.lwm2m+tlv',
  composite: false,
  encode,
  decode,
};
