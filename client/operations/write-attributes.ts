import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { applyAttributeChange, parseAttributeQuery } from '../attributes.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError } from '../errors.ts';
import { instanceAt, isNumericModel } from '../read-node.ts';

/** Checks that the target exists; returns whether it is a numeric resource (gt/lt/st allowed). */
function numericTarget(ctx: DeviceContext, path: LwM2mPath): boolean {
  const objectId = path.objectId!;
  if (path.isObject()) {
    if (objectId === 0 || !ctx.tree.hasObject(objectId)) throw new ClientError('NOT_FOUND', `object ${path} does not exist`);
    return false;
  }
  const inst = instanceAt(ctx.tree, path);
  if (path.resourceId === undefined) return false;
  if (!inst.resourceIds().includes(path.resourceId)) throw new ClientError('NOT_FOUND', `${path} does not exist`);
  const value = inst.read(path.resourceId);
  if (path.isResourceInstance() && !(value instanceof Map && value.has(path.resourceInstanceId!))) throw new ClientError('NOT_FOUND', `${path} does not exist`);
  const rm = ctx.model.resource(objectId, path.resourceId);
  return rm ? isNumericModel(rm) : typeof value === 'number';
}

/**
 * Write-Attributes (OMA TS Core 1.1 §6.3): PUT with only Uri-Query attributes on /O, /O/I, /O/I/R or /O/I/R/RI.
 * A bare name unsets; invalid names, values or combinations are 4.00; a missing target is 4.04.
 */
export function handleWriteAttributes(ctx: DeviceContext, req: IncomingRequest, path: LwM2mPath): OutgoingResponse {
  if (path.isRoot()) throw new ClientError('NOT_ALLOWED', 'Write-Attributes on the root path is not allowed');
  const change = parseAttributeQuery(req.uriQuery);
  const numeric = numericTarget(ctx, path);
  ctx.attributes.set(path, applyAttributeChange(ctx.attributes.get(path), change, path, numeric));
  ctx.notifier.invalidate();
  return { code: '2.04' };
}
