import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import type { LwM2mLeaf, LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { nodeToLeaves } from '../../../protocol/lwm2m/node-util.ts';
import type { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { shapeOf } from '../content-format-selection.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { decodeAnswerNode, expectCode, readFormats, requireLevels, toPath, uriPath } from './request-support.ts';

/** What a Read (or the first answer of an Observe) returns. */
export interface ReadResult {
  readonly path: LwM2mPath;
  readonly node: LwM2mNode;
  /** The node flattened: one leaf per resource or resource-instance value. */
  readonly leaves: LwM2mLeaf[];
  /** The format the device answered in. */
  readonly contentFormat: number;
}

export interface ReadOptions {
  /** Ask for this format (Accept) instead of the one picked from the device's announced formats. */
  readonly contentFormat?: number;
}

/** The Read result of a 2.05 answer to a request on `path` that asked for `asked`. */
export function readResult(response: IncomingResponse, path: LwM2mPath, asked: number | undefined, ctx: DownlinkContext, description: string): ReadResult {
  const { node, contentFormat } = decodeAnswerNode(response, path, asked, ctx, description);
  return { path, node, leaves: nodeToLeaves(node, path), contentFormat };
}

/** Read (OMA TS Core §6.3.1): GET /O[/I[/R[/RI]]] with Accept, answered 2.05 Content. */
export class ReadRequest implements DownlinkRequest<ReadResult> {
  readonly operation = 'read';
  readonly path: LwM2mPath;
  readonly description: string;

  constructor(
    path: string | LwM2mPath,
    private readonly opts: ReadOptions = {},
  ) {
    this.path = toPath(path);
    requireLevels('Read', this.path, [1, 2, 3, 4], 'an object, object instance, resource or resource instance');
    this.description = `Read ${this.path.toString()}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const { accept } = readFormats(ctx, shapeOf(this.path), this.opts.contentFormat);
    return { method: 'GET', uriPath: uriPath(ctx, this.path), ...(accept === undefined ? {} : { accept }) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): ReadResult {
    expectCode(response, '2.05', ctx, this.description);
    const { expected } = readFormats(ctx, shapeOf(this.path), request.accept);
    return readResult(response, this.path, expected, ctx, this.description);
  }
}
