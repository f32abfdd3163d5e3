import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { encodeNode } from '../../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import type { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { isProtocolError } from '../../../protocol/errors.ts';
import { ServerError } from '../../errors.ts';
import { shapeOf } from '../content-format-selection.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { expectCode, formatFor, requireLevels, toPath, uriPath } from './request-support.ts';
import { buildWriteNode, type WriteInput } from './write-values.ts';

/** `replace` (PUT) replaces the target; `update` (POST, partial update) changes only the resources given. */
export type WriteMode = 'replace' | 'update';

export interface WriteOptions {
  /** @defaultValue 'replace' */
  readonly mode?: WriteMode;
  /** Send in this format instead of the one picked from the device's announced formats. */
  readonly contentFormat?: number;
}

/**
 * Write (OMA TS Core §6.3.3): PUT (replace) or POST (partial update) on /O/I[/R[/RI]] with a payload,
 * answered 2.04 Changed. Values are typed and checked against the object model before anything is sent.
 */
export class WriteRequest implements DownlinkRequest<void> {
  readonly operation = 'write';
  readonly path: LwM2mPath;
  readonly mode: WriteMode;
  readonly description: string;

  constructor(
    path: string | LwM2mPath,
    private readonly input: WriteInput,
    private readonly opts: WriteOptions = {},
  ) {
    this.path = toPath(path);
    this.mode = opts.mode ?? 'replace';
    if (this.mode !== 'replace' && this.mode !== 'update') throw ServerError.badRequest(`invalid write mode "${String(this.mode)}" (replace or update)`);
    requireLevels('Write', this.path, [2, 3, 4], 'an object instance, resource or resource instance');
    this.description = `Write (${this.mode}) ${this.path.toString()}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const node = buildWriteNode(this.path, this.input, ctx.model, { requireWritable: true });
    if (this.mode === 'update' && node.kind === 'resource') {
      throw ServerError.badRequest(`a partial update needs an object instance or a multi-instance resource, not the single resource ${this.path.toString()}`, { path: this.path.toString() });
    }
    const contentFormat = this.opts.contentFormat ?? formatFor(ctx, shapeOf(this.path)) ?? ContentFormat.TLV;
    let payload: Buffer;
    try {
      payload = encodeNode(contentFormat, node, this.path, ctx.model);
    } catch (err) {
      if (isProtocolError(err)) throw ServerError.badRequest(`${this.description}: ${err.message}`, { path: this.path.toString(), contentFormat });
      throw err;
    }
    return { method: this.mode === 'replace' ? 'PUT' : 'POST', uriPath: uriPath(ctx, this.path), contentFormat, payload };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): void {
    expectCode(response, '2.04', ctx, this.description);
  }
}
