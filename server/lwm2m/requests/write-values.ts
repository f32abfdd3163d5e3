import { isProtocolError } from '../../../protocol/errors.ts';
import type { ModelLookup, ResourceModel } from '../../../protocol/lwm2m/model.ts';
import type { LwM2mLeaf, LwM2mMultipleResource, LwM2mNode, LwM2mObjectInstance, LwM2mResource, LwM2mValue } from '../../../protocol/lwm2m/node.ts';
import { coerceValue, nodeToLeaves } from '../../../protocol/lwm2m/node-util.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { ServerError } from '../../errors.ts';
import { toPath } from './request-support.ts';

/**
 * What a caller may pass as the value(s) of a Write, Create or Write-Composite:
 * - a resource or resource instance: one value (`95`, `"Europe/Paris"`, `true`, a Date, bytes or base64 text ...);
 * - a multiple resource: `{ "0": 1, "1": 5 }` (or a Map) keyed by resource-instance id;
 * - an object instance: `{ "14": "+02", "15": "Europe/Paris" }` keyed by resource id;
 * - or an `LwM2mNode` already built.
 * Raw values are typed by the object model (`coerceValue`).
 */
export type WriteInput = unknown;

/** Checks applied to each written resource. */
export interface ValueChecks {
  /** Refuse resources the model does not mark writable (Write, Write-Composite; not Create). */
  readonly requireWritable: boolean;
}

const NODE_KINDS = new Set(['object', 'objectInstance', 'resource', 'multipleResource', 'resourceInstance']);

function isNode(input: unknown): input is LwM2mNode {
  return typeof input === 'object' && input !== null && NODE_KINDS.has((input as { kind?: unknown }).kind as string);
}

function isRecordLike(input: unknown): input is Record<string, unknown> | Map<number | string, unknown> {
  if (input instanceof Map) return true;
  return typeof input === 'object' && input !== null && !Array.isArray(input) && !(input instanceof Date) && !(input instanceof Uint8Array) && !isNode(input);
}

function entriesOf(input: Record<string, unknown> | Map<number | string, unknown>, what: string, where: LwM2mPath): [number, unknown][] {
  const list = input instanceof Map ? [...input.entries()] : Object.entries(input);
  return list.map(([k, v]) => {
    const text = String(k);
    const id = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(id <= 65535)) throw ServerError.badRequest(`${where.toString()}: "${text}" is not a ${what} id (0..65535)`, { path: where.toString() });
    return [id, v];
  });
}

/**
 * The model of the resource at `path` (a resource or resource-instance path), after checking it may be written:
 * NOT_FOUND if the model knows the object but not the resource, BAD_REQUEST if it is executable or (with
 * `requireWritable`) read-only. Undefined when the object is unknown: the value is then sent as given.
 */
export function writableResource(path: LwM2mPath, model: ModelLookup, checks: ValueChecks): ResourceModel | undefined {
  const objectId = path.objectId as number;
  const resourceId = path.resourceId as number;
  const om = model.object(objectId);
  if (!om) return undefined;
  const rm = model.resource(objectId, resourceId);
  const at = new LwM2mPath(objectId, path.objectInstanceId as number, resourceId).toString();
  if (!rm) throw ServerError.notFound(`object ${objectId} (${om.name}) has no resource ${resourceId}`, { path: at });
  if (rm.operations === 'E' || rm.type === 'none') throw ServerError.badRequest(`resource ${at} (${rm.name}) is executable and has no value to write`, { path: at });
  if (checks.requireWritable && !rm.operations.includes('W')) throw ServerError.badRequest(`resource ${at} (${rm.name}) is not writable`, { path: at });
  return rm;
}

/** `raw` as a value of the resource `rm` (or as given without a model); BAD_REQUEST when it does not fit. */
export function typedValue(path: LwM2mPath, raw: unknown, rm: ResourceModel | undefined): LwM2mValue {
  try {
    return coerceValue(raw, rm);
  } catch (err) {
    if (isProtocolError(err)) throw ServerError.badRequest(`value for ${path.toString()}: ${err.message}`, { path: path.toString() });
    throw err;
  }
}

function resourceNode(path: LwM2mPath, input: unknown, model: ModelLookup, checks: ValueChecks): LwM2mResource {
  const rm = writableResource(path, model, checks);
  const id = path.resourceId as number;
  const multiple = rm ? rm.multiple : isRecordLike(input);
  if (!multiple) {
    if (isRecordLike(input)) throw ServerError.badRequest(`resource ${path.toString()} is single-instance: give one value, not instances`, { path: path.toString() });
    return { kind: 'resource', id, value: typedValue(path, input, rm) };
  }
  if (!isRecordLike(input)) throw ServerError.badRequest(`resource ${path.toString()} is multi-instance: give { instanceId: value }`, { path: path.toString() });
  const instances = new Map<number, LwM2mValue>();
  for (const [ri, raw] of entriesOf(input, 'resource instance', path)) instances.set(ri, typedValue(path.child(ri), raw, rm));
  const node: LwM2mMultipleResource = { kind: 'multipleResource', id, instances };
  return node;
}

function instanceNode(path: LwM2mPath, input: unknown, model: ModelLookup, checks: ValueChecks): LwM2mObjectInstance {
  if (!isRecordLike(input)) throw ServerError.badRequest(`values for object instance ${path.toString()} must be { resourceId: value }`, { path: path.toString() });
  const resources = new Map<number, LwM2mResource>();
  for (const [rid, raw] of entriesOf(input, 'resource', path)) resources.set(rid, resourceNode(path.child(rid), raw, model, checks));
  return { kind: 'objectInstance', id: path.objectInstanceId as number, resources };
}

/** Re-types every value of a node built by the caller, with the same checks as raw input. */
function checkedNode(path: LwM2mPath, node: LwM2mNode, model: ModelLookup, checks: ValueChecks): LwM2mNode {
  let leaves: LwM2mLeaf[];
  try {
    leaves = nodeToLeaves(node, path);
  } catch (err) {
    throw ServerError.badRequest(isProtocolError(err) ? err.message : String(err), { path: path.toString() });
  }
  for (const leaf of leaves) {
    const rm = writableResource(leaf.path, model, checks);
    if (rm && rm.multiple !== leaf.path.isResourceInstance()) {
      throw ServerError.badRequest(`resource ${leaf.path.parent().toString()} is ${rm.multiple ? 'multi' : 'single'}-instance`, { path: leaf.path.toString() });
    }
    typedValue(leaf.path, leaf.value, rm);
  }
  return node;
}

/**
 * The node to write at `path` (an object instance, resource or resource instance) from the caller's input, typed and
 * validated against the model before anything is sent.
 */
export function buildWriteNode(path: LwM2mPath, input: WriteInput, model: ModelLookup, checks: ValueChecks): LwM2mNode {
  if (isNode(input)) return checkedNode(path, input, model, checks);
  switch (path.length) {
    case 2:
      return instanceNode(path, input, model, checks);
    case 3:
      return resourceNode(path, input, model, checks);
    case 4: {
      const rm = writableResource(path, model, checks);
      if (rm && !rm.multiple) throw ServerError.badRequest(`resource ${path.parent().toString()} is single-instance: it has no instance ${path.resourceInstanceId}`, { path: path.toString() });
      return { kind: 'resourceInstance', id: path.resourceInstanceId as number, value: typedValue(path, input, rm) };
    }
    default:
      throw ServerError.badRequest(`cannot write values at ${path.toString()}: give an object instance, resource or resource instance path`, { path: path.toString() });
  }
}

/**
 * Leaves for Write-Composite from `{ "/3/0/14": "+02", "/1/0/1": 300 }` (or a list of `{ path, value }`), each typed
 * and checked; a multiple resource may be given as `{ riId: value }` under its resource path.
 */
export function buildLeaves(input: Record<string, unknown> | readonly { path: string | LwM2mPath; value: unknown }[], model: ModelLookup, checks: ValueChecks): LwM2mLeaf[] {
  const pairs: [LwM2mPath, unknown][] = Array.isArray(input)
    ? (input as readonly { path: string | LwM2mPath; value: unknown }[]).map((e) => [toPath(e.path), e.value])
    : Object.entries(input as Record<string, unknown>).map(([p, v]) => [toPath(p), v]);
  if (pairs.length === 0) throw ServerError.badRequest('no values to write');
  const out: LwM2mLeaf[] = [];
  for (const [path, raw] of pairs) {
    if (!(path.isResource() || path.isResourceInstance())) throw ServerError.badRequest(`composite write needs resource or resource-instance paths, not ${path.toString()}`, { path: path.toString() });
    out.push(...nodeToLeaves(buildWriteNode(path, raw, model, checks), path));
  }
  return out;
}
