import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.ts';
import { requireRole } from '../guard.ts';
import { ServerError } from '../../errors.ts';
import { authErrors, body, bodyErrors, endpointName, responses } from '../schemas.ts';

const JOB_TYPES = ['deepRead', 'deepWrite', 'execute', 'firmwareUpdate', 'twinUpdate', 'observe', 'writeAttributes'];
const STATUSES = ['queued', 'scheduled', 'running', 'completed', 'failed', 'cancelled'];
const jobIdParam = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } } as const;

/** Jobs (Azure IoT Hub jobs doc): submit, inspect, list, cancel. Role operator. */
export async function jobRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const operator = requireRole(ctx.auth, 'operator');
  const jobs = () => {
    if (!ctx.jobs) throw new ServerError('CONFLICT', 'jobs are not enabled on this server', { httpStatus: 503 });
    return ctx.jobs;
  };

  app.post(
    '/api/jobs',
    {
      preHandler: operator,
      schema: {
        summary: 'Submit a job for one device (deviceId), a list (deviceIds) or a fleet (query: a WHERE condition)',
        tags: ['jobs'],
        body: {
          type: 'object',
          required: ['type'],
          additionalProperties: false,
          properties: {
            jobId: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
            type: { type: 'string', enum: JOB_TYPES },
            deviceId: endpointName,
            deviceIds: { type: 'array', items: endpointName, minItems: 1, maxItems: 100000 },
            query: { type: 'string', minLength: 1, maxLength: 8192 },
            property: { type: 'string', minLength: 1, maxLength: 1024 },
            value: {},
            args: { type: 'string', maxLength: 1024 },
            packageUri: { type: 'string', maxLength: 255 },
            packageSource: { type: 'string', maxLength: 4096 },
            patch: { type: 'object' },
            attributes: { type: 'object' },
            cancel: { type: 'boolean' },
            startTime: { type: 'string', format: 'date-time' },
            maxExecutionTimeSec: { type: 'integer', minimum: 1, maximum: 7 * 86400 },
            attempts: { type: 'integer', minimum: 1, maximum: 20 },
          },
        },
        response: responses({ 202: body('JobSubmitted', 'Accepted: the job runs in the background') }, [...authErrors, ...bodyErrors, 503]),
      },
    },
    async (req, reply) => {
      const res = await jobs().submit(req.body as Record<string, unknown>);
      ctx.events.publish('jobSubmitted', { jobId: res.jobId, type: (req.body as any).type });
      return reply.code(202).send(res);
    },
  );

  app.get(
    '/api/jobs',
    {
      preHandler: operator,
      schema: {
        summary: 'List jobs',
        tags: ['jobs'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { status: { type: 'string', enum: STATUSES }, type: { type: 'string', enum: JOB_TYPES }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 }, cursor: { type: 'string', maxLength: 512 } },
        },
        response: responses({ 200: body('JobPage', 'Jobs, newest first') }, [...authErrors, 503]),
      },
    },
    async (req) => {
      const page = (await jobs().list(req.query as any)) as { jobs: unknown[]; cursor?: string };
      return { items: page.jobs, ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
  );

  app.get(
    '/api/jobs/:id',
    {
      preHandler: operator,
      schema: {
        summary: 'Job status, counts, progress and per-device results',
        tags: ['jobs'],
        params: jobIdParam,
        querystring: { type: 'object', additionalProperties: false, properties: { resultsCursor: { type: 'string', maxLength: 512 }, resultsLimit: { type: 'integer', minimum: 1, maximum: 10000 } } },
        response: responses({ 200: body('JobView', 'The job and one page of per-device results') }, [...authErrors, 404, 503]),
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const job = await jobs().get(id, req.query as any);
      if (!job) throw ServerError.notFound(`unknown job ${JSON.stringify(id)}`);
      return job;
    },
  );

  app.delete('/api/jobs/:id', { preHandler: operator, schema: { summary: 'Cancel a job', tags: ['jobs'], params: jobIdParam, response: responses({ 200: body('JobView', 'The cancelled job') }, [...authErrors, 404, 409, 503]) } }, async (req) => {
    const { id } = req.params as { id: string };
    const res = await jobs().cancel(id);
    if (!res) throw ServerError.notFound(`unknown job ${JSON.stringify(id)}`);
    return res;
  });
}
