import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { expectCode, requireLevels, toPath, uriPath } from './request-support.ts';

/** Delete (OMA TS Core §6.3.7): DELETE /O/I, answered 2.02 Deleted. */
export class DeleteRequest implements DownlinkRequest<void> {
  readonly operation = 'delete';
  readonly path: LwM2mPath;
  readonly description: string;

  constructor(path: string | LwM2mPath) {
    this.path = toPath(path);
    requireLevels('Delete', this.path, [2], 'an object instance');
    this.description = `Delete ${this.path.toString()}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    return { method: 'DELETE', uriPath: uriPath(ctx, this.path) };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): void {
    expectCode(response, '2.02', ctx, this.description);
  }
}
