import type { OutgoingRequest } from '../protocol/coap/types.ts';
import { ContentFormat } from '../protocol/lwm2m/content-format.ts';
import { serializeLinkFormat, type Link } from '../protocol/lwm2m/link-format.ts';
import type { ModelLookup } from '../protocol/lwm2m/model.ts';
import { ClientError } from './errors.ts';
import type { LwM2mVersion } from './content-formats.ts';
import type { ObjectTree } from './object-tree.ts';

/**
 * The Register/Update link payload (OMA TS Core 1.1 §6.2.1):
 * `</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>,</3>;ver=1.2,</3/0>,...`. Object 0 is never listed; `ver` marks
 * objects whose version is not 1.0 (1.1 only); the root `ct` is one value in 1.0 and a quoted list in 1.1.
 */
export function registrationPayload(tree: ObjectTree, model: ModelLookup, version: LwM2mVersion, formats: readonly number[]): string {
  const ct = version === '1.0' ? String(formats[0]) : formats.join(' ');
  const links: Link[] = [{ uri: '/', attributes: { rt: 'oma.lwm2m', ct } }];
  for (const objectId of tree.objectIds()) {
    if (objectId === 0) continue;
    const ver = version === '1.1' ? model.object(objectId)?.version : undefined;
    const instances = tree.instances(objectId);
    if (ver !== undefined && ver !== '1.0') links.push({ uri: `/${objectId}`, attributes: { ver } });
    else if (instances.length === 0) links.push({ uri: `/${objectId}`, attributes: {} });
    for (const inst of instances) links.push({ uri: `/${objectId}/${inst.instanceId}`, attributes: {} });
  }
  return serializeLinkFormat(links);
}

/** Binding text as sent in `b=` (OMA TS Core 1.1 §6.2 Client Registration): 1.0 folds queue mode in (`UQ`); 1.1 forbids Q (sent as the `Q` flag). */
export function bindingParam(binding: string, version: LwM2mVersion, queueMode: boolean): string {
  if (version === '1.1') {
    if (!/^[UTSN]+$/.test(binding)) throw new ClientError('INVALID_OPTIONS', `binding "${binding}" is not a 1.1 binding (letters U, T, S, N; queue mode is the Q flag)`);
    return binding;
  }
  if (!['U', 'UQ', 'S', 'SQ', 'US', 'UQS'].includes(binding)) throw new ClientError('INVALID_OPTIONS', `binding "${binding}" is not a 1.0 binding`);
  if (!queueMode || binding.includes('Q')) return binding;
  return binding === 'US' ? 'UQS' : binding + 'Q';
}

/** Register query (OMA TS Core 1.1 §6.2.1): `ep`, `lt`, `lwm2m`, `b`, and `Q` for a 1.1 client in queue mode. */
export function registerQuery(endpointName: string, lifetime: number, version: LwM2mVersion, binding: string, queueMode: boolean): string[] {
  const q = [`ep=${endpointName}`, `lt=${lifetime}`, `lwm2m=${version}`, `b=${bindingParam(binding, version, queueMode)}`];
  if (version === '1.1' && queueMode) q.push('Q');
  return q;
}

/** What a Register needs to say about the client. */
export interface RegistrationParams {
  endpointName: string;
  lifetime: number;
  version: LwM2mVersion;
  binding: string;
  queueMode: boolean;
  tree: ObjectTree;
  model: ModelLookup;
  formats: readonly number[];
}

/** Register: `POST /rd?ep&lt&lwm2m&b[&Q]` with the object links (OMA TS Core 1.1 §6.2.1). */
export function registerRequest(p: RegistrationParams): OutgoingRequest {
  return {
    method: 'POST',
    uriPath: ['rd'],
    uriQuery: registerQuery(p.endpointName, p.lifetime, p.version, p.binding, p.queueMode),
    contentFormat: ContentFormat.LINK,
    payload: Buffer.from(registrationPayload(p.tree, p.model, p.version, p.formats)),
  };
}

/**
 * Update: `POST /rd/{id}` carrying only what changed (OMA TS Core 1.1 §6.2.2): `lt`, `b`, and the object links when
 * instances were added or removed; an empty Update just refreshes the lifetime (and signals "awake" in queue mode).
 */
export function updateRequest(location: readonly string[], p: RegistrationParams, changed: { lifetime: boolean; binding: boolean; objects: boolean }): OutgoingRequest {
  const uriQuery: string[] = [];
  if (changed.lifetime) uriQuery.push(`lt=${p.lifetime}`);
  if (changed.binding) uriQuery.push(`b=${bindingParam(p.binding, p.version, p.queueMode)}`);
  const req: OutgoingRequest = { method: 'POST', uriPath: [...location], uriQuery };
  if (changed.objects) {
    req.contentFormat = ContentFormat.LINK;
    req.payload = Buffer.from(registrationPayload(p.tree, p.model, p.version, p.formats));
  }
  return req;
}
