import type { ModelLookup, ResourceModel } from '../model.ts';
import type { LwM2mNode, LwM2mValue } from '../node.ts';
import type { LwM2mPath } from '../path.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { singleValueNode, singleValueOf, singleValueTarget } from './single-value.ts';
import type { LwM2mCodec } from './types.ts';
import { decodeUtf8 } from './utf8.ts';
import { numberToValue, objlnkToValue, toWireValue } from './values.ts';

/**
 * Plain text, `text/plain` (CF 0), OMA TS Core 1.1 §7.4.1 with the text column of Appendix C: one value of a single
 * resource or resource instance. Integer and time: ASCII decimal integer; float: ASCII decimal number; boolean:
 * `0` or `1`; objlnk: `O:I`; opaque: base64 (1.1). Without a model, numeric-looking text decodes to a number and
 * anything else to a string.
 */

const INTEGER_TEXT = /^-?\d+$/;
const UNSIGNED_TEXT = /^\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function integerFromText(text: string): number | bigint {
  const digits = text.charCodeAt(0) === 0x2d ? text.length - 1 : text.length;
  if (digits <= 15) return Number(text);
  const big = BigInt(text);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function notA(text: string, where: string, what: string): never {
  return decodeFail(`text/plain ${where}: ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)} is not ${what}`);
}

function parseText(text: string, rm: ResourceModel | undefined, where: string): LwM2mValue {
  const type = rm?.type;
  switch (type) {
    case undefined:
      if (INTEGER_TEXT.test(text)) return integerFromText(text);
      if (DECIMAL_TEXT.test(text)) return Number(text);
      return text;
    case 'integer':
    case 'time':
      if (!INTEGER_TEXT.test(text)) notA(text, where, type === 'time' ? 'a time in integer seconds' : 'an integer');
      return numberToValue(integerFromText(text), rm, where, 'text');
    case 'unsignedInteger':
      if (!UNSIGNED_TEXT.test(text)) notA(text, where, 'an unsigned integer');
      return numberToValue(integerFromText(text), rm, where, 'text');
    case 'float': {
      const n = DECIMAL_TEXT.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) notA(text, where, 'a decimal number');
      return n;
    }
    case 'boolean':
      if (text === '1') return true;
      if (text === '0') return false;
      return notA(text, where, 'a boolean (0 or 1)');
    case 'objlnk':
      return objlnkToValue(text, rm, where, 'text');
    case 'opaque':
      return decodeBase64(text, `text/plain ${where}`);
    case 'string':
    case 'corelnk':
      return text;
    default:
      return decodeFail(`text/plain ${where}: a resource of type ${type} carries no value`);
  }
}

function decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  const rm = singleValueTarget(path, model, 'text/plain', decodeFail);
  const text = decodeUtf8(payload, `text/plain payload for ${path.toString()}`);
  return singleValueNode(path, parseText(text, rm, path.toString()));
}

function encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  const rm = singleValueTarget(path, model, 'text/plain', encodeFail);
  const w = toWireValue(singleValueOf(node, path, 'text/plain'), rm, path.toString());
  let text: string;
  switch (w.type) {
    case 'integer':
    case 'unsignedInteger':
    case 'time':
      text = w.value.toString();
      break;
    case 'float':
      if (!Number.isFinite(w.value)) encodeFail(`text/plain ${path.toString()}: ${w.value} has no decimal text form`);
      text = String(w.value);
      break;
    case 'boolean':
      text = w.value ? '1' : '0';
      break;
    case 'opaque':
      text = encodeBase64(w.value);
      break;
    default:
      text = w.value;
  }
  return Buffer.from(text, 'utf8');
}

export const textCodec: LwM2mCodec = {
  contentFormat: 0,
  name: 'text/plain',
  composite: false,
  encode,
  decode,
};
