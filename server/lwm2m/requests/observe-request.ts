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
  /** Decodes a notification (RFC 7641 §4.2) into leaves, reading a missing Content-Format as the format asked for. */
  decodeNotification(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): { leaves: LwM2mLeaf[]; contentFormat: number };
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
    this.description = `Observe ${p.toString()}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const path = this.paths[0];
    const { accept } = readFormats(ctx, shapeOf(path), this.opts.contentFormat);
    return { method: 'GET', uriPath: uriPath(ctx, path), observe: 0, ...(accept === undefined ? {} : { accept }) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): ObserveResult {
    expectCode(response, '2.05', ctx, this.description);
    const { leaves, contentFormat } = this.decodeNotification(response, ctx, request);
    return { paths: this.paths, leaves, contentFormat, observing: response.observe !== undefined };
  }

  decodeNotification(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): { leaves: LwM2mLeaf[]; contentFormat: number } {
    const { expected } = readFormats(ctx, shapeOf(this.paths[0]), request.accept);
    const r = readResult(response, this.paths[0], expected, ctx, this.description);
    return { leaves: r.leaves, contentFormat: r.contentFormat };
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
    this.description = `Observe-Composite ${this.paths.join(',')}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const cf = compositeFormat(ctx, this.opts.contentFormat, 'Observe-Composite');
    return { method: 'FETCH', uriPath: uriPath(ctx, ROOT_PATH), observe: 0, contentFormat: cf, accept: cf, payload: encodePathList(cf, this.paths) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): ObserveResult {
    expectCode(response, '2.05', ctx, this.description);
    const { leaves, contentFormat } = this.decodeNotification(response, ctx, request);
    return { paths: this.paths, leaves, contentFormat, observing: response.observe !== undefined };
  }

  decodeNotification(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): { leaves: LwM2mLeaf[]; contentFormat: number } {
    const { leaves, contentFormat } = decodeAnswerLeaves(response, undefined, request.accept, ctx, this.description);
    return { leaves: leaves.filter((l) => this.paths.some((p) => p.contains(l.path))), contentFormat };
  }
}
