import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import { EMPTY_MODEL } from '../../protocol/lwm2m/model.ts';
import type { LwM2mNode, LwM2mObjectInstance } from '../../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { decodeNodeAs } from '../codecs.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError, isClientError } from '../errors.ts';
import { writeNode } from '../write-node.ts';

/**
 * Create (OMA TS Core 1.1 §6.3): POST on /O with the new instance's resources. The instance id comes from the payload
 * (an object-instance wrapper) or is the lowest free one; answered 2.01 with Location-Path /O/I. Objects without an
 * instance factory, and single-instance objects that already have their instance, are 4.05.
 */
export function handleCreate(ctx: DeviceContext, req: IncomingRequest, path: LwM2mPath): OutgoingResponse {
  const objectId = path.objectId!;
  if (objectId === 0 || !ctx.tree.hasObject(objectId)) throw new ClientError('NOT_FOUND', `object ${path} does not exist`);
  const factory = ctx.tree.factory(objectId);
  const om = ctx.model.object(objectId);
  if (!factory || (om && !om.multiple && ctx.tree.instances(objectId).length > 0)) throw new ClientError('NOT_ALLOWED', `instances of ${path} cannot be created`);
  let inst: LwM2mObjectInstance | undefined;
  if (req.payload.length > 0) {
    const cf = ctx.formats.requireDecodable(req.contentFormat);
    const node = decodeCreate(ctx, cf, req.payload, path);
    if (node.kind === 'object') {
      if (node.instances.size > 1) throw new ClientError('BAD_REQUEST', 'Create carries one instance at a time');
      inst = node.instances.values().next().value;
    } else if (node.kind === 'objectInstance') inst = node;
    else throw new ClientError('BAD_REQUEST', 'Create needs object instance content');
  }
  const id = inst?.id ?? ctx.tree.freeInstanceId(objectId);
  if (ctx.tree.get(objectId, id)) throw new ClientError('BAD_REQUEST', `/${objectId}/${id} already exists`);
  const instance = factory(id);
  ctx.tree.add(instance);
  if (inst && inst.resources.size > 0) {
    try {
      // Create may set read-only resources: write them directly, bypassing the W check.
      writeNode(ctx.tree, path.child(id), { ...inst, id }, 'replace', EMPTY_MODEL);
    } catch (err) {
      ctx.tree.remove(objectId, id);
      throw err;
    }
  }
  ctx.objectsChanged();
  return { code: '2.01', locationPath: [String(objectId), String(id)] };
}

/** The payload as an object (with an instance wrapper), else as the resources of the lowest free instance. */
function decodeCreate(ctx: DeviceContext, cf: number, payload: Buffer, path: LwM2mPath): LwM2mNode {
  try {
    return decodeNodeAs(cf, payload, path, ctx.model);
  } catch (err) {
    if (!isClientError(err, 'BAD_REQUEST')) throw err;
    return decodeNodeAs(cf, payload, path.child(ctx.tree.freeInstanceId(path.objectId!)), ctx.model);
  }
}
