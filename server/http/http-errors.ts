/**
 * The HTTP edge's one answer shape for every error: `{ statusCode, code, error, message }` (Fastify's shape plus our
 * stable code). Every layer's error type is mapped here, in one function; anything unknown is a 500 and is logged.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isObjectModelError } from '../../objects/errors.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { isQueryError } from '../query/query-error.ts';
import { ServerError } from '../errors.ts';
import { isRedisUnavailableError } from '../store/redis-health.ts';

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

export function httpError(statusCode: number, code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details ? { details } : {}) };
}

/** Maps any thrown value to an error body. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof ServerError && !(err.code === 'INTERNAL' && isRedisUnavailableError(err.cause))) return httpError(err.httpStatus, err.code, err.message, err.details);
  if (isQueryError(err)) {
    const e = err as any;
    return httpError(400, e.code, e.message, e.position !== undefined ? { position: e.position, line: e.line, column: e.column } : undefined);
  }
  if (isObjectModelError(err)) return httpError(400, (err as any).code, (err as Error).message);
  if (err instanceof ProtocolError) return httpError(err.code === 'COAP_TIMEOUT' ? 504 : 400, err.code, err.message);
  const anyErr = err as any;
  // Errors of other layers (jobs/) carry their own code and httpStatus.
  if (anyErr && typeof anyErr.code === 'string' && typeof anyErr.httpStatus === 'number') return httpError(anyErr.httpStatus, anyErr.code, anyErr.message);
  // Fastify's own errors: schema validation, bad JSON, body too large, unsupported media type.
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.validation ? 'BAD_REQUEST' : (fe.code ?? 'BAD_REQUEST');
    return httpError(fe.statusCode, code, fe.validation ? `invalid request: ${fe.message}` : fe.message);
  }
  if (isRedisUnavailableError(err)) return httpError(503, 'STORE_UNAVAILABLE', 'Redis is unreachable; retry later');
  return httpError(500, 'INTERNAL', 'internal error');
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const body = toErrorBody(err);
  if (body.statusCode >= 500) request.log.error({ err }, 'request failed');
  void reply.code(body.statusCode).send(body);
}
