import type { IncomingRequest, OutgoingResponse } from '../protocol/coap/types.ts';
import { ContentFormat } from '../protocol/lwm2m/content-format.ts';
import { LwM2mPath } from '../protocol/lwm2m/path.ts';
import type { DeviceContext } from './device-context.ts';
import { ClientError, coapCodeOf, isClientError } from './errors.ts';
import { handleReadComposite, handleWriteComposite } from './operations/composite.ts';
import { handleCreate } from './operations/create.ts';
import { handleDelete } from './operations/delete.ts';
import { handleDiscover } from './operations/discover.ts';
import { handleExecute } from './operations/execute.ts';
import { handleObserve, handleObserveComposite } from './operations/observe.ts';
import { handleRead } from './operations/read.ts';
import { handleWriteAttributes } from './operations/write-attributes.ts';
import { handleWrite } from './operations/write.ts';

/** An error answer with the reason as diagnostic payload (RFC 7252 §5.5.2). */
export function errorResponse(err: unknown): OutgoingResponse {
  if (isClientError(err)) return { code: coapCodeOf(err.code), payload: Buffer.from(err.message.slice(0, 200)) };
  return { code: '5.00', payload: Buffer.from('internal error') };
}

/** Uri-Path → LwM2M path; anything that is not an LwM2M path names nothing on this device (4.04). */
function pathOf(segments: readonly string[]): LwM2mPath {
  const parts = segments.filter((s) => s !== '');
  if (parts.length > 4 || !parts.every((s) => /^\d{1,5}$/.test(s) && Number(s) <= 65535)) {
    throw new ClientError('NOT_FOUND', `/${segments.join('/')} is not an LwM2M path`);
  }
  return new LwM2mPath(...parts.map(Number));
}

function dispatch(ctx: DeviceContext, req: IncomingRequest): OutgoingResponse | Promise<OutgoingResponse> {
  const path = pathOf(req.uriPath);
  const v11 = ctx.formats.version !== '1.0';
  switch (req.method) {
    case 'GET':
      if (req.accept === ContentFormat.LINK) return handleDiscover(ctx, path);
      if (req.observe === 0 || req.observe === 1) return handleObserve(ctx, req, path);
      return handleRead(ctx, req, path);
    case 'PUT':
      if (req.uriQuery.length > 0 && req.payload.length === 0) return handleWriteAttributes(ctx, req, path);
      return handleWrite(ctx, req, path, 'replace');
    case 'POST':
      if (path.isObject()) return handleCreate(ctx, req, path);
      if (path.isObjectInstance()) return handleWrite(ctx, req, path, 'update');
      if (path.isResource()) {
        const rm = ctx.model.resource(path.objectId!, path.resourceId!);
        if (v11 && req.contentFormat !== undefined && rm?.multiple && rm.operations.includes('W')) return handleWrite(ctx, req, path, 'update');
        return handleExecute(ctx, req, path);
      }
      throw new ClientError('NOT_ALLOWED', `POST on ${path} is not allowed`);
    case 'DELETE':
      return handleDelete(ctx, path);
    case 'FETCH':
      if (!v11) break;
      if (req.observe === 0 || req.observe === 1) return handleObserveComposite(ctx, req);
      return handleReadComposite(ctx, req);
    case 'iPATCH':
      if (!v11) break;
      return handleWriteComposite(ctx, req);
  }
  throw new ClientError('NOT_ALLOWED', `${req.method} is not an LwM2M ${ctx.formats.version} operation`);
}

/**
 * Answers one Device Management / Information Reporting request (OMA TS Core 1.1 §6.3, §6.4). Refusals become
 * their 4.xx code; an unexpected failure becomes 5.00. Never throws.
 */
export function routeRequest(ctx: DeviceContext, req: IncomingRequest): OutgoingResponse | Promise<OutgoingResponse> {
  try {
    const res = dispatch(ctx, req);
    if (res instanceof Promise) return res.catch(errorResponse);
    return res;
  } catch (err) {
    return errorResponse(err);
  }
}
