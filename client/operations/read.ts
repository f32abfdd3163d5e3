import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { encodeNodeAs } from '../codecs.ts';
import type { DeviceContext } from '../device-context.ts';
import { readNode } from '../read-node.ts';

/** Read (OMA TS Core 1.1 §6.3): GET on /O, /O/I, /O/I/R or /O/I/R/RI, answered in the Accept format or the default. */
export function handleRead(ctx: DeviceContext, req: IncomingRequest, path: LwM2mPath): OutgoingResponse {
  const node = readNode(ctx.tree, path, ctx.model);
  const cf = ctx.formats.responseFormat(req.accept, node);
  return { code: '2.05', contentFormat: cf, payload: encodeNodeAs(cf, node, path, ctx.model) };
}
