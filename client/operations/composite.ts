import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mLeaf } from '../../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { decodeLeavesAs, decodePathsAs, encodeLeavesAs } from '../codecs.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError, isClientError } from '../errors.ts';
import { leavesOf, readNode } from '../read-node.ts';
import { writeLeaves } from '../write-node.ts';

/**
 * Reads every path of a Read-Composite request body (a SenML path list, OMA TS Core 1.1 §6.3, Read-Composite). Paths that do not
 * exist are left out; when none exists the answer is 4.04. The answer format is the Accept option, else the
 * request's format.
 */
export function compositeRead(ctx: DeviceContext, req: IncomingRequest): { paths: LwM2mPath[]; leaves: LwM2mLeaf[]; cf: number } {
  const requestCf = ctx.formats.requireDecodable(req.contentFormat);
  const paths = decodePathsAs(requestCf, req.payload);
  if (paths.length === 0) throw new ClientError('BAD_REQUEST', 'the path list is empty');
  const cf = ctx.formats.compositeFormat(req.accept, requestCf);
  const leaves: LwM2mLeaf[] = [];
  let found = 0;
  for (const p of paths) {
    try {
      leavesOf(readNode(ctx.tree, p, ctx.model), p, leaves);
      found++;
    } catch (err) {
      if (!isClientError(err, 'NOT_FOUND')) throw err;
    }
  }
  if (found === 0) throw new ClientError('NOT_FOUND', 'none of the requested paths exists');
  return { paths, leaves, cf };
}

/** Read-Composite: FETCH on / (OMA TS Core 1.1 §6.3, Read-Composite). */
export function handleReadComposite(ctx: DeviceContext, req: IncomingRequest): OutgoingResponse {
  const { leaves, cf } = compositeRead(ctx, req);
  return { code: '2.05', contentFormat: cf, payload: encodeLeavesAs(cf, leaves, ctx.model) };
}

/** Write-Composite: iPATCH on / with SenML leaves (OMA TS Core 1.1 §6.3, Write-Composite). */
export function handleWriteComposite(ctx: DeviceContext, req: IncomingRequest): OutgoingResponse {
  const cf = ctx.formats.requireDecodable(req.contentFormat);
  const leaves = decodeLeavesAs(cf, req.payload, ctx.model);
  if (leaves.length === 0) throw new ClientError('BAD_REQUEST', 'Write-Composite without values');
  writeLeaves(ctx.tree, leaves, ctx.model);
  return { code: '2.04' };
}
