import type { IncomingResponse } from '../../../protocol/coap/types.ts';
import { codecFor, decodeLeaves, decodeNode } from '../../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import type { LwM2mLeaf, LwM2mNode } from '../../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { isProtocolError } from '../../../protocol/errors.ts';
import { ServerError } from '../../errors.ts';
import { announcedFormats, selectContentFormat, type PayloadShape } from '../content-format-selection.ts';
import { deviceAnswerError, deviceBadAnswerError } from '../device-errors.ts';
import type { DownlinkContext } from './downlink-request.ts';

/** True when the server has a codec for `cf`. */
export function hasCodec(cf: number): boolean {
  try {
    codecFor(cf);
    return true;
  } catch {
    return false;
  }
}

/** True when the server can encode several paths in `cf` (composite operations). */
export function hasCompositeCodec(cf: number): boolean {
  return hasCodec(cf) && codecFor(cf).composite && (cf === ContentFormat.SENML_JSON || cf === ContentFormat.SENML_CBOR);
}

/** The format for a request to the device of `ctx` (see `selectContentFormat`). */
export function formatFor(ctx: DownlinkContext, shape: PayloadShape): number | undefined {
  return selectContentFormat(ctx.registration, shape, shape === 'composite' ? hasCompositeCodec : hasCodec);
}

/**
 * The Accept option of a Read/Observe and the format the answer is expected in. The Accept is sent only for a format
 * the device announced (or the caller asked for): a client that announced nothing chooses its format itself (OMA TS
 * Core §6.3.1), and some 1.0 clients (lwm2m-node-lib) do not answer an Accept they do not know. The expected format
 * is used to read an answer that comes without Content-Format.
 */
export function readFormats(ctx: DownlinkContext, shape: PayloadShape, requested: number | undefined): { accept?: number; expected?: number } {
  if (requested !== undefined) return { accept: requested, expected: requested };
  const expected = formatFor(ctx, shape);
  if (expected === undefined) return {};
  return announcedFormats(ctx.registration).has(expected) ? { accept: expected, expected } : { expected };
}

/** Parses a path given as text or LwM2mPath; a malformed one is BAD_REQUEST. */
export function toPath(path: string | LwM2mPath): LwM2mPath {
  if (path instanceof LwM2mPath) return path;
  try {
    return LwM2mPath.parse(path);
  } catch (err) {
    throw new ServerError('BAD_REQUEST', isProtocolError(err) ? err.message : `invalid path ${String(path)}`, { details: { path: String(path) }, cause: err });
  }
}

/** Throws BAD_REQUEST unless `path` has one of the allowed lengths (1 = object ... 4 = resource instance). */
export function requireLevels(operation: string, path: LwM2mPath, levels: readonly number[], what: string): void {
  if (!levels.includes(path.length)) throw ServerError.badRequest(`${operation} needs ${what}, not ${path.toString()}`, { path: path.toString() });
}

/** Throws the device's error unless it answered `expected`. */
export function expectCode(response: IncomingResponse, expected: string, ctx: DownlinkContext, description: string): void {
  if (response.code !== expected) throw deviceAnswerError(ctx.registration.endpoint, description, response);
}

/**
 * The format of an answer: its Content-Format, or, when the device sent none (lwm2m-node-lib does), text/plain for a
 * single value and otherwise the format asked for.
 */
export function answerFormat(response: IncomingResponse, path: LwM2mPath | undefined, asked: number | undefined, ctx: DownlinkContext, description: string): number {
  if (response.contentFormat !== undefined) return response.contentFormat;
  if (path && (path.isResource() || path.isResourceInstance())) return ContentFormat.TEXT;
  if (asked !== undefined) return asked;
  throw deviceBadAnswerError(ctx.registration.endpoint, description, 'the answer has no Content-Format');
}

/** Decodes the node at `path` from a 2.05 answer. */
export function decodeAnswerNode(response: IncomingResponse, path: LwM2mPath, asked: number | undefined, ctx: DownlinkContext, description: string): { node: LwM2mNode; contentFormat: number } {
  const cf = answerFormat(response, path, asked, ctx, description);
  try {
    return { node: decodeNode(cf, response.payload, path, ctx.model), contentFormat: cf };
  } catch (err) {
    throw deviceBadAnswerError(ctx.registration.endpoint, description, err instanceof Error ? err.message : String(err), err);
  }
}

/** Decodes the leaves of an answer under `basePath` (any path for composite answers when undefined). */
export function decodeAnswerLeaves(response: IncomingResponse, basePath: LwM2mPath | undefined, asked: number | undefined, ctx: DownlinkContext, description: string): { leaves: LwM2mLeaf[]; contentFormat: number } {
  const cf = answerFormat(response, basePath, asked, ctx, description);
  try {
    return { leaves: decodeLeaves(cf, response.payload, ctx.model, basePath), contentFormat: cf };
  } catch (err) {
    throw deviceBadAnswerError(ctx.registration.endpoint, description, err instanceof Error ? err.message : String(err), err);
  }
}

/** The Uri-Path of `path` under the device's alternate root path, if it announced one (OMA TS Core 1.1 §6.2 Client Registration). */
export function uriPath(ctx: DownlinkContext, path: LwM2mPath): string[] {
  return path.segments(ctx.registration.rootPath);
}
