import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import { parseDiscoverLinks, type DiscoverLink } from '../../../protocol/lwm2m/link-format.ts';
import type { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { deviceBadAnswerError } from '../device-errors.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { expectCode, requireLevels, toPath, uriPath } from './request-support.ts';

export interface DiscoverResult {
  readonly path: LwM2mPath;
  /** One link per object, instance or resource, with its attributes (`dim`, `ver`, `pmin` ...). */
  readonly links: DiscoverLink[];
}

/** Discover (OMA TS Core §6.3.2): GET /O[/I[/R]] with Accept 40, answered 2.05 with link-format. */
export class DiscoverRequest implements DownlinkRequest<DiscoverResult> {
  readonly operation = 'discover';
  readonly path: LwM2mPath;
  readonly description: string;

  constructor(path: string | LwM2mPath) {
    this.path = toPath(path);
    requireLevels('Discover', this.path, [1, 2, 3], 'an object, object instance or resource');
    this.description = `Discover ${this.path.toString()}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    return { method: 'GET', uriPath: uriPath(ctx, this.path), accept: ContentFormat.LINK };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): DiscoverResult {
    expectCode(response, '2.05', ctx, this.description);
    if (response.contentFormat !== undefined && response.contentFormat !== ContentFormat.LINK) {
      throw deviceBadAnswerError(ctx.registration.endpoint, this.description, `expected link-format (40), got content format ${response.contentFormat}`);
    }
    try {
      return { path: this.path, links: parseDiscoverLinks(response.payload.toString('utf8'), ctx.registration.rootPath) };
    } catch (err) {
      throw deviceBadAnswerError(ctx.registration.endpoint, this.description, err instanceof Error ? err.message : String(err), err);
    }
  }
}
