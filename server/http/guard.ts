import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenAuth, type Role } from './auth.ts';
import { httpError } from './http-errors.ts';

/** A preHandler that admits requests whose bearer token has at least `role`: 401 without a valid token, 403 if too weak. */
export function requireRole(auth: TokenAuth, role: Role) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const have = auth.roleOf(request.headers.authorization);
    if (!have) {
      void reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send(httpError(401, 'UNAUTHORIZED', 'missing or invalid bearer token (Authorization: Bearer <token>)'));
      return reply;
    }
    if (!TokenAuth.allows(have, role)) {
      void reply.code(403).send(httpError(403, 'FORBIDDEN', `this token has role ${have}; this operation needs ${role}`));
      return reply;
    }
  };
}
