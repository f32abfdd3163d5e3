import type { ModelLookup, ResourceModel } from '../protocol/lwm2m/model.ts';
import type { LwM2mLeaf, LwM2mNode, LwM2mObjectInstance, LwM2mResource, LwM2mValue } from '../protocol/lwm2m/node.ts';
import { nodeToLeaves } from '../protocol/lwm2m/node-util.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { ClientError } from './errors.ts';
import type { ObjectInstance, ResourceValue } from './object-instance.ts';
import type { ObjectTree } from './object-tree.ts';

/** True when the model allows Read on the resource; resources of unknown objects are readable. */
export function isReadable(model: ResourceModel | undefined): boolean {
  return model === undefined || model.operations.includes('R');
}

/** True for numeric resource types (`gt`/`lt`/`st` apply to them, OMA TS Core 1.1 §5.1.2). */
export function isNumericModel(model: ResourceModel | undefined): boolean {
  return model !== undefined && (model.type === 'integer' || model.type === 'unsignedInteger' || model.type === 'float');
}

function toResource(id: number, value: ResourceValue, model: ResourceModel | undefined): LwM2mResource {
  if (value instanceof Map) return { kind: 'multipleResource', id, instances: new Map(value) };
  if (model?.multiple) return { kind: 'multipleResource', id, instances: new Map([[0, value as LwM2mValue]]) };
  return { kind: 'resource', id, value: value as LwM2mValue };
}

/** Reads every readable resource of an instance (E-only and W-only resources are left out). */
export function readInstance(instance: ObjectInstance, model: ModelLookup): LwM2mObjectInstance {
  const resources = new Map<number, LwM2mResource>();
  for (const rid of instance.resourceIds()) {
    const rm = model.resource(instance.objectId, rid);
    if (!isReadable(rm)) continue;
    const value = instance.read(rid);
    if (value === undefined) continue;
    resources.set(rid, toResource(rid, value, rm));
  }
  return { kind: 'objectInstance', id: instance.instanceId, resources };
}

/** The instance at `/O/I` or NOT_FOUND. The Security object (0) is bootstrap-only: invisible to the DM server. */
export function instanceAt(tree: ObjectTree, path: LwM2mPath): ObjectInstance {
  const instance = path.objectId === 0 ? undefined : tree.get(path.objectId!, path.objectInstanceId!);
  if (!instance) throw new ClientError('NOT_FOUND', `/${path.objectId}/${path.objectInstanceId} does not exist`);
  return instance;
}

/**
 * Reads the node at `path` (OMA TS Core 1.1 §6.3, Read): NOT_FOUND for a missing object, instance, resource or resource
 * instance; NOT_ALLOWED for the root or a resource the model does not allow to read.
 */
export function readNode(tree: ObjectTree, path: LwM2mPath, model: ModelLookup): LwM2mNode {
  if (path.isRoot()) throw new ClientError('NOT_ALLOWED', 'Read on the root path is not allowed');
  const objectId = path.objectId!;
  if (path.isObject()) {
    if (!tree.hasObject(objectId) || objectId === 0) throw new ClientError('NOT_FOUND', `object ${path} does not exist`);
    const instances = new Map<number, LwM2mObjectInstance>();
    for (const inst of tree.instances(objectId)) instances.set(inst.instanceId, readInstance(inst, model));
    return { kind: 'object', id: objectId, instances };
  }
  const instance = instanceAt(tree, path);
  if (path.isObjectInstance()) return readInstance(instance, model);
  const rid = path.resourceId!;
  const rm = model.resource(objectId, rid);
  if (!isReadable(rm)) throw new ClientError('NOT_ALLOWED', `${path} is not readable (operations "${rm!.operations}")`);
  const value = instance.read(rid);
  if (value === undefined) throw new ClientError('NOT_FOUND', `${path} does not exist`);
  const resource = toResource(rid, value, rm);
  if (path.isResource()) return resource;
  if (resource.kind !== 'multipleResource') throw new ClientError('NOT_FOUND', `${path}: ${path.parent()} is a single resource`);
  const v = resource.instances.get(path.resourceInstanceId!);
  if (v === undefined) throw new ClientError('NOT_FOUND', `${path} does not exist`);
  return { kind: 'resourceInstance', id: path.resourceInstanceId!, value: v };
}

/** Appends the leaves of the node at `path` (one per single resource or resource instance) to `out`. */
export function leavesOf(node: LwM2mNode, path: LwM2mPath, out: LwM2mLeaf[]): void {
  for (const l of nodeToLeaves(node, path)) out.push(l);
}

/** The current numeric value at a single resource or resource instance path, or undefined when not numeric. */
export function numericValueAt(tree: ObjectTree, path: LwM2mPath): number | undefined {
  if (!(path.isResource() || path.isResourceInstance())) return undefined;
  const inst = tree.get(path.objectId!, path.objectInstanceId!);
  let value = inst?.read(path.resourceId!);
  if (value instanceof Map) value = path.isResourceInstance() ? value.get(path.resourceInstanceId!) : undefined;
  else if (path.isResourceInstance()) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}
