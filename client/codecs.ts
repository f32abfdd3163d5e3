import { isProtocolError } from '../protocol/errors.ts';
import { decodeLeaves, decodeNode, decodePathList, encodeLeaves, encodeNode } from '../protocol/lwm2m/codec/codec.ts';
import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import type { LwM2mLeaf, LwM2mNode } from '../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { ClientError } from './errors.ts';

/**
 * The client's view of the codecs: the same functions, with `ProtocolError` turned into the `ClientError` whose code
 * gives the right answer — a payload the client cannot decode is 4.00 (malformed) or 4.15 (format), a value it
 * cannot encode in the requested format is 4.06.
 */
function onDecode<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isProtocolError(err, 'CODEC_UNSUPPORTED_FORMAT')) throw new ClientError('UNSUPPORTED_FORMAT', err.message, { cause: err });
    if (isProtocolError(err)) throw new ClientError('BAD_REQUEST', err.message, { cause: err });
    throw err;
  }
}

function onEncode<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isProtocolError(err)) throw new ClientError('NOT_ACCEPTABLE', err.message, { cause: err });
    throw err;
  }
}

export function encodeNodeAs(cf: number, node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer {
  return onEncode(() => encodeNode(cf, node, path, model));
}

export function encodeLeavesAs(cf: number, leaves: readonly LwM2mLeaf[], model: ModelLookup): Buffer {
  return onEncode(() => encodeLeaves(cf, leaves, model));
}

export function decodeNodeAs(cf: number, payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  return onDecode(() => decodeNode(cf, payload, path, model));
}

export function decodeLeavesAs(cf: number, payload: Buffer, model: ModelLookup): LwM2mLeaf[] {
  return onDecode(() => decodeLeaves(cf, payload, model));
}

export function decodePathsAs(cf: number, payload: Buffer): LwM2mPath[] {
  return onDecode(() => decodePathList(cf, payload));
}
