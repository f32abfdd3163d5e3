import { Encoder, Tag, type Options } from 'cbor-x';
import { encodeFail } from './codec-error.ts';

/**
 * The one cbor-x encoder the CBOR formats share. Configured for plain RFC 8949 output that any decoder reads:
 * no record extension, no tag 259 around maps, no tag 64 around byte strings. JS `Map`s become CBOR maps with their
 * keys as given (integer SenML labels, path ids), `Buffer`s byte strings, bigints 64-bit integers.
 */
const OPTIONS: Options & { useTag259ForMaps: boolean } = {
  useRecords: false,
  mapsAsObjects: true,
  // Runtime option of cbor-x 1.6 missing from its typings.
  useTag259ForMaps: false,
  tagUint8Array: false,
  variableMapSize: true,
};
const ENCODER = new Encoder(OPTIONS);

/** Encodes one data item. The result is a fresh copy the caller may keep. */
export function writeCbor(value: unknown): Buffer {
  try {
    return Buffer.from(ENCODER.encode(value));
  } catch (err) {
    return encodeFail(`CBOR encoding failed: ${(err as Error).message}`);
  }
}

/** Tag 1 (epoch-based date/time, RFC 8949 §3.4.2) around whole seconds. */
export function epochTag(seconds: number): Tag {
  return new Tag(seconds, 1);
}

/**
 * A float64 data item (RFC 8949 §3.3) for a float resource, or float32 when that is exact. cbor-x writes an
 * integral number as a CBOR integer, which a strict reader would refuse for a float resource.
 */
export function cborFloat(value: number): Buffer {
  if (Object.is(Math.fround(value), value) || Number.isNaN(value)) {
    const b = Buffer.allocUnsafe(5);
    b[0] = 0xfa;
    b.writeFloatBE(value, 1);
    return b;
  }
  const b = Buffer.allocUnsafe(9);
  b[0] = 0xfb;
  b.writeDoubleBE(value, 1);
  return b;
}

/**
 * An integer as cbor-x must receive it to write a CBOR integer: cbor-x writes numbers beyond 32 bits as float64,
 * so those go in as bigint (major type 0/1 with an 8-byte argument).
 */
export function cborInteger(value: number | bigint): number | bigint {
  return typeof value === 'number' && (value > 0xffffffff || value < -0x100000000) ? BigInt(value) : value;
}
