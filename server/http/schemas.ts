/** JSON schemas shared by several routes. */
import { MAX_ENDPOINT_LENGTH } from '../registration/register-params.ts';

/** An endpoint name, as Register accepts it (OMA TS Core 1.1 §6.2 Client Registration `ep`; at most MAX_ENDPOINT_LENGTH characters). */
export const endpointName = { type: 'string', minLength: 1, maxLength: MAX_ENDPOINT_LENGTH } as const;

/** Route params `{ep}`. */
export const endpointParam = { type: 'object', required: ['ep'], properties: { ep: endpointName } } as const;

/** The one error answer `{statusCode, code, error, message}` (http-errors.ts), for route response schemas. */
export const errorBody = {
  type: 'object',
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;
