import type { OutgoingResponse } from '../../protocol/coap/types.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError } from '../errors.ts';
import { instanceAt } from '../read-node.ts';

/**
 * Delete (OMA TS Core 1.1 §6.3): DELETE on /O/I. Never /3/0 (the Device instance) nor the Server object's
 * instances (bootstrap only); objects without an instance factory cannot lose instances either (4.05).
 */
export function handleDelete(ctx: DeviceContext, path: LwM2mPath): OutgoingResponse {
  if (!path.isObjectInstance()) throw new ClientError('NOT_ALLOWED', `Delete on ${path} is not allowed`);
  const instance = instanceAt(ctx.tree, path);
  const objectId = path.objectId!;
  if (objectId === 3 || objectId === 1 || objectId === 0 || !ctx.tree.factory(objectId)) throw new ClientError('NOT_ALLOWED', `${path} cannot be deleted`);
  ctx.tree.remove(objectId, path.objectInstanceId!);
  instance.dispose();
  ctx.attributes.clearUnder(path);
  ctx.notifier.removeUnder(path);
  ctx.objectsChanged();
  return { code: '2.02' };
}
