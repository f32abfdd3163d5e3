import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { encodePathList } from '../../../protocol/lwm2m/codec/codec.ts';
import type { LwM2mLeaf } from '../../../protocol/lwm2m/node.ts';
import { ROOT_PATH, type LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { shapeOf } from '../content-format-selection.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { compositeFormat, compositePaths } from './read-composite-request.ts';
import { readResult } from './read-request.ts';
import { decodeAnswerLeaves, expectCode, readFormats, requireLevels, toPath, uriPath } from './request-support.ts';

/** The first answer of an Observe or Observe-Composite: the current values. */
export interface ObserveResult {
  readonly paths: readonly LwM2mPath[];
  readonly leaves: LwM2mLeaf[];
  readonly contentFormat: number;
  /** False when the device answered 2.05 without an Observe option: it sent the value but will not notify. */
  readonly observing: boolean;
}

/** Either kind of observe request: single path (GET) or composite (FETCH). */
export interface ObserveRequestLike extends DownlinkRequest<ObserveResult> {
  readonly paths: readonly LwM2mPath[];
  readonly composite: boolean;
}

/** Observe (OMA TS Core §6.4.1): GET with Observe=0 on /O[/I[/R[/RI]]], first answer 2.05 with Observe. */
export class ObserveRequest implements ObserveRequestLike {
  readonly operation = 'observe';
  readonly composite = false;
  readonly paths: readonly LwM2mPath[];
  readonly description: string;

  constructor(
    path: string | LwM2mPath,
    private readonly opts: { contentFormat?: number } = {},
  ) {
    const p = toPath(path);
    requireLevels('Observe', p, [1, 2, 3, 4], 'an object, object instance, resource or resource instance');
    this.paths = [p];
    this.description = observeDescription(this.paths, false);
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const path = this.paths[0];
    const { accept } = readFormats(ctx, shapeOf(path), this.opts.contentFormat);
    return { method: 'GET', uriPath: uriPath(ctx, path), observe: 0, ...(accept === undefined ? {} : { accept }) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): ObserveResult {
    expectCode(response, '2.05', ctx, this.description);
    const { leaves, contentFormat } = decodeObserved(this.paths, this.composite, request.accept, response, ctx, this.description);
    return { paths: this.paths, leaves, contentFormat, observing: response.observe !== undefined };
  }
}

/** Observe-Composite (OMA TS Core 1.1 §6.4.2): FETCH / with Observe=0 and a SenML path list. */
export class ObserveCompositeRequest implements ObserveRequestLike {
  readonly operation = 'observeComposite';
  readonly composite = true;
  readonly paths: readonly LwM2mPath[];
  readonly description: string;

  constructor(
    paths: readonly (string | LwM2mPath)[],
    private readonly opts: { contentFormat?: 110 | 112 } = {},
  ) {
    this.paths = compositePaths(paths, 'Observe-Composite');
    this.description = observeDescription(this.paths, true);
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const cf = compositeFormat(ctx, this.opts.contentFormat, 'Observe-Composite');
    return { method: 'FETCH', uriPath: uriPath(ctx, ROOT_PATH), observe: 0, contentFormat: cf, accept: cf, payload: encodePathList(cf, this.paths) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): ObserveResult {
    expectCode(response, '2.05', ctx, this.description);
    const { leaves, contentFormat } = decodeObserved(this.paths, this.composite, request.accept, response, ctx, this.description);
    return { paths: this.paths, leaves, contentFormat, observing: response.observe !== undefined };
  }
}

/** How errors name an Observe or Observe-Composite of `paths`. */
export function observeDescription(paths: readonly LwM2mPath[], composite: boolean): string {
  return composite ? `Observe-Composite ${paths.join(',')}` : `Observe ${paths[0].toString()}`;
}

/**
 * Decodes an answer or notification (RFC 7641 §4.2) of an observation of `paths` made asking for `accept`: a missing
 * Content-Format is read as the format asked for; a composite keeps the leaves under its paths. Needs only what an
 * observation record keeps, not the request object.
 */
export function decodeObserved(
  paths: readonly LwM2mPath[],
  composite: boolean,
  accept: number | undefined,
  response: IncomingResponse,
  ctx: DownlinkContext,
  description = observeDescription(paths, composite),
): { leaves: LwM2mLeaf[]; contentFormat: number } {
  if (composite) {
    const { leaves, contentFormat } = decodeAnswerLeaves(response, undefined, accept, ctx, description);
    return { leaves: leaves.filter((l) => paths.some((p) => p.contains(l.path))), contentFormat };
  }
  const { expected } = readFormats(ctx, shapeOf(paths[0]), accept);
  const r = readResult(response, paths[0], expected, ctx, description);
  return { leaves: r.leaves, contentFormat: r.contentFormat };
}
