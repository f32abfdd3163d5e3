/** JSON schemas shared by several routes. */

/** An endpoint name (OMA TS Core 1.1 §6.2 Client Registration `ep`: at most 255 characters). */
export const endpointName = { type: 'string', minLength: 1, maxLength: 255 } as const;

/** Route params `{ep}`. */
export const endpointParam = { type: 'object', required: ['ep'], properties: { ep: endpointName } } as const;
