import type { OutgoingResponse } from '../../protocol/coap/types.ts';
import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import { serializeLinkFormat, type Link } from '../../protocol/lwm2m/link-format.ts';
import type { ResourceModel } from '../../protocol/lwm2m/model.ts';
import { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import { ATTRIBUTE_NAMES, type AttributeSet } from '../attributes.ts';
import type { DeviceContext } from '../device-context.ts';
import { ClientError } from '../errors.ts';
import type { ObjectInstance } from '../object-instance.ts';
import { instanceAt } from '../read-node.ts';

function link(path: string, attrs: AttributeSet | undefined, extra?: Record<string, string>): Link {
  const attributes: Record<string, string> = { ...extra };
  if (attrs) for (const name of ATTRIBUTE_NAMES) if (attrs[name] !== undefined) attributes[name] = String(attrs[name]);
  return { uri: path, attributes };
}

function resourceLinks(ctx: DeviceContext, inst: ObjectInstance, out: Link[]): void {
  for (const rid of inst.resourceIds()) {
    const rm = ctx.model.resource(inst.objectId, rid);
    const path = new LwM2mPath(inst.objectId, inst.instanceId, rid);
    out.push(link(path.toString(), ctx.attributes.get(path), dimOf(inst, rid, rm)));
  }
}

/** `dim` of a multiple resource: its number of instances (OMA TS Core 1.1 §5.1.2). */
function dimOf(inst: ObjectInstance, rid: number, rm: ResourceModel | undefined): Record<string, string> | undefined {
  if (rm !== undefined && (!rm.multiple || !rm.operations.includes('R'))) return undefined;
  const value = inst.read(rid);
  return value instanceof Map ? { dim: String(value.size) } : undefined;
}

/**
 * Discover (OMA TS Core 1.1 §6.3): GET with Accept 40. On an object: the object link (its attributes, and `ver`
 * when a 1.1 client's object is not version 1.0), its instances and their resources; on an instance: the instance and
 * its resources; on a resource: the resource with its attributes, inherited ones included. Multiple resources carry
 * `dim`.
 */
export function handleDiscover(ctx: DeviceContext, path: LwM2mPath): OutgoingResponse {
  if (path.isRoot()) throw new ClientError('NOT_ALLOWED', 'Discover on the root path is for the bootstrap server');
  if (path.isResourceInstance()) throw new ClientError('BAD_REQUEST', 'Discover on a resource instance is not defined');
  const out: Link[] = [];
  const objectId = path.objectId!;
  if (path.isObject()) {
    if (objectId === 0 || !ctx.tree.hasObject(objectId)) throw new ClientError('NOT_FOUND', `object ${path} does not exist`);
    const version = ctx.formats.version === '1.1' ? ctx.model.object(objectId)?.version : undefined;
    out.push(link(path.toString(), ctx.attributes.get(path), version && version !== '1.0' ? { ver: version } : undefined));
    for (const inst of ctx.tree.instances(objectId)) {
      out.push(link(`/${objectId}/${inst.instanceId}`, ctx.attributes.get(path.child(inst.instanceId))));
      resourceLinks(ctx, inst, out);
    }
  } else if (path.isObjectInstance()) {
    const inst = instanceAt(ctx.tree, path);
    out.push(link(path.toString(), ctx.attributes.get(path)));
    resourceLinks(ctx, inst, out);
  } else {
    const inst = instanceAt(ctx.tree, path);
    const rid = path.resourceId!;
    if (!inst.resourceIds().includes(rid)) throw new ClientError('NOT_FOUND', `${path} does not exist`);
    out.push(link(path.toString(), ctx.attributes.merged(path), dimOf(inst, rid, ctx.model.resource(objectId, rid))));
  }
  return { code: '2.05', contentFormat: ContentFormat.LINK, payload: Buffer.from(serializeLinkFormat(out)) };
}
