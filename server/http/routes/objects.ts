import type { FastifyInstance } from 'fastify';
import type { ObjectModel } from '../../../protocol/lwm2m/model.ts';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { ServerError } from '../../errors.ts';
import { authErrors, body, responses } from '../schemas.ts';

/** The JSON form of an object definition (resources as an array, in id order). */
export function objectDefinition(o: ObjectModel) {
  return {
    id: o.id,
    name: o.name,
    version: o.version,
    multiple: o.multiple,
    mandatory: o.mandatory,
    ...(o.urn !== undefined ? { urn: o.urn } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    resources: [...o.resources.values()].sort((a, b) => a.id - b.id),
  };
}

/** `GET /api/objects`, `GET /api/objects/{id}`: the object model the server names twin properties with (read-only). */
export async function objectRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const reader = requireRole(ctx.auth, 'reader');
  app.get(
    '/api/objects',
    { preHandler: reader, schema: { summary: 'Every known LwM2M object definition', tags: ['objects'], response: responses({ 200: body('ObjectList', 'Definitions in id order') }, authErrors) } },
    async () => ({ items: ctx.objects.objects().sort((a, b) => a.id - b.id).map(objectDefinition) }),
  );
  app.get(
    '/api/objects/:id',
    {
      preHandler: reader,
      schema: {
        summary: 'One LwM2M object definition',
        tags: ['objects'],
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 0, maximum: 65535 } } },
        response: responses({ 200: body('ObjectDefinition', 'The definition') }, [...authErrors, 404]),
      },
    },
    async (req) => {
      const { id } = req.params as { id: number };
      const o = ctx.objects.object(id);
      if (!o) throw ServerError.notFound(`unknown object ${id}: no definition is loaded`);
      return objectDefinition(o);
    },
  );
}
