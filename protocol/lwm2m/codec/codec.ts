import { ProtocolError } from '../../errors.ts';
import { contentFormatName } from '../content-format.ts';
import type { ModelLookup } from '../model.ts';
import type { LwM2mLeaf, LwM2mNode } from '../node.ts';
import { nodeToLeaves } from '../node-util.ts';
import type { LwM2mPath } from '../path.ts';
import { cborCodec } from './cbor.ts';
import { lwm2mCborCodec } from './lwm2m-cbor.ts';
import { lwm2mJsonCodec } from './lwm2m-json.ts';
import { opaqueCodec } from './opaque.ts';
import { decodeSenmlCborPaths, encodeSenmlCborPaths, senmlCborCodec } from './senml-cbor.ts';
import { decodeSenmlJsonPaths, encodeSenmlJsonPaths, senmlJsonCodec } from './senml-json.ts';
import { textCodec } from './text.ts';
import { tlvCodec } from './tlv.ts';
import type { LwM2mCodec, LwM2mTimedLeaf } from './types.ts';

export type { LwM2mCodec, LwM2mTimedLeaf } from './types.ts';

/**
 * The codec registry, looked up by CoAP Content-Format (OMA TS Core §7.4; like Leshan's DefaultLwM2mDecoder /
 * DefaultLwM2mEncoder). Every function here throws only `ProtocolError`: `CODEC_UNSUPPORTED_FORMAT` for a format
 * without a codec (the CoAP edge answers 4.15 / 4.06), `CODEC_DECODE` for a malformed payload (4.00),
 * `CODEC_ENCODE` for a value the format or model cannot carry.
 */

const CODECS: readonly LwM2mCodec[] = [textCodec, opaqueCodec, cborCodec, senmlJsonCodec, senmlCborCodec, tlvCodec, lwm2mJsonCodec, lwm2mCborCodec];

const BY_FORMAT = new Map<number, LwM2mCodec>(CODECS.map((c) => [c.contentFormat, c]));
// Pre-registration codes some 1.0 clients still use (OMA TS Core 1.1 §7.4 data formats).
BY_FORMAT.set(1542, tlvCodec);
BY_FORMAT.set(1543, lwm2mJsonCodec);

/** The codec for `contentFormat`; throws `CODEC_UNSUPPORTED_FORMAT`. */
export function codecFor(contentFormat: number): LwM2mCodec {
  const codec = BY_FORMAT.get(contentFormat);
  if (codec === undefined) throw new ProtocolError('CODEC_UNSUPPORTED_FORMAT', `no codec for ${contentFormatName(contentFormat)} (content format ${contentFormat})`);
  return codec;
}

/** Every content format with a codec: the registered codes in ascending order, then the legacy 1542 and 1543. */
export function supportedContentFormats(): number[] {
  return [...CODECS.map((c) => c.contentFormat).sort((a, b) => a - b), 1542, 1543];
}

/** Codecs read with Buffer methods; a plain Uint8Array is viewed as a Buffer without copying. */
function asBuffer(payload: Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Re-throws anything that is not a `ProtocolError` as `code`, so that no other error escapes a codec. */
function guarded<T>(code: 'CODEC_DECODE' | 'CODEC_ENCODE', what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw new ProtocolError(code, `${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Encodes the node at `path` (the request path). */
export function encodeNode(contentFormat: number, node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  const codec = codecFor(contentFormat);
  return guarded('CODEC_ENCODE', `${codec.name} encoding of ${path.toString()}`, () => codec.encode(node, path, model));
}

/** Decodes the answer to a request on `path`. */
export function decodeNode(contentFormat: number, payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  const codec = codecFor(contentFormat);
  return guarded('CODEC_DECODE', `${codec.name} payload for ${path.toString()}`, () => codec.decode(asBuffer(payload), path, model));
}

/** Encodes leaves at any paths; only composite formats (110, 112, 11543, 11544) can. */
export function encodeLeaves(contentFormat: number, leaves: readonly LwM2mLeaf[], model: ModelLookup): Buffer {
  const codec = codecFor(contentFormat);
  const fn = codec.encodeLeaves;
  if (fn === undefined) throw new ProtocolError('CODEC_UNSUPPORTED_FORMAT', `${codec.name} cannot carry values of several paths`);
  return guarded('CODEC_ENCODE', `${codec.name} encoding`, () => fn(leaves, model));
}

/**
 * Decodes leaves. Composite formats take any paths (inside `basePath` when given): Send, Read-Composite answers,
 * Observe-Composite notifications. Other formats need `basePath`, the request path, and decode the node there.
 */
export function decodeLeaves(contentFormat: number, payload: Buffer, model: ModelLookup, basePath?: LwM2mPath): LwM2mTimedLeaf[] {
  const codec = codecFor(contentFormat);
  const fn = codec.decodeLeaves;
  if (fn !== undefined) return guarded('CODEC_DECODE', `${codec.name} payload`, () => fn(asBuffer(payload), model, basePath));
  if (basePath === undefined) throw new ProtocolError('CODEC_UNSUPPORTED_FORMAT', `${codec.name} cannot carry values of several paths; give the request path`);
  return guarded('CODEC_DECODE', `${codec.name} payload for ${basePath.toString()}`, () => nodeToLeaves(codec.decode(asBuffer(payload), basePath, model), basePath));
}

/** Read-Composite / Observe-Composite request body, a SenML path list (OMA TS Core 1.1 §6.3, Read-Composite): `[{"n":"/3/0/9"},{"n":"/6/0"}]`. */
export function encodePathList(contentFormat: 110 | 112, paths: readonly LwM2mPath[]): Buffer {
  if (contentFormat === 110) return encodeSenmlJsonPaths(paths);
  if (contentFormat === 112) return encodeSenmlCborPaths(paths);
  throw new ProtocolError('CODEC_UNSUPPORTED_FORMAT', `a path list needs SenML JSON (110) or SenML CBOR (112), not ${contentFormatName(contentFormat)}`);
}

export function decodePathList(contentFormat: number, payload: Buffer): LwM2mPath[] {
  if (contentFormat === 110) return guarded('CODEC_DECODE', 'SenML JSON path list', () => decodeSenmlJsonPaths(asBuffer(payload)));
  if (contentFormat === 112) return guarded('CODEC_DECODE', 'SenML CBOR path list', () => decodeSenmlCborPaths(asBuffer(payload)));
  throw new ProtocolError('CODEC_UNSUPPORTED_FORMAT', `a path list needs SenML JSON (110) or SenML CBOR (112), not ${contentFormatName(contentFormat)}`);
}
