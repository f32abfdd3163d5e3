import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { ServerError } from '../../errors.ts';
import { isObjectModelError } from '../../../objects/errors.ts';
import type { TwinSectionName } from '../../twin/twin-store.ts';
import { validateTwinPatch } from '../../twin/twin-patch.ts';
import { authErrors, body, bodyErrors, endpointName, endpointParam, responses } from '../schemas.ts';


/**
 * Which twin section and property segments a property parameter means. Accepted forms: a reported property name
 * (`device.batteryLevel`), an LwM2M path (`/3/0/9`), or a section-qualified name (`tags.location.plant`,
 * `desired.device.timezone`, `properties.reported.device.batteryLevel`).
 */
export function parsePropertyParam(ctx: ApiContext, raw: string): { section: TwinSectionName; property: string[] } {
  const text = raw.trim();
  if (text === '') throw ServerError.badRequest('property must not be empty');
  const qualified: Array<[string, TwinSectionName]> = [
    ['tags.', 'tags'],
    ['desired.', 'desired'],
    ['properties.desired.', 'desired'],
    ['reported.', 'reported'],
    ['properties.reported.', 'reported'],
  ];
  for (const [prefix, section] of qualified) {
    if (text.startsWith(prefix)) return { section, property: reportedSegments(ctx, text.slice(prefix.length), section) };
  }
  return { section: 'reported', property: reportedSegments(ctx, text, 'reported') };
}

function reportedSegments(ctx: ApiContext, text: string, section: TwinSectionName): string[] {
  if (section === 'tags') return text.split('.');
  try {
    return ctx.names.resolveProperty(text).propertyName.split('.');
  } catch (err) {
    // Names outside the object model (registration properties `lwm2m.*`, service properties) are used as written;
    // an unknown resource of a known object is an error.
    if (isObjectModelError(err, 'UNKNOWN_PROPERTY') && !text.includes('/') && !isKnownObject(ctx, text.split('.')[0])) return text.split('.');
    throw err;
  }
}

function isKnownObject(ctx: ApiContext, name: string): boolean {
  try {
    ctx.names.propertyToPath(name);
    return true;
  } catch {
    return false;
  }
}

/** Twins: `GET/PATCH /api/devices/{ep}/twin`, shallow reads `GET /api/devices/{ep}/properties/{property}`. */
export async function twinRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const reader = requireRole(ctx.auth, 'reader');
  const operator = requireRole(ctx.auth, 'operator');

  app.get('/api/devices/:ep/twin', { preHandler: reader, schema: { summary: 'The device twin', tags: ['twins'], params: endpointParam, response: responses({ 200: body('Twin', 'The twin; its ETag is also in the ETag header') }, [...authErrors, 404]) } }, async (req, reply) => {
    const { ep } = req.params as { ep: string };
    const twin = await ctx.twins.get(ep);
    if (!twin) throw ServerError.notFound(`unknown device ${JSON.stringify(ep)}: no twin`);
    return reply.header('etag', twin.etag).send(twin);
  });

  app.patch(
    '/api/devices/:ep/twin',
    {
      preHandler: operator,
      schema: {
        summary: 'Patch tags and desired properties (null deletes a key); If-Match guards against concurrent changes',
        tags: ['twins'],
        params: endpointParam,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 128 } } },
        body: {
          type: 'object',
          description: 'Only tags and properties.desired; null deletes a key; no arrays',
          additionalProperties: true,
          properties: {
            tags: { type: 'object', additionalProperties: true },
            properties: { type: 'object', additionalProperties: true, properties: { desired: { type: 'object', additionalProperties: true } } },
          },
        },
        response: responses({ 200: body('Twin', 'The patched twin') }, [...authErrors, ...bodyErrors, 404, 412]),
      },
    },
    async (req, reply) => {
      const { ep } = req.params as { ep: string };
      const patch = validateTwinPatch(req.body);
      const ifMatch = req.headers['if-match'];
      const { twin, changedDesired } = await ctx.twins.patch(ep, patch, ifMatch ? { ifMatch } : {});
      if (changedDesired.length > 0) ctx.onDesiredChanged?.(ep, changedDesired);
      ctx.events.publish('twinChanged', { version: twin.version, tags: patch.tags !== undefined, desired: changedDesired }, ep);
      return reply.header('etag', twin.etag).send(twin);
    },
  );

  app.get(
    '/api/devices/:ep/properties/:property',
    {
      preHandler: reader,
      schema: {
        summary: 'Shallow read: value, lastUpdated and source of one property from the twin, without touching the device',
        tags: ['twins'],
        params: { type: 'object', required: ['ep', 'property'], properties: { ep: endpointName, property: { type: 'string', minLength: 1, maxLength: 1024 } } },
        response: responses({ 200: body('PropertyValue', 'The value with its age and source') }, [...authErrors, 404]),
      },
    },
    async (req) => {
      const { ep, property } = req.params as { ep: string; property: string };
      const target = parsePropertyParam(ctx, property);
      const value = await ctx.twins.getProperty(ep, target.section, target.property);
      if (value) return { deviceId: ep, property: target.property.join('.'), section: target.section, ...value };
      if (!(await ctx.twins.get(ep))) throw ServerError.notFound(`unknown device ${JSON.stringify(ep)}: no twin`);
      throw ServerError.notFound(`device ${ep} has no ${target.section} value for ${target.property.join('.')} yet`);
    },
  );
}
