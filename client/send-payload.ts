import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import type { LwM2mLeaf } from '../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { encodeLeavesAs } from './codecs.ts';
import { ClientError } from './errors.ts';
import type { ObjectTree } from './object-tree.ts';
import { leavesOf, readNode } from './read-node.ts';

function parsePath(text: string): LwM2mPath {
  try {
    return LwM2mPath.parse(text);
  } catch (err) {
    throw new ClientError('BAD_REQUEST', `"${text}" is not an LwM2M path`, { cause: err });
  }
}

/** The body of a Send (OMA TS Core 1.1 §6.4.4): the current values of `paths` in a composite format. */
export function sendPayload(tree: ObjectTree, model: ModelLookup, paths: readonly (LwM2mPath | string)[], format: number): Buffer {
  const leaves: LwM2mLeaf[] = [];
  for (const p of paths) {
    const path = typeof p === 'string' ? parsePath(p) : p;
    leavesOf(readNode(tree, path, model), path, leaves);
  }
  return encodeLeavesAs(format, leaves, model);
}
