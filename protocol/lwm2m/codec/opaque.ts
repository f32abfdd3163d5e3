import type { ModelLookup } from '../model.ts';
import type { LwM2mNode } from '../node.ts';
import type { LwM2mPath } from '../path.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { singleValueNode, singleValueOf, singleValueTarget } from './single-value.ts';
import type { LwM2mCodec } from './types.ts';
import { bytesToValue, toWireValue } from './values.ts';

/**
 * Opaque, `application/octet-stream` (CF 42), OMA TS Core 1.1 §7.4.2: the raw bytes of one opaque resource or
 * resource instance (e.g. a firmware package, /5/0/0).
 */

function decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  const rm = singleValueTarget(path, model, 'application/octet-stream', decodeFail);
  return singleValueNode(path, bytesToValue(payload, rm, path.toString(), 'opaque payload'));
}

function encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  const rm = singleValueTarget(path, model, 'application/octet-stream', encodeFail);
  if (rm !== undefined && rm.type !== 'opaque') encodeFail(`application/octet-stream carries only opaque resources; ${path.toString()} is ${rm.type}`);
  const w = toWireValue(singleValueOf(node, path, 'application/octet-stream'), rm, path.toString());
  if (w.type !== 'opaque') return encodeFail(`application/octet-stream carries only bytes; the value at ${path.toString()} is ${w.type}`);
  return Buffer.from(w.value);
}

export const opaqueCodec: LwM2mCodec = {
  contentFormat: 42,
  name: 'application/octet-stream',
  composite: false,
  encode,
  decode,
};
