import type { LwM2mPath } from '../path.ts';
import { decodeBase64, encodeBase64Url } from './base64.ts';
import { decodeFail, encodeFail } from './codec-error.ts';
import { parseJson, type JsonValue } from './json-reader.ts';
import { senmlCodecOperations, senmlToPaths, type SenmlOutRecord, type SenmlRecord } from './senml.ts';
import type { LwM2mCodec } from './types.ts';
import { decodeUtf8 } from './utf8.ts';

/**
 * SenML JSON, `application/senml+json` (CF 110), RFC 8428 §5 as profiled by OMA TS Core 1.1 §7.4.4.
 * `vd` is base64url without padding (RFC 8428 §4.3); decoding also accepts padding and the standard alphabet.
 * An empty payload is an empty pack (OMA LwM2M issue 494).
 */

const FORMAT = 'SenML JSON';

function fieldType(rec: Record<string, JsonValue>, key: string, i: number, expected: string): never {
  return decodeFail(`${FORMAT} record ${i}: "${key}" must be ${expected}, got ${describe(rec[key])}`);
}

function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return typeof v === 'string' ? `a string` : typeof v === 'bigint' ? 'a number' : `a ${typeof v}`;
}

/** Parses the pack and checks the type of every label LwM2M uses (RFC 8428 §4.3). */
export function readSenmlJson(payload: Buffer): SenmlRecord[] {
  if (payload.length === 0) return [];
  const text = decodeUtf8(payload, `${FORMAT} payload`);
  if (text.charCodeAt(0) <= 0x20 && text.trim() === '') return [];
  const pack = parseJson(text, FORMAT);
  if (!Array.isArray(pack)) return decodeFail(`${FORMAT} payload is not a JSON array of records`);
  const out: SenmlRecord[] = new Array(pack.length);
  for (let i = 0; i < pack.length; i++) {
    const raw = pack[i];
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return decodeFail(`${FORMAT} record ${i} is ${describe(raw)}, not an object`);
    const r: SenmlRecord = {};
    for (const key in raw) {
      const v = raw[key];
      switch (key) {
        case 'bn':
          if (typeof v !== 'string') fieldType(raw, key, i, 'a string');
          r.bn = v as string;
          break;
        case 'n':
          if (typeof v !== 'string') fieldType(raw, key, i, 'a string');
          r.n = v as string;
          break;
        case 'bt':
        case 't':
        case 'bv':
          if (typeof v !== 'number' && typeof v !== 'bigint') fieldType(raw, key, i, 'a number');
          r[key] = Number(v);
          break;
        case 'v':
          if (typeof v !== 'number' && typeof v !== 'bigint') fieldType(raw, key, i, 'a number');
          r.v = v as number | bigint;
          break;
        case 'vs':
          if (typeof v !== 'string') fieldType(raw, key, i, 'a string');
          r.vs = v as string;
          break;
        case 'vlo':
          if (typeof v !== 'string') fieldType(raw, key, i, 'a string "O:I"');
          r.vlo = v as string;
          break;
        case 'vb':
          if (typeof v !== 'boolean') fieldType(raw, key, i, 'a boolean');
          r.vb = v as boolean;
          break;
        case 'vd':
          if (typeof v !== 'string') fieldType(raw, key, i, 'a base64url string');
          r.vd = decodeBase64(v as string, `${FORMAT} record ${i} "vd"`);
          break;
        default:
          // RFC 8428 §4.4: labels ending in "_" must be understood; others are ignored.
          if (key.endsWith('_')) decodeFail(`${FORMAT} record ${i}: must-understand label ${JSON.stringify(key)} is not supported`);
      }
    }
    out[i] = r;
  }
  return out;
}

function jsonNumber(v: number | bigint, what: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) encodeFail(`${FORMAT}: ${what} value ${v} has no JSON form`);
  return String(v);
}

/** Writes records as a SenML JSON pack. */
export function writeSenmlJson(records: readonly SenmlOutRecord[]): Buffer {
  const parts: string[] = [];
  for (const r of records) {
    let s = '{';
    if (r.bn !== undefined) s += `"bn":${JSON.stringify(r.bn)},`;
    if (r.n !== undefined) s += `"n":${JSON.stringify(r.n)},`;
    switch (r.field) {
      case 'v':
        s += `"v":${jsonNumber(r.value as number | bigint, (r.bn ?? '') + (r.n ?? ''))}`;
        break;
      case 'vb':
        s += `"vb":${r.value ? 'true' : 'false'}`;
        break;
      case 'vd':
        s += `"vd":"${encodeBase64Url(r.value as Uint8Array)}"`;
        break;
      default:
        s += `"${r.field}":${JSON.stringify(r.value)}`;
    }
    if (r.t !== undefined) s += `,"t":${jsonNumber(r.t, 't')}`;
    parts.push(s + '}');
  }
  return Buffer.from('[' + parts.join(',') + ']', 'utf8');
}

/** Read-Composite / Observe-Composite request body: `[{"n":"/3/0/9"},{"n":"/6/0"}]`. */
export function encodeSenmlJsonPaths(paths: readonly LwM2mPath[]): Buffer {
  return Buffer.from('[' + paths.map((p) => `{"n":${JSON.stringify(p.toString())}}`).join(',') + ']', 'utf8');
}

export function decodeSenmlJsonPaths(payload: Buffer): LwM2mPath[] {
  return senmlToPaths(readSenmlJson(payload), FORMAT);
}

export const senmlJsonCodec: LwM2mCodec = {
  contentFormat: 110,
  name: 'application/senml+json',
  composite: true,
  ...senmlCodecOperations({ format: FORMAT, read: readSenmlJson, write: writeSenmlJson }),
};
