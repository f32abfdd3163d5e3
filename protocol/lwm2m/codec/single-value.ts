import type { ModelLookup, ResourceModel } from '../model.ts';
import type { LwM2mNode, LwM2mValue } from '../node.ts';
import { checkNodeAtPath } from '../node-util.ts';
import type { LwM2mPath } from '../path.ts';
import { encodeFail } from './codec-error.ts';

/** Shared by the single-value formats (text/plain, octet-stream, CBOR): what they may address and carry. */

/** The model of the resource a single-value format addresses, checking that `path` names one value. */
export function singleValueTarget(path: LwM2mPath, model: ModelLookup, format: string, fail: (msg: string) => never): ResourceModel | undefined {
  if (path.length < 3) fail(`${format} carries a single value, but ${path.toString()} is not a resource or resource instance`);
  const rm = model.resource(path.objectId as number, path.resourceId as number);
  if (path.length === 3 && rm?.multiple) fail(`${format} cannot carry the multiple resource ${path.toString()}; address one instance`);
  if (path.length === 4 && rm !== undefined && !rm.multiple) fail(`${path.parent().toString()} is a single resource and has no resource instances`);
  return rm;
}

/** The node a single-value format decodes to at `path` (resource or resource instance). */
export function singleValueNode(path: LwM2mPath, value: LwM2mValue): LwM2mNode {
  return path.length === 3 ? { kind: 'resource', id: path.resourceId as number, value } : { kind: 'resourceInstance', id: path.resourceInstanceId as number, value };
}

/** The value of a node a single-value format encodes (a single resource or a resource instance). */
export function singleValueOf(node: LwM2mNode, path: LwM2mPath, format: string): LwM2mValue {
  checkNodeAtPath(node, path);
  if (node.kind !== 'resource' && node.kind !== 'resourceInstance') {
    return encodeFail(`${format} carries a single value, but the node at ${path.toString()} is a ${node.kind}`);
  }
  return node.value;
}
