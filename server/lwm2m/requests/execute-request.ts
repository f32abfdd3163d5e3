import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import type { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { ServerError } from '../../errors.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { expectCode, requireLevels, toPath, uriPath } from './request-support.ts';

/**
 * Execute arguments (OMA TS Core 1.1 §6.3, Execute): a comma-separated list of `digit` or `digit='text'`, where text has no
 * single quote. Example: `0,1='coap://example.org'`.
 */
const ARGUMENTS = /^\d(='[^']*')?(,\d(='[^']*')?)*$/;

/** Execute (OMA TS Core §6.3.5): POST /O/I/R with optional text arguments, answered 2.04 Changed. */
export class ExecuteRequest implements DownlinkRequest<void> {
  readonly operation = 'execute';
  readonly path: LwM2mPath;
  readonly description: string;

  constructor(
    path: string | LwM2mPath,
    private readonly args: string = '',
  ) {
    this.path = toPath(path);
    requireLevels('Execute', this.path, [3], 'a resource');
    if (typeof args !== 'string') throw ServerError.badRequest('execute arguments must be text');
    if (args !== '' && !ARGUMENTS.test(args)) {
      throw ServerError.badRequest(`invalid execute arguments "${args}" (expected e.g. 0,1='text')`, { path: this.path.toString() });
    }
    this.description = `Execute ${this.path.toString()}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const rm = ctx.model.resource(this.path.objectId as number, this.path.resourceId as number);
    const om = ctx.model.object(this.path.objectId as number);
    if (om && !rm) throw ServerError.notFound(`object ${om.id} (${om.name}) has no resource ${this.path.resourceId}`, { path: this.path.toString() });
    if (rm && rm.operations !== 'E') throw ServerError.badRequest(`resource ${this.path.toString()} (${rm.name}) is not executable`, { path: this.path.toString() });
    const req: OutgoingRequest = { method: 'POST', uriPath: uriPath(ctx, this.path) };
    return this.args === '' ? req : { ...req, contentFormat: ContentFormat.TEXT, payload: Buffer.from(this.args, 'utf8') };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): void {
    expectCode(response, '2.04', ctx, this.description);
  }
}
