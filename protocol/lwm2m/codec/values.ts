import type { ResourceModel, ResourceType } from '../model.ts';
import type { LwM2mValue } from '../node.ts';
import { decodeFail, encodeFail } from './codec-error.ts';

/**
 * Typing of values by the object model (OMA TS Core Appendix C), shared by the codecs.
 *
 * Decoding: each `...ToValue` function takes a value as the wire carried it and returns the node value for the
 * resource's type (integer -> number, or bigint beyond 2^53; time -> Date; opaque -> Buffer; objlnk -> "O:I"),
 * or throws `CODEC_DECODE` naming the path, the field and the type. Without a model the wire type decides.
 *
 * Encoding: `toWireValue` checks a node value against the resource type and normalises it.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
/** ECMAScript Date range, in seconds (ECMA-262 §21.4.1.22). */
const MAX_TIME_SECONDS = 8.64e12;

function describe(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw);
  if (typeof raw === 'bigint') return raw.toString();
  if (raw instanceof Uint8Array) return `${raw.length} bytes`;
  if (raw instanceof Date) return raw.toISOString();
  return String(raw);
}

/** Where a value sits, for error messages: a path text, or path ids formatted only when an error is thrown. */
export type Where = string | readonly number[];

function at(where: Where): string {
  return typeof where === 'string' ? where : '/' + where.join('/');
}

function mismatch(raw: unknown, type: ResourceType, where: Where, field: string): never {
  return decodeFail(`${at(where)}: ${field} value ${describe(raw)} does not fit a resource of type ${type}`);
}

/** Integer check and normalisation shared by decoding and encoding. `undefined` when out of range or not integral. */
function integerOf(n: number | bigint, unsigned: boolean): number | bigint | undefined {
  let big: bigint;
  if (typeof n === 'number') {
    if (!Number.isInteger(n)) return undefined;
    if (Number.isSafeInteger(n)) return unsigned && n < 0 ? undefined : n;
    big = BigInt(n);
  } else {
    big = n;
  }
  if (unsigned ? big < 0n || big > UINT64_MAX : big < INT64_MIN || big > INT64_MAX) return undefined;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

function secondsToDate(n: number | bigint, where: Where, field: string): Date {
  const s = typeof n === 'bigint' ? Number(n) : n;
  if (!Number.isInteger(s) || Math.abs(s) > MAX_TIME_SECONDS) {
    decodeFail(`${at(where)}: ${field} value ${describe(n)} is not a time in whole seconds within the Date range`);
  }
  return new Date(s * 1000);
}

/** A number on the wire (TLV integer/float bytes, SenML `v`, JSON `v`, CBOR int/float). */
export function numberToValue(n: number | bigint, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  const type = rm?.type;
  switch (type) {
    case undefined:
      return typeof n === 'bigint' && n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    case 'integer':
    case 'unsignedInteger': {
      const v = integerOf(n, type === 'unsignedInteger');
      if (v === undefined) {
        decodeFail(`${at(where)}: ${field} value ${describe(n)} is not ${type === 'integer' ? 'a 64-bit integer' : 'an unsigned 64-bit integer'}`);
      }
      return v;
    }
    case 'float':
      return typeof n === 'bigint' ? Number(n) : n;
    case 'time':
      return secondsToDate(n, where, field);
    default:
      return mismatch(n, type, where, field);
  }
}

/** A text value (SenML `vs`, JSON `sv`, CBOR text string) for a string or core-link resource. */
export function stringToValue(s: string, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  const type = rm?.type;
  if (type === undefined || type === 'string' || type === 'corelnk') return s;
  return mismatch(s, type, where, field);
}

export function booleanToValue(b: boolean, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  const type = rm?.type;
  if (type === undefined || type === 'boolean') return b;
  return mismatch(b, type, where, field);
}

/** Opaque bytes; always copied so the value does not pin or alias the datagram buffer. */
export function bytesToValue(bytes: Uint8Array, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  const type = rm?.type;
  if (type === undefined || type === 'opaque') return Buffer.from(bytes);
  return mismatch(bytes, type, where, field);
}

/** An object link as text `"O:I"` (SenML `vlo`, LwM2M JSON `ov`, CBOR text for an objlnk resource). */
export function objlnkToValue(s: string, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  const type = rm?.type;
  if (type !== undefined && type !== 'objlnk') return mismatch(s, type, where, field);
  if (parseObjlnk(s) === undefined) decodeFail(`${at(where)}: ${field} value ${describe(s)} is not an object link "O:I" with ids in 0..65535`);
  return s;
}

/** A time the wire already typed as such (CBOR tag 1). */
export function dateToValue(d: Date, rm: ResourceModel | undefined, where: Where, field: string): LwM2mValue {
  const type = rm?.type;
  if (type === undefined || type === 'time') return d;
  return mismatch(d, type, where, field);
}

/** `"3:0"` -> `[3, 0]`; `undefined` unless both are decimal ids in 0..65535 (OMA TS Core Appendix C, Objlnk). */
export function parseObjlnk(s: string): [number, number] | undefined {
  const colon = s.indexOf(':');
  if (colon <= 0 || colon > 5 || s.length - colon - 1 < 1 || s.length - colon - 1 > 5) return undefined;
  const o = decimalId(s, 0, colon);
  const i = decimalId(s, colon + 1, s.length);
  return o === undefined || i === undefined ? undefined : [o, i];
}

function decimalId(s: string, start: number, end: number): number | undefined {
  let v = 0;
  for (let k = start; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c < 0x30 || c > 0x39) return undefined;
    v = v * 10 + (c - 0x30);
  }
  return v <= 65535 ? v : undefined;
}

/** A node value checked against its resource type, ready for a wire format. Time is whole seconds. */
export type WireValue =
  | { type: 'integer' | 'unsignedInteger'; value: number | bigint }
  | { type: 'float' | 'time'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'string' | 'corelnk' | 'objlnk'; value: string }
  | { type: 'opaque'; value: Uint8Array };

/** The resource type a value implies when the model does not know the resource. */
export function inferType(value: unknown): ResourceType | undefined {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'float';
    case 'bigint':
      return 'integer';
    case 'boolean':
      return 'boolean';
    default:
      if (value instanceof Date) return 'time';
      if (value instanceof Uint8Array) return 'opaque';
      return undefined;
  }
}

/** Checks `value` against the model (or its own JS type) and normalises it; throws `CODEC_ENCODE`. */
export function toWireValue(value: LwM2mValue, rm: ResourceModel | undefined, where: string): WireValue {
  const type = rm?.type ?? inferType(value);
  const w = wireValueOf(value, type);
  if (w === undefined) encodeFail(`${where}: value ${describe(value)} (${value === null ? 'null' : typeof value}) does not fit a resource of type ${type ?? 'unknown'}`);
  return w;
}

function bad(): undefined {
  return undefined;
}

function wireValueOf(value: LwM2mValue, type: ResourceType | undefined): WireValue | undefined {
  switch (type) {
    case 'integer':
    case 'unsignedInteger': {
      if (typeof value !== 'number' && typeof value !== 'bigint') return bad();
      const v = integerOf(value, type === 'unsignedInteger');
      return v === undefined ? bad() : { type, value: v };
    }
    case 'float':
      if (typeof value === 'number') return { type, value };
      if (typeof value === 'bigint') return { type, value: Number(value) };
      return bad();
    case 'time': {
      if (value instanceof Date) {
        const ms = value.getTime();
        return Number.isNaN(ms) ? bad() : { type, value: Math.floor(ms / 1000) };
      }
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { type, value };
      return bad();
    }
    case 'boolean':
      return typeof value === 'boolean' ? { type, value } : bad();
    case 'string':
    case 'corelnk':
      return typeof value === 'string' ? { type, value } : bad();
    case 'objlnk':
      return typeof value === 'string' && parseObjlnk(value) !== undefined ? { type, value } : bad();
    case 'opaque':
      return value instanceof Uint8Array ? { type, value } : bad();
    default:
      return bad();
  }
}
