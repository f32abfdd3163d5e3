import type { LwM2mPath } from '../path.ts';
import { wireToCborItem } from './cbor.ts';
import { decodeFail } from './codec-error.ts';
import { readCbor, type CborValue } from './cbor-reader.ts';
import { cborInteger, writeCbor } from './cbor-writer.ts';
import { senmlCodecOperations, senmlToPaths, type SenmlOutRecord, type SenmlRecord } from './senml.ts';
import type { LwM2mCodec } from './types.ts';

/**
 * SenML CBOR, `application/senml+cbor` (CF 112), RFC 8428 §6 as profiled by OMA TS Core 1.1 §7.4.5: a CBOR array
 * of maps keyed by integer labels (RFC 8428 Table 6) and the text label "vlo" for object links (OMA).
 * An empty payload is an empty pack (OMA LwM2M issue 494).
 */

const FORMAT = 'SenML CBOR';

/** RFC 8428 Table 6. */
export const SenmlCborLabel = { bver: -1, bn: -2, bt: -3, bu: -4, bv: -5, bs: -6, n: 0, u: 1, v: 2, vs: 3, vb: 4, s: 5, t: 6, ut: 7, vd: 8 } as const;

function describe(v: CborValue): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Map) return 'a map';
  if (v instanceof Date) return 'a tagged time';
  if (Buffer.isBuffer(v)) return 'a byte string';
  return typeof v === 'bigint' ? 'an integer' : `a ${typeof v}`;
}

function bad(i: number, label: string, v: CborValue, expected: string): never {
  return decodeFail(`${FORMAT} record ${i}: ${label} must be ${expected}, got ${describe(v)}`);
}

function num(i: number, label: string, v: CborValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return bad(i, label, v, 'a number');
}

function text(i: number, label: string, v: CborValue, expected = 'a text string'): string {
  if (typeof v === 'string') return v;
  return bad(i, label, v, expected);
}

/** Decodes the pack and checks the type of every label LwM2M uses. */
export function readSenmlCbor(payload: Buffer): SenmlRecord[] {
  if (payload.length === 0) return [];
  const pack = readCbor(payload, `${FORMAT} payload`);
  if (!Array.isArray(pack)) return decodeFail(`${FORMAT} payload is ${describe(pack)}, not an array of records`);
  const out: SenmlRecord[] = new Array(pack.length);
  for (let i = 0; i < pack.length; i++) {
    const raw = pack[i];
    if (!(raw instanceof Map)) return decodeFail(`${FORMAT} record ${i} is ${describe(raw)}, not a map`);
    const r: SenmlRecord = {};
    for (const [k, v] of raw) {
      switch (k) {
        case SenmlCborLabel.bn:
          r.bn = text(i, 'bn (-2)', v);
          break;
        case SenmlCborLabel.n:
          r.n = text(i, 'n (0)', v);
          break;
        case SenmlCborLabel.bt:
          r.bt = num(i, 'bt (-3)', v);
          break;
        case SenmlCborLabel.t:
          r.t = num(i, 't (6)', v);
          break;
        case SenmlCborLabel.bv:
          r.bv = num(i, 'bv (-5)', v);
          break;
        case SenmlCborLabel.v:
          if (typeof v !== 'number' && typeof v !== 'bigint') bad(i, 'v (2)', v, 'a number');
          r.v = v as number | bigint;
          break;
        case SenmlCborLabel.vs:
          r.vs = text(i, 'vs (3)', v);
          break;
        case SenmlCborLabel.vb:
          if (typeof v !== 'boolean') bad(i, 'vb (4)', v, 'a boolean');
          r.vb = v as boolean;
          break;
        case SenmlCborLabel.vd:
          if (!Buffer.isBuffer(v)) bad(i, 'vd (8)', v, 'a byte string');
          r.vd = v as Buffer;
          break;
        case 'vlo':
          r.vlo = text(i, 'vlo', v, 'a text string "O:I"');
          break;
        default:
          // RFC 8428 §4.4: labels ending in "_" must be understood; others are ignored.
          if (typeof k === 'string' && k.endsWith('_')) decodeFail(`${FORMAT} record ${i}: must-understand label ${JSON.stringify(k)} is not supported`);
          if (typeof k !== 'number' && typeof k !== 'string') decodeFail(`${FORMAT} record ${i}: label ${describe(k)} is neither an integer nor a text string`);
      }
    }
    out[i] = r;
  }
  return out;
}

/** Writes records as a SenML CBOR pack via cbor-x. */
export function writeSenmlCbor(records: readonly SenmlOutRecord[]): Buffer {
  const pack = records.map((r) => {
    const m = new Map<number | string, unknown>();
    if (r.bn !== undefined) m.set(SenmlCborLabel.bn, r.bn);
    if (r.n !== undefined) m.set(SenmlCborLabel.n, r.n);
    switch (r.field) {
      case 'v':
        m.set(SenmlCborLabel.v, typeof r.value === 'number' && Number.isInteger(r.value) ? cborInteger(r.value) : r.value);
        break;
      case 'vs':
        m.set(SenmlCborLabel.vs, r.value);
        break;
      case 'vb':
        m.set(SenmlCborLabel.vb, r.value);
        break;
      case 'vd':
        m.set(SenmlCborLabel.vd, wireToCborItem({ type: 'opaque', value: r.value as Uint8Array }));
        break;
      case 'vlo':
        m.set('vlo', r.value);
        break;
    }
    if (r.t !== undefined) m.set(SenmlCborLabel.t, Number.isInteger(r.t) ? cborInteger(r.t) : r.t);
    return m;
  });
  return writeCbor(pack);
}

/** Read-Composite / Observe-Composite request body: `[{0: "/3/0/9"}, {0: "/6/0"}]`. */
export function encodeSenmlCborPaths(paths: readonly LwM2mPath[]): Buffer {
  return writeCbor(paths.map((p) => new Map([[SenmlCborLabel.n, p.toString()]])));
}

export function decodeSenmlCborPaths(payload: Buffer): LwM2mPath[] {
  return senmlToPaths(readSenmlCbor(payload), FORMAT);
}

export const senmlCborCodec: LwM2mCodec = {
  contentFormat: 112,
  name: 'application/senml+cbor',
  composite: true,
  ...senmlCodecOperations({ format: FORMAT, read: readSenmlCbor, write: writeSenmlCbor }),
};
