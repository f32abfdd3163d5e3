import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { encodePathList } from '../../../protocol/lwm2m/codec/codec.ts';
import type { LwM2mLeaf } from '../../../protocol/lwm2m/node.ts';
import { LwM2mPath, ROOT_PATH } from '../../../protocol/lwm2m/path.ts';
import { ServerError } from '../../errors.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { decodeAnswerLeaves, expectCode, formatFor, toPath, uriPath } from './request-support.ts';

export interface CompositeResult {
  readonly leaves: LwM2mLeaf[];
  readonly contentFormat: number;
}

/** Validates the paths of a composite operation: at least one, none the root, no duplicates. */
export function compositePaths(paths: readonly (string | LwM2mPath)[], operation: string): LwM2mPath[] {
  if (!Array.isArray(paths) || paths.length === 0) throw ServerError.badRequest(`${operation} needs at least one path`);
  const parsed = paths.map(toPath);
  const seen = new Set<string>();
  for (const p of parsed) {
    if (p.isRoot()) throw ServerError.badRequest(`${operation}: the root path cannot be one of the paths`);
    if (seen.has(p.toString())) throw ServerError.badRequest(`${operation}: path ${p.toString()} given twice`, { path: p.toString() });
    seen.add(p.toString());
  }
  return parsed;
}

/**
 * The SenML format for a composite request to the device of `ctx` (OMA TS Core 1.1 §6.3, Read-Composite), or BAD_REQUEST: a 1.0
 * device has no composite operations, a 1.1 device needs to have announced SenML.
 */
export function compositeFormat(ctx: DownlinkContext, requested: number | undefined, operation: string): 110 | 112 {
  const cf = requested ?? formatFor(ctx, 'composite');
  if (cf === 110 || cf === 112) return cf;
  const reg = ctx.registration;
  const why = reg.lwm2mVersion === '1.0' ? 'LwM2M 1.0 has no composite operations' : `it announced no SenML format (ct=${reg.contentFormats.join(' ') || 'none'})`;
  throw ServerError.badRequest(`${operation} is not possible with device ${reg.endpoint}: ${why}`, { endpoint: reg.endpoint });
}

/** Read-Composite (OMA TS Core 1.1 §6.3.8): FETCH / with a SenML path list, answered 2.05 with SenML. */
export class ReadCompositeRequest implements DownlinkRequest<CompositeResult> {
  readonly operation = 'readComposite';
  readonly paths: readonly LwM2mPath[];
  readonly description: string;

  constructor(
    paths: readonly (string | LwM2mPath)[],
    private readonly opts: { contentFormat?: 110 | 112 } = {},
  ) {
    this.paths = compositePaths(paths, 'Read-Composite');
    this.description = `Read-Composite ${this.paths.join(',')}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const cf = compositeFormat(ctx, this.opts.contentFormat, 'Read-Composite');
    return { method: 'FETCH', uriPath: uriPath(ctx, ROOT_PATH), contentFormat: cf, accept: cf, payload: encodePathList(cf, this.paths) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): CompositeResult {
    expectCode(response, '2.05', ctx, this.description);
    const { leaves, contentFormat } = decodeAnswerLeaves(response, undefined, request.accept, ctx, this.description);
    return { leaves: leaves.filter((l) => this.paths.some((p) => p.contains(l.path))), contentFormat };
  }
}
