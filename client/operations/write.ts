import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { decodeNodeAs } from '../codecs.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError } from '../errors.ts';
import { instanceAt } from '../read-node.ts';
import { writeNode, type WriteMode } from '../write-node.ts';

/**
 * Write (OMA TS Core 1.1 §6.3): PUT replaces an instance, resource or resource instance; POST on an instance (or on a
 * multiple resource, 1.1) updates partially. The payload format must be supported (4.15) and well formed (4.00).
 */
export function handleWrite(ctx: DeviceContext, req: IncomingRequest, path: LwM2mPath, mode: WriteMode): OutgoingResponse {
  if (path.isRoot() || path.isObject()) throw new ClientError('NOT_ALLOWED', `Write on ${path} is not allowed`);
  instanceAt(ctx.tree, path); // 4.04 before looking at the payload
  const cf = ctx.formats.requireDecodable(req.contentFormat);
  const node = decodeNodeAs(cf, req.payload, path, ctx.model);
  writeNode(ctx.tree, path, node, mode, ctx.model);
  return { code: '2.04' };
}
