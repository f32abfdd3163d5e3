import type { ModelLookup } from '../model.ts';
import type { LwM2mLeaf, LwM2mNode } from '../node.ts';
import type { LwM2mPath } from '../path.ts';

/**
 * A leaf as decoded from a composite format. `timestamp` is set when the payload carried a time for the value
 * (SenML `bt`/`t`, RFC 8428 §4.5.3; LwM2M JSON `bt`/`t`, OMA TS Core 1.0 §6.4.4); relative times are resolved
 * against the decoder's clock.
 */
export interface LwM2mTimedLeaf extends LwM2mLeaf {
  timestamp?: Date;
}

/**
 * One LwM2M content format (OMA TS Core §7.4). Codecs are stateless and looked up by content format
 * (see `codecFor`). Decoders throw only `ProtocolError('CODEC_DECODE')`; encoders only `ProtocolError('CODEC_ENCODE')`.
 */
export interface LwM2mCodec {
  readonly contentFormat: number;
  readonly name: string;
  /** Formats that can carry several paths (SenML JSON/CBOR, LwM2M JSON, LwM2M CBOR) set this. */
  readonly composite: boolean;
  /** Encodes `node`, which sits at `path` (the path of the request, e.g. `/3/0` for an object instance). */
  encode(node: LwM2mNode, path: LwM2mPath, model: ModelLookup): Buffer;
  /** Decodes the answer to a request on `path` into the node at that path. */
  decode(payload: Buffer, path: LwM2mPath, model: ModelLookup): LwM2mNode;
  /** Composite formats: Read-Composite answers, Send, notifications of Observe-Composite. */
  encodeLeaves?(leaves: readonly LwM2mLeaf[], model: ModelLookup): Buffer;
  /** Composite formats. With `basePath`, a value outside it is an error. */
  decodeLeaves?(payload: Buffer, model: ModelLookup, basePath?: LwM2mPath): LwM2mTimedLeaf[];
}
