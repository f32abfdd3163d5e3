import type { ModelLookup, ResourceModel } from '../model.ts';
import type { LwM2mNode, LwM2mValue } from '../node.ts';
import type { LwM2mPath } from '../path.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { readCbor, type CborValue } from './cbor-reader.ts';
import { cborFloat, cborInteger, epochTag, writeCbor } from './cbor-writer.ts';
import { singleValueNode, singleValueOf, singleValueTarget } from './single-value.ts';
import type { LwM2mCodec } from './types.ts';
import { booleanToValue, bytesToValue, dateToValue, numberToValue, objlnkToValue, stringToValue, toWireValue, type Where, type WireValue } from './values.ts';

/**
 * CBOR, `application/cbor` (CF 60), OMA TS Core 1.1.1 §7.4.6: one value of a single resource or resource instance
 * as one CBOR data item. Integer: major type 0/1; float: major type 7 float; boolean: true/false; string and
 * core link: text string; opaque: byte string; time: integer, optionally under tag 1; objlnk: text `"O:I"`.
 */

/** A CBOR data item as a node value of `rm`'s type. Shared with LwM2M CBOR. */
export function cborItemToValue(item: CborValue, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  switch (typeof item) {
    case 'number':
    case 'bigint':
      return numberToValue(item, rm, where, field);
    case 'string':
      return rm?.type === 'objlnk' ? objlnkToValue(item, rm, where, field) : stringToValue(item, rm, where, field);
    case 'boolean':
      return booleanToValue(item, rm, where, field);
    default:
      if (item instanceof Date) return dateToValue(item, rm, where, field);
      if (Buffer.isBuffer(item)) return bytesToValue(item, rm, where, field);
      return decodeFail(`${typeof where === 'string' ? where : '/' + where.join('/')}: ${field} is ${item === null ? 'null' : item === undefined ? 'undefined' : Array.isArray(item) ? 'an array' : 'a map'}, not a resource value`);
  }
}

/** A checked node value as the item cbor-x should write (see `cborFloat` and `cborInteger` for why). */
export function wireToCborItem(w: WireValue): unknown {
  switch (w.type) {
    case 'integer':
    case 'unsignedInteger':
      return cborInteger(w.value);
    case 'time':
      return epochTag(w.value);
    case 'opaque':
      return Buffer.from(w.value.buffer, w.value.byteOffset, w.value.byteLength);
    default:
      return w.value;
  }
}

function decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  const rm = singleValueTarget(path, model, 'application/cbor', decodeFail);
  const item = readCbor(payload, `application/cbor payload for ${path.toString()}`);
  return singleValueNode(path, cborItemToValue(item, rm, path.toString(), 'CBOR item'));
}

function encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  const rm = singleValueTarget(path, model, 'application/cbor', encodeFail);
  const w = toWireValue(singleValueOf(node, path, 'application/cbor'), rm, path.toString());
  if (w.type === 'float') return cborFloat(w.value);
  return writeCbor(wireToCborItem(w));
}

export const cborCodec: LwM2mCodec = {
  contentFormat: 60,
  name: 'application/cbor',
  composite: false,
  encode,
  decode,
};
