/** JSON schemas shared by several routes. */

/** An endpoint name (SPEC §A1 `ep`: at most 255 characters). */
export const endpointName = { type: 'string', minLength: 1, maxLength: 255 } as const;

/** Route params `{ep}`. */
export const endpointParam = { type: 'object', required: ['ep'], properties: { ep: endpointName } } as const;
