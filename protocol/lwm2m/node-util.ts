import { ProtocolError } from '../errors.ts';
import type { ModelLookup, ResourceModel } from './model.ts';
import type { LwM2mLeaf, LwM2mMultipleResource, LwM2mNode, LwM2mObject, LwM2mObjectInstance, LwM2mResource, LwM2mValue } from './node.ts';
import { LwM2mPath } from './path.ts';

/**
 * Helpers for the node tree (OMA TS Core §7.4): flattening to leaves and back, value coercion by the model, and
 * structural equality.
 */

// --- nodes <-> leaves ----------------------------------------------------------------------------------------

/**
 * Flattens `node`, which sits at `path`, into one leaf per value (resource or resource instance), in map order.
 * An empty multiple resource yields no leaf. Throws `CODEC_ENCODE` when the node kind or id does not match `path`.
 */
export function nodeToLeaves(node: LwM2mNode, path: LwM2mPath): LwM2mLeaf[] {
  checkNodeAtPath(node, path);
  const out: LwM2mLeaf[] = [];
  switch (node.kind) {
    case 'object':
      for (const inst of node.instances.values()) instanceLeaves(inst, path.child(inst.id), out);
      break;
    case 'objectInstance':
      instanceLeaves(node, path, out);
      break;
    case 'resource':
    case 'multipleResource':
      resourceLeaves(node, path, out);
      break;
    case 'resourceInstance':
      out.push({ path, value: node.value });
      break;
  }
  return out;
}

function instanceLeaves(inst: LwM2mObjectInstance, path: LwM2mPath, out: LwM2mLeaf[]): void {
  for (const res of inst.resources.values()) resourceLeaves(res, path.child(res.id), out);
}

function resourceLeaves(res: LwM2mResource, path: LwM2mPath, out: LwM2mLeaf[]): void {
  if (res.kind === 'resource') {
    out.push({ path, value: res.value });
    return;
  }
  for (const [ri, value] of res.instances) out.push({ path: path.child(ri), value });
}

const KIND_LEVEL = { object: 1, objectInstance: 2, resource: 3, multipleResource: 3, resourceInstance: 4 } as const;

/** Throws `CODEC_ENCODE` unless `node` is the kind of node `path` addresses and carries its last id. */
export function checkNodeAtPath(node: LwM2mNode, path: LwM2mPath): void {
  const level = KIND_LEVEL[node.kind];
  if (level === undefined) throw new ProtocolError('CODEC_ENCODE', `unknown node kind ${String((node as { kind: unknown }).kind)}`);
  if (path.length !== level) {
    throw new ProtocolError('CODEC_ENCODE', `a ${node.kind} node cannot sit at ${path.toString()} (a path of ${path.length} levels)`);
  }
  const ids = path.ids();
  if (ids[level - 1] !== node.id) {
    throw new ProtocolError('CODEC_ENCODE', `${node.kind} node id ${node.id} does not match path ${path.toString()}`);
  }
}

/**
 * Builds the node at `path` from `leaves` (resource or resource-instance paths, all under `path`). A resource that
 * the model marks multiple becomes a `multipleResource` (empty when no instance is given); a resource the model
 * does not know becomes multiple when its leaves are resource instances. Throws `CODEC_DECODE` on a leaf outside
 * `path`, a duplicate path, a single value for a multiple resource (or the reverse), or no value for a resource.
 */
export function leavesToNode(leaves: readonly LwM2mLeaf[], path: LwM2mPath, model: ModelLookup): LwM2mNode {
  const level = path.length;
  if (level === 0) leavesFail('the root path has no node: decode it as a list of leaves');
  for (const l of leaves) {
    if (!path.contains(l.path)) leavesFail(`value for ${l.path.toString()} is outside the requested path ${path.toString()}`);
    if (l.path.length < 3) leavesFail(`${l.path.toString()} is not a resource or resource instance, so it cannot carry a value`);
  }
  const objectId = path.objectId as number;
  switch (level) {
    case 1: {
      const byInstance = new Map<number, LwM2mLeaf[]>();
      for (const l of leaves) {
        const iid = l.path.objectInstanceId as number;
        const list = byInstance.get(iid);
        if (list === undefined) byInstance.set(iid, [l]);
        else list.push(l);
      }
      const instances = new Map<number, LwM2mObjectInstance>();
      for (const [iid, list] of byInstance) instances.set(iid, buildInstance(objectId, iid, list, model));
      const obj: LwM2mObject = { kind: 'object', id: objectId, instances };
      return obj;
    }
    case 2:
      return buildInstance(objectId, path.objectInstanceId as number, leaves, model);
    case 3:
      return buildResource(objectId, path.objectInstanceId as number, path.resourceId as number, leaves, model);
    default: {
      const rm = model.resource(objectId, path.resourceId as number);
      if (rm !== undefined && !rm.multiple) leavesFail(`${path.parent().toString()} is a single resource and has no instance ${path.resourceInstanceId}`);
      if (leaves.length === 0) leavesFail(`no value for the resource instance ${path.toString()}`);
      if (leaves.length > 1) leavesFail(`duplicate value for ${path.toString()}`);
      return { kind: 'resourceInstance', id: path.resourceInstanceId as number, value: leaves[0].value };
    }
  }
}

function leavesFail(message: string): never {
  throw new ProtocolError('CODEC_DECODE', message);
}

/** The instance `/o/i` from leaves that all lie below it. */
function buildInstance(o: number, i: number, leaves: readonly LwM2mLeaf[], model: ModelLookup): LwM2mObjectInstance {
  const byResource = new Map<number, LwM2mLeaf[]>();
  for (const l of leaves) {
    const rid = l.path.resourceId as number;
    const list = byResource.get(rid);
    if (list === undefined) byResource.set(rid, [l]);
    else list.push(l);
  }
  const resources = new Map<number, LwM2mResource>();
  for (const [rid, list] of byResource) resources.set(rid, buildResource(o, i, rid, list, model));
  return { kind: 'objectInstance', id: i, resources };
}

/** The resource `/o/i/r` from leaves that are it or its instances. */
function buildResource(o: number, i: number, r: number, leaves: readonly LwM2mLeaf[], model: ModelLookup): LwM2mResource {
  const rm: ResourceModel | undefined = model.resource(o, r);
  if (leaves.length === 0) {
    if (rm?.multiple) return { kind: 'multipleResource', id: r, instances: new Map() };
    return leavesFail(`no value for the single resource /${o}/${i}/${r}`);
  }
  if (leaves[0].path.length === 3) {
    if (leaves.length > 1) {
      return leavesFail(leaves[1].path.length === 3 ? `duplicate value for /${o}/${i}/${r}` : `/${o}/${i}/${r} has both a single value and resource instances`);
    }
    if (rm?.multiple) leavesFail(`/${o}/${i}/${r} is a multiple resource but a single value was given`);
    return { kind: 'resource', id: r, value: leaves[0].value };
  }
  if (rm !== undefined && !rm.multiple) leavesFail(`/${o}/${i}/${r} is a single resource but resource instances were given`);
  const instances = new Map<number, LwM2mValue>();
  for (const l of leaves) {
    if (l.path.length === 3) leavesFail(`/${o}/${i}/${r} has both a single value and resource instances`);
    const ri = l.path.resourceInstanceId as number;
    if (instances.has(ri)) leavesFail(`duplicate value for ${l.path.toString()}`);
    instances.set(ri, l.value);
  }
  return { kind: 'multipleResource', id: r, instances };
}

// --- value coercion -------------------------------------------------------------------------------------------

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Coerces a value from an application (HTTP API, twin desired property) to the node value type of `rm`
 * (OMA TS Core Appendix C): integer -> number (bigint beyond 2^53) from a number, bigint or decimal string;
 * float -> number; boolean from true/false, 1/0, "true"/"false"; time -> Date from a Date, epoch seconds or an
 * ISO 8601 string; opaque -> Buffer from bytes or base64 text; objlnk -> "O:I"; string/corelnk from a string.
 * Without a model, any valid node value passes through unchanged. Throws `ProtocolError('MODEL')`.
 */
export function coerceValue(raw: unknown, rm: ResourceModel | undefined): LwM2mValue {
  const bad = (why: string): never => {
    const name = rm ? `resource ${rm.id} (${rm.name}, ${rm.type})` : 'value';
    throw new ProtocolError('MODEL', `${name}: ${why}`);
  };
  if (rm === undefined) {
    if (isLwM2mValue(raw)) return raw;
    return bad(`${describeRaw(raw)} is not a number, bigint, string, boolean, Date or byte array`);
  }
  switch (rm.type) {
    case 'integer':
    case 'unsignedInteger': {
      let big: bigint | undefined;
      if (typeof raw === 'number' && Number.isInteger(raw)) big = BigInt(raw);
      else if (typeof raw === 'bigint') big = raw;
      else if (typeof raw === 'string' && /^[+-]?\d{1,20}$/.test(raw.trim())) big = BigInt(raw.trim());
      if (big === undefined) return bad(`${describeRaw(raw)} is not an integer`);
      const unsigned = rm.type === 'unsignedInteger';
      if (unsigned ? big < 0n || big > UINT64_MAX : big < INT64_MIN || big > INT64_MAX) return bad(`${big} is out of the ${unsigned ? 'unsigned ' : ''}64-bit range`);
      checkRange(Number(big), rm, bad);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    case 'float': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'bigint') n = Number(raw);
      else if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) n = Number(raw);
      if (n === undefined || !Number.isFinite(n)) return bad(`${describeRaw(raw)} is not a finite number`);
      checkRange(n, rm, bad);
      return n;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 1 || raw === '1' || raw === 'true') return true;
      if (raw === 0 || raw === '0' || raw === 'false') return false;
      return bad(`${describeRaw(raw)} is not a boolean`);
    case 'string':
    case 'corelnk':
      if (typeof raw === 'string') return raw;
      return bad(`${describeRaw(raw)} is not a string`);
    case 'time': {
      let d: Date | undefined;
      if (raw instanceof Date) d = new Date(raw.getTime());
      else if (typeof raw === 'number' && Number.isInteger(raw)) d = new Date(raw * 1000);
      else if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) d = new Date(Number(raw) * 1000);
      else if (typeof raw === 'string' && /^\d{4}-\d\d-\d\dT/.test(raw)) d = new Date(raw);
      if (d === undefined || Number.isNaN(d.getTime())) return bad(`${describeRaw(raw)} is not a time (Date, epoch seconds or ISO 8601)`);
      return d;
    }
    case 'opaque':
      if (raw instanceof Uint8Array) return Buffer.from(raw);
      if (typeof raw === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(raw)) return Buffer.from(raw, raw.includes('-') || raw.includes('_') ? 'base64url' : 'base64');
      return bad(`${describeRaw(raw)} is not bytes or base64 text`);
    case 'objlnk': {
      const m = typeof raw === 'string' ? /^(\d{1,5}):(\d{1,5})$/.exec(raw) : null;
      if (m === null || Number(m[1]) > 65535 || Number(m[2]) > 65535) return bad(`${describeRaw(raw)} is not an object link "O:I"`);
      return `${Number(m[1])}:${Number(m[2])}`;
    }
    default:
      return bad('an executable resource (type none) has no value');
  }
}

function checkRange(n: number, rm: ResourceModel, bad: (why: string) => never): void {
  if (rm.range && (n < rm.range.min || n > rm.range.max)) bad(`${n} is outside the range ${rm.range.min}..${rm.range.max}`);
}

function describeRaw(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw);
  if (raw === null) return 'null';
  if (typeof raw === 'object') return raw instanceof Date ? raw.toISOString() : Array.isArray(raw) ? 'an array' : 'an object';
  return String(raw);
}

/** True for the JS types `LwM2mValue` admits. */
export function isLwM2mValue(v: unknown): v is LwM2mValue {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'bigint' || t === 'boolean' || (v instanceof Date && !Number.isNaN(v.getTime())) || v instanceof Uint8Array;
}

// --- equality -------------------------------------------------------------------------------------------------

/** Value equality: Dates by time, byte arrays by content, numbers with `Object.is` except 0/-0, number vs bigint by value. */
export function valuesEqual(a: LwM2mValue, b: LwM2mValue): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
    // loose equality compares a number with a bigint by value
    return a == b;
  }
  return a === b;
}

/** Structural equality of two nodes (kinds, ids, children regardless of map order, values by `valuesEqual`). */
export function nodesEqual(a: LwM2mNode, b: LwM2mNode): boolean {
  if (a.kind !== b.kind || a.id !== b.id) return false;
  switch (a.kind) {
    case 'object':
      return mapsEqual(a.instances, (b as LwM2mObject).instances, nodesEqual);
    case 'objectInstance':
      return mapsEqual(a.resources, (b as LwM2mObjectInstance).resources, nodesEqual);
    case 'multipleResource':
      return mapsEqual(a.instances, (b as LwM2mMultipleResource).instances, valuesEqual);
    default:
      return valuesEqual(a.value, (b as typeof a).value);
  }
}

function mapsEqual<V>(a: ReadonlyMap<number, V>, b: ReadonlyMap<number, V>, eq: (x: V, y: V) => boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !eq(v, w)) return false;
  }
  return true;
}

/** Equality of two leaf lists as sets of (path, value); order does not matter. */
export function leavesEqual(a: readonly LwM2mLeaf[], b: readonly LwM2mLeaf[]): boolean {
  if (a.length !== b.length) return false;
  const byPath = new Map<string, LwM2mValue[]>();
  for (const l of a) {
    const key = l.path.toString();
    const list = byPath.get(key);
    if (list) list.push(l.value);
    else byPath.set(key, [l.value]);
  }
  for (const l of b) {
    const list = byPath.get(l.path.toString());
    const i = list ? list.findIndex((v) => valuesEqual(v, l.value)) : -1;
    if (i < 0) return false;
    list!.splice(i, 1);
  }
  return true;
}

/** Convenience for building leaves in code and tests: `leaf('/3/0/9', 95)`. */
export function leaf(path: string | LwM2mPath, value: LwM2mValue): LwM2mLeaf {
  return { path: typeof path === 'string' ? LwM2mPath.parse(path) : path, value };
}
