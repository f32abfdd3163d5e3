/**
 * The client side of the Bootstrap interface (OMA LwM2M TS Core 1.1 §5.2.7, §6.1): requests from the bootstrap server
 * while the client is bootstrapping. Bootstrap-Discover (`GET /` with Accept 40, 1.1), Bootstrap-Read (object 1 or 2,
 * 1.1), Bootstrap-Delete (`/`, `/O`, `/O/I`), Bootstrap-Write (`PUT /O/I` or `/O/I/R`: creates the instance if needed)
 * and Bootstrap-Finish (`POST /bs`). The bootstrap server's own Security instance is never deleted; instances the
 * device's firmware defines (objects without an instance factory, other than 0, 1 and 2) are kept by a Delete of `/`,
 * as a device re-creates them at once.
 */
import type { IncomingRequest, OutgoingResponse } from '../protocol/coap/types.ts';
import { ContentFormat } from '../protocol/lwm2m/content-format.ts';
import { serializeLinkFormat, type Link } from '../protocol/lwm2m/link-format.ts';
import type { LwM2mNode, LwM2mObjectInstance, LwM2mResource } from '../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { decodeNodeAs, encodeNodeAs } from './codecs.ts';
import type { DeviceContext } from './device-context.ts';
import { ClientError } from './errors.ts';
import type { ObjectInstance, ResourceValue } from './object-instance.ts';
import { readInstance } from './read-node.ts';
import { errorResponse } from './request-router.ts';
import { SimpleInstance, type ResourceSpec } from './simple-instance.ts';
import { writeNode } from './write-node.ts';

/** What the bootstrap operations need of the client. `LwM2mClient` implements it. */
export interface BootstrapContext extends DeviceContext {
  /** Bootstrap-Finish: 2.04 when the written configuration is usable (the client then registers), else 4.06. */
  finishBootstrap(): OutgoingResponse;
  /** Execute /1/x/8 on a written Server instance. */
  requestRegistrationUpdate(): void;
}

/** Objects whose instances the bootstrap server owns: Security, Server, Access Control. */
const BOOTSTRAP_OBJECTS = new Set([0, 1, 2]);

/** True for the bootstrap server's own Security instance (/0/x/1 Bootstrap-Server = true). */
export function isBootstrapAccount(instance: ObjectInstance): boolean {
  return instance.objectId === 0 && instance.read(1) === true;
}

function pathOf(segments: readonly string[]): LwM2mPath {
  const parts = segments.filter((s) => s !== '');
  if (parts.length > 3 || !parts.every((s) => /^\d{1,5}$/.test(s) && Number(s) <= 65535)) throw new ClientError('NOT_FOUND', `/${segments.join('/')} is not a bootstrap target`);
  return new LwM2mPath(...parts.map(Number));
}

function discover(ctx: BootstrapContext, path: LwM2mPath): OutgoingResponse {
  if (ctx.formats.version === '1.0') throw new ClientError('NOT_ALLOWED', 'Bootstrap-Discover needs LwM2M 1.1');
  if (!(path.isRoot() || path.isObject())) throw new ClientError('BAD_REQUEST', 'Bootstrap-Discover targets / or an object');
  const links: Link[] = path.isRoot() ? [{ uri: '/', attributes: { lwm2m: ctx.formats.version } }] : [];
  for (const objectId of ctx.tree.objectIds()) {
    if (path.objectId !== undefined && objectId !== path.objectId) continue;
    const instances = ctx.tree.instances(objectId);
    if (instances.length === 0) links.push({ uri: `/${objectId}`, attributes: {} });
    for (const inst of instances) {
      const attributes: Record<string, string> = {};
      const ssid = objectId === 0 ? (isBootstrapAccount(inst) ? undefined : inst.read(10)) : objectId === 1 ? inst.read(0) : undefined;
      if (ssid !== undefined) attributes.ssid = String(ssid);
      if (objectId === 0 && !isBootstrapAccount(inst) && typeof inst.read(0) === 'string') attributes.uri = inst.read(0) as string;
      links.push({ uri: `/${objectId}/${inst.instanceId}`, attributes });
    }
  }
  return { code: '2.05', contentFormat: ContentFormat.LINK, payload: Buffer.from(serializeLinkFormat(links)) };
}

function read(ctx: BootstrapContext, req: IncomingRequest, path: LwM2mPath): OutgoingResponse {
  if (ctx.formats.version === '1.0') throw new ClientError('NOT_ALLOWED', 'Bootstrap-Read needs LwM2M 1.1');
  if (path.isRoot() || (path.objectId !== 1 && path.objectId !== 2) || path.length > 2) throw new ClientError('NOT_ALLOWED', 'Bootstrap-Read is for the Server and Access Control objects');
  const instances = ctx.tree.instances(path.objectId!).filter((i) => path.objectInstanceId === undefined || i.instanceId === path.objectInstanceId);
  if (path.objectInstanceId !== undefined && instances.length === 0) throw new ClientError('NOT_FOUND', `${path} does not exist`);
  const node: LwM2mNode = path.isObjectInstance()
    ? readInstance(instances[0]!, ctx.model)
    : { kind: 'object', id: path.objectId!, instances: new Map(instances.map((i) => [i.instanceId, readInstance(i, ctx.model)])) };
  const cf = ctx.formats.responseFormat(req.accept, node);
  return { code: '2.05', contentFormat: cf, payload: encodeNodeAs(cf, node, path, ctx.model) };
}

function deletable(ctx: BootstrapContext, inst: ObjectInstance): boolean {
  if (isBootstrapAccount(inst)) return false;
  return BOOTSTRAP_OBJECTS.has(inst.objectId) || ctx.tree.factory(inst.objectId) !== undefined;
}

function remove(ctx: BootstrapContext, path: LwM2mPath): OutgoingResponse {
  if (path.length > 2) throw new ClientError('BAD_REQUEST', 'Bootstrap-Delete targets /, an object or an object instance');
  const targets = ctx.tree.all().filter((i) => (path.objectId === undefined || i.objectId === path.objectId) && (path.objectInstanceId === undefined || i.instanceId === path.objectInstanceId));
  if (path.isObjectInstance() && targets.length === 1 && !deletable(ctx, targets[0]!)) throw new ClientError('BAD_REQUEST', `${path} cannot be deleted`);
  let changed = false;
  for (const inst of [...targets]) {
    if (!deletable(ctx, inst)) continue;
    ctx.tree.remove(inst.objectId, inst.instanceId);
    inst.dispose();
    const at = new LwM2mPath(inst.objectId, inst.instanceId);
    ctx.attributes.clearUnder(at);
    ctx.notifier.removeUnder(at);
    changed = true;
  }
  if (changed) ctx.objectsChanged();
  return { code: '2.02' };
}

function resourceValue(r: LwM2mResource): ResourceValue {
  return r.kind === 'resource' ? r.value : r.instances;
}

/** A fresh instance of object 0, 1 or 2 holding the written resources (every resource writable by the bootstrap server). */
function bootstrapInstance(ctx: BootstrapContext, objectId: number, instanceId: number, resources: Iterable<LwM2mResource>): ObjectInstance {
  const specs: Record<number, ResourceValue | ResourceSpec> = {};
  for (const r of resources) specs[r.id] = resourceValue(r);
  if (objectId === 1) specs[8] = { execute: () => ctx.requestRegistrationUpdate() };
  return new SimpleInstance(objectId, instanceId, specs);
}

function instancesOf(node: LwM2mNode, path: LwM2mPath): LwM2mObjectInstance[] {
  if (node.kind === 'object') return [...node.instances.values()];
  if (node.kind === 'objectInstance') return [node];
  throw new ClientError('BAD_REQUEST', `payload is not an object instance for ${path}`);
}

function write(ctx: BootstrapContext, req: IncomingRequest, path: LwM2mPath): OutgoingResponse {
  if (path.isRoot()) throw new ClientError('BAD_REQUEST', 'Bootstrap-Write needs an object, object instance or resource');
  const cf = ctx.formats.requireDecodable(req.contentFormat);
  const node = decodeNodeAs(cf, req.payload, path, ctx.model);
  const objectId = path.objectId!;
  if (BOOTSTRAP_OBJECTS.has(objectId)) {
    if (path.isResource()) {
      if (node.kind !== 'resource' && node.kind !== 'multipleResource') throw new ClientError('BAD_REQUEST', `payload is not resource ${path}`);
      const existing = ctx.tree.get(objectId, path.objectInstanceId!);
      const resources = existing ? readInstance(existing, ctx.model).resources : new Map<number, LwM2mResource>();
      resources.set(node.id, node);
      ctx.tree.add(bootstrapInstance(ctx, objectId, path.objectInstanceId!, resources.values()));
    } else {
      for (const inst of instancesOf(node, path)) {
        if (objectId === 0 && ctx.tree.get(0, inst.id) && isBootstrapAccount(ctx.tree.get(0, inst.id)!)) throw new ClientError('BAD_REQUEST', `/0/${inst.id} is the bootstrap server's account`);
        ctx.tree.add(bootstrapInstance(ctx, objectId, inst.id, inst.resources.values()));
      }
    }
    ctx.objectsChanged();
    return { code: '2.04' };
  }
  // Other objects: the instance is created if the object has a factory, then written like a DM Write.
  if (path.objectInstanceId === undefined) throw new ClientError('BAD_REQUEST', `Bootstrap-Write of a whole object ${path} is for objects 0, 1 and 2`);
  if (!ctx.tree.get(objectId, path.objectInstanceId)) {
    const factory = ctx.tree.factory(objectId);
    if (!factory) throw new ClientError('NOT_FOUND', `/${objectId}/${path.objectInstanceId} does not exist and cannot be created`);
    ctx.tree.add(factory(path.objectInstanceId));
    ctx.objectsChanged();
  }
  writeNode(ctx.tree, path, node, 'replace', ctx.model);
  return { code: '2.04' };
}

function dispatch(ctx: BootstrapContext, req: IncomingRequest): OutgoingResponse {
  if (req.uriPath.length === 1 && req.uriPath[0] === 'bs') {
    if (req.method !== 'POST') throw new ClientError('NOT_ALLOWED', 'only POST (Bootstrap-Finish) on /bs');
    return ctx.finishBootstrap();
  }
  const path = pathOf(req.uriPath);
  switch (req.method) {
    case 'GET':
      return req.accept === ContentFormat.LINK ? discover(ctx, path) : read(ctx, req, path);
    case 'DELETE':
      return remove(ctx, path);
    case 'PUT':
      return write(ctx, req, path);
    default:
      throw new ClientError('NOT_ALLOWED', `${req.method} is not a bootstrap operation`);
  }
}

/** Answers one Bootstrap-interface request; refusals become their 4.xx code. Never throws. */
export function routeBootstrapRequest(ctx: BootstrapContext, req: IncomingRequest): OutgoingResponse {
  try {
    return dispatch(ctx, req);
  } catch (err) {
    return errorResponse(err);
  }
}
