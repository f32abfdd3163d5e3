/**
 * JSON schemas shared by several routes, and the response schemas of the whole API. Fastify serialises every answer
 * with them and @fastify/swagger publishes them as `components.schemas` of `/api/docs`, so the document is the
 * contract the CLI and the console are typed against (api/openapi-types.ts, generated from it) and
 * test/e2e/api-contract.test.ts checks real answers against it.
 */
import type { FastifyInstance } from 'fastify';
import { MAX_ENDPOINT_LENGTH } from '../registration/register-params.ts';

/** An endpoint name, as Register accepts it (OMA TS Core 1.1 §6.2 Client Registration `ep`; at most MAX_ENDPOINT_LENGTH characters). */
export const endpointName = { type: 'string', minLength: 1, maxLength: MAX_ENDPOINT_LENGTH } as const;

/** Route params `{ep}`. */
export const endpointParam = { type: 'object', required: ['ep'], properties: { ep: endpointName } } as const;


const time = { type: 'string', format: 'date-time' } as const;
/** A free-form JSON object (twin sections, query rows): documented as such and serialised as is. */
const anyObject = { type: 'object', additionalProperties: true } as const;
const JOB_TYPES = ['deepRead', 'deepWrite', 'execute', 'firmwareUpdate', 'twinUpdate', 'observe', 'writeAttributes'] as const;
const JOB_STATUSES = ['queued', 'scheduled', 'running', 'completed', 'failed', 'cancelled'] as const;
const FIRMWARE_STAGES = ['downloading', 'downloaded', 'updating', 'done'] as const;

const JOB_SUMMARY_REQUIRED = ['jobId', 'type', 'status', 'target', 'createdAt', 'startTime', 'maxExecutionTimeSec', 'progress', 'counts'];
const JOB_SUMMARY_PROPERTIES = {
  jobId: { type: 'string' },
  type: { type: 'string', enum: JOB_TYPES },
  status: { type: 'string', enum: JOB_STATUSES },
  target: {
    type: 'object',
    required: ['kind'],
    additionalProperties: false,
    properties: { kind: { type: 'string', enum: ['device', 'devices', 'query'] }, deviceId: { type: 'string' }, query: { type: 'string' } },
  },
  createdAt: time,
  startTime: time,
  maxExecutionTimeSec: { type: 'integer' },
  startedAt: time,
  endedAt: time,
  progress: {
    type: 'object',
    required: ['percent'],
    additionalProperties: false,
    properties: { percent: { type: 'number', minimum: 0, maximum: 100 }, stage: { type: 'string', enum: FIRMWARE_STAGES } },
  },
  counts: { $ref: 'JobCounts#' },
};

/** The schemas every route refers to by `$ref: '<Name>#'`; they become `#/components/schemas/<Name>`. */
const SHARED_SCHEMAS = {
  ErrorBody: {
    description: 'The one error shape of the API',
    type: 'object',
    required: ['statusCode', 'code', 'error', 'message'],
    additionalProperties: false,
    properties: {
      statusCode: { type: 'integer' },
      code: { type: 'string', description: 'stable machine-readable code (NOT_FOUND, PRECONDITION_FAILED ...)' },
      error: { type: 'string', description: 'HTTP reason phrase' },
      message: { type: 'string' },
      details: anyObject,
    },
  },
  Device: {
    description: 'A registered device (its registration)',
    type: 'object',
    required: ['endpoint', 'registrationId', 'online', 'state', 'peer', 'lifetime', 'binding', 'queueMode', 'lwm2mVersion', 'security', 'rootPath', 'contentFormats', 'objectLinks', 'registeredAt', 'lastUpdate', 'expiresAt'],
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string' },
      registrationId: { type: 'string' },
      online: { type: 'boolean', description: 'reachable now (a queue-mode device is not while asleep)' },
      state: { type: 'string', enum: ['online', 'asleep'] },
      peer: { type: 'object', required: ['address', 'port'], additionalProperties: false, properties: { address: { type: 'string' }, port: { type: 'integer' } } },
      serverId: { type: 'string', description: 'the server process holding the device (the one its latest Register or Update reached)' },
      lifetime: { type: 'integer', description: 'seconds' },
      binding: { type: 'string' },
      queueMode: { type: 'boolean' },
      lwm2mVersion: { type: 'string', enum: ['1.0', '1.1', '1.2'] },
      security: { type: 'string', enum: ['psk', 'rpk', 'x509', 'nosec'], description: 'how the device authenticated its transport: DTLS with a PSK, raw public key or X.509 certificate, or plain CoAP (nosec)' },
      rootPath: { type: 'string' },
      contentFormats: { type: 'array', items: { type: 'integer' } },
      objectLinks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['objectId'],
          additionalProperties: false,
          properties: { objectId: { type: 'integer' }, instanceId: { type: 'integer' }, version: { type: 'string' } },
        },
      },
      registeredAt: time,
      lastUpdate: time,
      expiresAt: time,
    },
  },
  DevicePage: {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: { $ref: 'Device#' } }, cursor: { type: 'string', description: 'pass as `cursor` for the next page' } },
  },
  TwinSection: {
    description: 'Values of `properties.desired` or `properties.reported`, with `$metadata` (`$lastUpdated`, `$source`, `$lastUpdatedVersion` per node) and `$version`',
    type: 'object',
    required: ['$metadata', '$version'],
    additionalProperties: true,
    properties: { $metadata: anyObject, $version: { type: 'integer' } },
  },
  Twin: {
    description: 'The device twin (Azure IoT Hub device-twin shape)',
    type: 'object',
    required: ['deviceId', 'etag', 'version', 'status', 'connectionState', 'tags', 'properties', 'desiredSync'],
    additionalProperties: false,
    properties: {
      deviceId: { type: 'string' },
      etag: { type: 'string' },
      version: { type: 'integer' },
      status: { type: 'string', enum: ['enabled', 'disabled'] },
      connectionState: { type: 'string', enum: ['connected', 'disconnected', 'asleep'] },
      lastActivityTime: time,
      tags: anyObject,
      properties: {
        type: 'object',
        required: ['desired', 'reported'],
        additionalProperties: false,
        properties: { desired: { $ref: 'TwinSection#' }, reported: { $ref: 'TwinSection#' } },
      },
      desiredSync: {
        type: 'object',
        description: 'whether the device accepted each desired property that maps to a resource',
        additionalProperties: {
          type: 'object',
          required: ['status', 'desiredVersion', 'at'],
          additionalProperties: false,
          properties: { status: { type: 'string', enum: ['pending', 'accepted', 'rejected'] }, desiredVersion: { type: 'integer' }, at: time, error: { type: 'string' } },
        },
      },
      observationState: {
        type: 'object',
        description: 'observation set-up per object id ("3"), absent until twin sync first set observations up',
        additionalProperties: {
          type: 'object',
          required: ['status', 'at'],
          additionalProperties: false,
          properties: { status: { type: 'string', enum: ['pending', 'observing', 'failed'] }, at: time, reason: { type: 'string' }, retryAt: time },
        },
      },
    },
  },
  PropertyValue: {
    description: 'A shallow read: the server copy of one property',
    type: 'object',
    required: ['deviceId', 'property', 'section', 'value', 'lastUpdated'],
    additionalProperties: false,
    properties: {
      deviceId: { type: 'string' },
      property: { type: 'string' },
      section: { type: 'string', enum: ['reported', 'desired', 'tags'] },
      value: { description: 'a string, number, boolean or object' },
      lastUpdated: time,
      source: { type: 'string', enum: ['notify', 'read', 'send', 'register'] },
      lastUpdatedVersion: { type: 'integer' },
    },
  },
  QueryPage: {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: {
      items: { type: 'array', items: anyObject, description: 'twins, projections or aggregate rows' },
      continuationToken: { type: 'string', description: 'pass as `continuationToken` for the next page' },
    },
  },
  Health: {
    type: 'object',
    required: ['status', 'redis', 'devices'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: ['ok', 'degraded'] },
      redis: { type: 'string', enum: ['ok', 'unreachable', 'data-lost'], description: '`data-lost`: Redis was found to have lost its data within the last 10 minutes' },
      devices: { type: 'integer', nullable: true, description: 'registered devices; null when Redis is unreachable' },
      reasons: { type: 'array', items: { type: 'string' }, description: 'why the status is degraded (absent when ok)' },
    },
  },
  ResourceDefinition: {
    type: 'object',
    required: ['id', 'name', 'type', 'operations', 'multiple', 'mandatory'],
    additionalProperties: false,
    properties: {
      id: { type: 'integer' },
      name: { type: 'string', description: 'camelCase name used in twin property names' },
      type: { type: 'string', enum: ['string', 'integer', 'unsignedInteger', 'float', 'boolean', 'opaque', 'time', 'objlnk', 'corelnk', 'none'] },
      operations: { type: 'string', enum: ['', 'R', 'W', 'RW', 'E'] },
      multiple: { type: 'boolean' },
      mandatory: { type: 'boolean' },
      units: { type: 'string' },
      range: { type: 'object', required: ['min', 'max'], additionalProperties: false, properties: { min: { type: 'number' }, max: { type: 'number' } } },
      description: { type: 'string' },
    },
  },
  ObjectDefinition: {
    description: 'An LwM2M object definition (from its OMA DDF XML)',
    type: 'object',
    required: ['id', 'name', 'version', 'multiple', 'mandatory', 'resources'],
    additionalProperties: false,
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      version: { type: 'string' },
      multiple: { type: 'boolean' },
      mandatory: { type: 'boolean' },
      urn: { type: 'string' },
      description: { type: 'string' },
      resources: { type: 'array', items: { $ref: 'ResourceDefinition#' } },
    },
  },
  ObjectList: { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: { $ref: 'ObjectDefinition#' } } } },
  JobSubmitted: {
    type: 'object',
    required: ['jobId', 'created'],
    additionalProperties: false,
    properties: { jobId: { type: 'string' }, created: { type: 'boolean', description: 'false when a job with this jobId already existed' } },
  },
  JobCounts: {
    type: 'object',
    required: ['devices', 'pending', 'running', 'succeeded', 'failed', 'cancelled'],
    additionalProperties: false,
    properties: Object.fromEntries(['devices', 'pending', 'running', 'succeeded', 'failed', 'cancelled'].map((k) => [k, { type: 'integer' }])),
  },
  JobSummary: { type: 'object', required: JOB_SUMMARY_REQUIRED, additionalProperties: false, properties: JOB_SUMMARY_PROPERTIES },
  DeviceJobResult: {
    type: 'object',
    required: ['deviceId', 'status', 'attempts'],
    additionalProperties: false,
    properties: {
      deviceId: { type: 'string' },
      status: { type: 'string', enum: ['pending', 'running', 'succeeded', 'failed', 'cancelled'] },
      value: { description: 'deep read: the value(s) read; firmware update: `{updateResult, meaning}`' },
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: { code: { type: 'string' }, coapCode: { type: 'string' }, message: { type: 'string' } },
      },
      attempts: { type: 'integer' },
      startedAt: time,
      endedAt: time,
      stage: { type: 'string', enum: FIRMWARE_STAGES },
    },
  },
  JobView: {
    description: 'A job with one page of per-device results',
    type: 'object',
    required: [...JOB_SUMMARY_REQUIRED, 'results'],
    additionalProperties: false,
    properties: {
      ...JOB_SUMMARY_PROPERTIES,
      results: { type: 'array', items: { $ref: 'DeviceJobResult#' } },
      resultsCursor: { type: 'string', description: 'pass as `resultsCursor` for the next page' },
    },
  },
  JobPage: {
    type: 'object',
    required: ['items'],
    additionalProperties: false,
    properties: { items: { type: 'array', items: { $ref: 'JobSummary#' } }, cursor: { type: 'string', description: 'pass as `cursor` for the next page' } },
  },
} as const;

/** Names of the shared response schemas. */
export type SchemaName = keyof typeof SHARED_SCHEMAS;

/** Registers the shared schemas on the root instance (before any route plugin). */
export function addSharedSchemas(app: FastifyInstance): void {
  for (const [id, schema] of Object.entries(SHARED_SCHEMAS)) app.addSchema({ $id: id, ...schema });
}

const ERROR_MEANINGS: Record<number, string> = {
  400: 'Invalid request (schema, query syntax, unknown property ...)',
  401: 'Missing or invalid bearer token',
  403: 'The token role does not allow this operation',
  404: 'Not found',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current ETag (the twin changed meanwhile)',
  413: 'Request body too large',
  415: 'Unsupported content type',
  500: 'Internal error',
  502: 'The device answered with an error',
  503: 'Unavailable (Redis unreachable, jobs disabled, overloaded)',
  504: 'The device or a dependency did not answer in time',
};

/** A JSON body of a shared schema, with the response description. */
export function body(name: SchemaName, description: string) {
  return { description, $ref: `${name}#` };
}

/**
 * The `response` part of a route schema: the success answers plus one `ErrorBody` per listed error status; 500 is
 * always listed. Authenticated routes list 401 and 403 through `authErrors`.
 */
export function responses(success: Record<number, unknown>, errorStatuses: readonly number[] = []): Record<number, unknown> {
  const out: Record<number, unknown> = { ...success };
  for (const status of [...new Set([...errorStatuses, 500])].sort()) out[status] = { description: ERROR_MEANINGS[status] ?? 'Error', $ref: 'ErrorBody#' };
  return out;
}

/** The errors of every route behind a bearer token (a bad query string or parameter is a 400). */
export const authErrors = [400, 401, 403] as const;
/** The errors of a route with a JSON body: too large, not JSON. */
export const bodyErrors = [413, 415] as const;
