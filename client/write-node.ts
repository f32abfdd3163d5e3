import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import type { LwM2mLeaf, LwM2mNode, LwM2mValue } from '../protocol/lwm2m/node.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { ClientError } from './errors.ts';
import type { ObjectInstance, ResourceValue } from './object-instance.ts';
import type { ObjectTree } from './object-tree.ts';
import { instanceAt } from './read-node.ts';

/** `replace` = PUT (OMA TS Core 1.1 §6.3, Write: Replace), `update` = POST on an instance (Partial Update). */
export type WriteMode = 'replace' | 'update';

/** Refuses a write the model does not allow: unknown resource of a known object → 4.04, no W → 4.05. */
function checkWritable(model: ModelLookup, objectId: number, resourceId: number, path: string): void {
  const rm = model.resource(objectId, resourceId);
  if (rm === undefined) {
    if (model.object(objectId) !== undefined) throw new ClientError('NOT_FOUND', `${path}: object ${objectId} has no resource ${resourceId}`);
    return;
  }
  if (!rm.operations.includes('W')) throw new ClientError('NOT_ALLOWED', `${path} is not writable (operations "${rm.operations}")`);
}

function mergeInstances(instance: ObjectInstance, resourceId: number, add: ReadonlyMap<number, LwM2mValue>): Map<number, LwM2mValue> {
  const current = instance.read(resourceId);
  const out = new Map<number, LwM2mValue>(current instanceof Map ? current : []);
  for (const [ri, v] of add) out.set(ri, v);
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/**
 * Applies a decoded Write (PUT replace, POST partial update) to the tree. Every resource is checked before any is
 * written, so a refused write changes nothing that the model could have refused.
 */
export function writeNode(tree: ObjectTree, path: LwM2mPath, node: LwM2mNode, mode: WriteMode, model: ModelLookup): void {
  if (path.isRoot() || path.isObject()) throw new ClientError('NOT_ALLOWED', `Write on ${path} is not allowed`);
  const instance = instanceAt(tree, path);
  const objectId = path.objectId!;
  if (path.isObjectInstance()) {
    const inst = node.kind === 'object' ? node.instances.get(path.objectInstanceId!) : node;
    if (!inst || inst.kind !== 'objectInstance' || inst.id !== path.objectInstanceId) throw new ClientError('BAD_REQUEST', `payload is not object instance ${path}`);
    for (const r of inst.resources.values()) checkWritable(model, objectId, r.id, `${path}/${r.id}`);
    for (const r of inst.resources.values()) {
      const value: ResourceValue = r.kind === 'resource' ? r.value : mode === 'update' ? mergeInstances(instance, r.id, r.instances) : r.instances;
      instance.write(r.id, value);
    }
    return;
  }
  const rid = path.resourceId!;
  checkWritable(model, objectId, rid, path.toString());
  if (path.isResource()) {
    if (node.kind === 'resource' && node.id === rid) {
      if (model.resource(objectId, rid)?.multiple) instance.write(rid, new Map([[0, node.value]]));
      else instance.write(rid, node.value);
      return;
    }
    if (node.kind === 'multipleResource' && node.id === rid) {
      instance.write(rid, mode === 'update' ? mergeInstances(instance, rid, node.instances) : node.instances);
      return;
    }
    throw new ClientError('BAD_REQUEST', `payload is not resource ${path}`);
  }
  if (node.kind !== 'resourceInstance' || node.id !== path.resourceInstanceId) throw new ClientError('BAD_REQUEST', `payload is not resource instance ${path}`);
  requireMultiple(model, instance, path);
  instance.write(rid, mergeInstances(instance, rid, new Map([[node.id, node.value]])));
}

function requireMultiple(model: ModelLookup, instance: ObjectInstance, path: LwM2mPath): void {
  const rm = model.resource(path.objectId!, path.resourceId!);
  const multiple = rm ? rm.multiple : instance.read(path.resourceId!) instanceof Map;
  if (!multiple) throw new ClientError('NOT_FOUND', `${path}: ${path.parent()} is a single resource`);
}

/**
 * Applies a Write-Composite (iPATCH, OMA TS Core 1.1 §6.3, Write-Composite): every leaf must name an existing instance and a
 * writable resource or resource instance; all are checked before any is written.
 */
export function writeLeaves(tree: ObjectTree, leaves: readonly LwM2mLeaf[], model: ModelLookup): void {
  const singles: Array<[ObjectInstance, number, LwM2mValue]> = [];
  const multiples = new Map<ObjectInstance, Map<number, Map<number, LwM2mValue>>>();
  for (const { path, value } of leaves) {
    if (!(path.isResource() || path.isResourceInstance())) throw new ClientError('BAD_REQUEST', `Write-Composite needs resource paths, got ${path}`);
    const instance = instanceAt(tree, path);
    checkWritable(model, path.objectId!, path.resourceId!, path.toString());
    if (path.isResource()) {
      singles.push([instance, path.resourceId!, value]);
      continue;
    }
    requireMultiple(model, instance, path);
    let byResource = multiples.get(instance);
    if (!byResource) multiples.set(instance, (byResource = new Map()));
    let ris = byResource.get(path.resourceId!);
    if (!ris) byResource.set(path.resourceId!, (ris = new Map()));
    ris.set(path.resourceInstanceId!, value);
  }
  for (const [instance, rid, value] of singles) instance.write(rid, value);
  for (const [instance, byResource] of multiples) {
    for (const [rid, ris] of byResource) instance.write(rid, mergeInstances(instance, rid, ris));
  }
}
