import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError } from '../errors.ts';
import { parseExecuteArguments } from '../execute-arguments.ts';
import { instanceAt } from '../read-node.ts';

/** Execute (OMA TS Core 1.1 §6.3): POST on /O/I/R of an E resource, optional text arguments (`0,1='x'`). */
export async function handleExecute(ctx: DeviceContext, req: IncomingRequest, path: LwM2mPath): Promise<OutgoingResponse> {
  const inst = instanceAt(ctx.tree, path);
  const rid = path.resourceId!;
  const rm = ctx.model.resource(path.objectId!, rid);
  if (rm === undefined && ctx.model.object(path.objectId!) !== undefined) throw new ClientError('NOT_FOUND', `${path} does not exist`);
  if (rm !== undefined && rm.operations !== 'E') throw new ClientError('NOT_ALLOWED', `${path} is not executable (operations "${rm.operations}")`);
  if (!inst.resourceIds().includes(rid)) throw new ClientError(rm ? 'NOT_ALLOWED' : 'NOT_FOUND', `${path} is not implemented by this device`);
  const args = parseExecuteArguments(req.payload.toString('utf8'));
  await inst.execute(rid, args);
  return { code: '2.04' };
}
