import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { encodeLeaves } from '../../../protocol/lwm2m/codec/codec.ts';
import type { LwM2mLeaf } from '../../../protocol/lwm2m/node.ts';
import { ROOT_PATH, type LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { isProtocolError } from '../../../protocol/errors.ts';
import { ServerError } from '../../errors.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { compositeFormat } from './read-composite-request.ts';
import { expectCode, uriPath } from './request-support.ts';
import { buildLeaves } from './write-values.ts';

/** Values of a Write-Composite: `{ "/3/0/14": "+02", "/1/0/1": 300 }` or a list of `{ path, value }`. */
export type CompositeValues = Record<string, unknown> | readonly { path: string | LwM2mPath; value: unknown }[];

/**
 * Write-Composite (OMA TS Core 1.1 §6.3.9): iPATCH / with SenML values, answered 2.04 Changed. Values are
 * typed and checked against the model before anything is sent.
 */
export class WriteCompositeRequest implements DownlinkRequest<void> {
  readonly operation = 'writeComposite';
  readonly description: string;

  constructor(
    private readonly values: CompositeValues,
    private readonly opts: { contentFormat?: 110 | 112 } = {},
  ) {
    if (typeof values !== 'object' || values === null) throw ServerError.badRequest('Write-Composite needs values keyed by path');
    const paths = Array.isArray(values) ? values.map((v: { path: unknown }) => String(v.path)) : Object.keys(values);
    this.description = `Write-Composite ${paths.join(',')}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const leaves: LwM2mLeaf[] = buildLeaves(this.values, ctx.model, { requireWritable: true });
    const cf = compositeFormat(ctx, this.opts.contentFormat, 'Write-Composite');
    let payload: Buffer;
    try {
      payload = encodeLeaves(cf, leaves, ctx.model);
    } catch (err) {
      if (isProtocolError(err)) throw ServerError.badRequest(`${this.description}: ${err.message}`);
      throw err;
    }
    return { method: 'iPATCH', uriPath: uriPath(ctx, ROOT_PATH), contentFormat: cf, payload };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): void {
    expectCode(response, '2.04', ctx, this.description);
  }
}
