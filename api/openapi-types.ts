/**
 * Types of the lwtwin HTTP API, generated from its OpenAPI document (`/api/docs`) by openapi-typescript.
 * Do not edit: run `npm run generate:api` after changing a route schema.
 */
export interface paths {
    "/api/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Health of this server process */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Healthy, or degraded after Redis lost its data */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Health"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Redis is unreachable */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Health"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prometheus text exposition format */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List registered devices */
        get: {
            parameters: {
                query?: {
                    online?: boolean;
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of registrations */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DevicePage"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/{ep}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One registration */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The registration */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Device"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/{ep}/twin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The device twin */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The twin; its ETag is also in the ETag header */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Twin"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Patch tags and desired properties (null deletes a key); If-Match guards against concurrent changes */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    "if-match"?: string;
                };
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            /** @description Only tags and properties.desired; null deletes a key; no arrays */
            requestBody: {
                content: {
                    "application/json": {
                        tags?: {
                            [key: string]: unknown;
                        };
                        properties?: {
                            desired?: {
                                [key: string]: unknown;
                            };
                        } & {
                            [key: string]: unknown;
                        };
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            responses: {
                /** @description The patched twin */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Twin"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description If-Match does not match the current ETag (the twin changed meanwhile) */
                412: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/devices/{ep}/properties/{property}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Shallow read: value, lastUpdated and source of one property from the twin, without touching the device */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                    property: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The value with its age and source */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PropertyValue"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/query": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Query twins: SELECT ... FROM devices [WHERE ...] [GROUP BY ...] */
        post: {
            parameters: {
                query?: never;
                header?: {
                    "x-ms-max-item-count"?: number;
                    "x-ms-continuation"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        query: string;
                        pageSize?: number;
                        continuationToken?: string;
                    };
                };
            };
            responses: {
                /** @description One page of rows */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["QueryPage"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live events as text/event-stream */
        get: {
            parameters: {
                query?: {
                    deviceId?: string;
                    types?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Server-sent events: `event: <type>` and `data: {type, deviceId?, time, data}` per event */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List jobs */
        get: {
            parameters: {
                query?: {
                    status?: "queued" | "scheduled" | "running" | "completed" | "failed" | "cancelled";
                    type?: "deepRead" | "deepWrite" | "execute" | "firmwareUpdate" | "twinUpdate" | "observe" | "writeAttributes";
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Jobs, newest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobPage"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unavailable (Redis unreachable, jobs disabled, overloaded) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        /** Submit a job for one device (deviceId), a list (deviceIds) or a fleet (query: a WHERE condition) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        jobId?: string;
                        /** @enum {string} */
                        type: "deepRead" | "deepWrite" | "execute" | "firmwareUpdate" | "twinUpdate" | "observe" | "writeAttributes";
                        deviceId?: string;
                        deviceIds?: string[];
                        query?: string;
                        property?: string;
                        value?: unknown;
                        args?: string;
                        packageUri?: string;
                        packageSource?: string;
                        patch?: Record<string, never>;
                        attributes?: Record<string, never>;
                        cancel?: boolean;
                        /** Format: date-time */
                        startTime?: string;
                        maxExecutionTimeSec?: number;
                        attempts?: number;
                    };
                };
            };
            responses: {
                /** @description Accepted: the job runs in the background */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobSubmitted"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unavailable (Redis unreachable, jobs disabled, overloaded) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Job status, counts, progress and per-device results */
        get: {
            parameters: {
                query?: {
                    resultsCursor?: string;
                    resultsLimit?: number;
                };
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The job and one page of per-device results */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobView"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unavailable (Redis unreachable, jobs disabled, overloaded) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Cancel a job */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The cancelled job */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["JobView"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Conflict with the current state */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unavailable (Redis unreachable, jobs disabled, overloaded) */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/devices/{ep}/security": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Mode and PSK identity (or public-key fingerprint) of a device; never a key */
        get: {
            parameters: {
                query?: {
                    /** @description which credentials: `dm` for the LwM2M (device management) server, `bootstrap` for the bootstrap server */
                    server?: "dm" | "bootstrap";
                };
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The entry (never the key) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: string;
                            /** @enum {string} */
                            mode: "psk" | "rpk" | "x509";
                            /** @description PSK identity (mode psk) */
                            identity?: string;
                            /** @description `sha256:<hex>` of the SubjectPublicKeyInfo DER (mode rpk) */
                            publicKeyFingerprint?: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        /** Set the DTLS credentials of a device (admin); 409 if the PSK identity or public key belongs to another endpoint */
        put: {
            parameters: {
                query?: {
                    /** @description which credentials: `dm` for the LwM2M (device management) server, `bootstrap` for the bootstrap server */
                    server?: "dm" | "bootstrap";
                };
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            /** @description `{"mode":"psk","identity":"<utf-8, ≤ 128 bytes>","key":"<hex, 16 to 64 bytes>"}`, `{"mode":"rpk","publicKey":"<PEM of a P-256 public key>"}` or `{"mode":"x509"}` (certificate whose CN is the endpoint name) */
            requestBody: {
                content: {
                    "application/json": {
                        /** @enum {string} */
                        mode: "psk" | "rpk" | "x509";
                        identity?: string;
                        key?: string;
                        publicKey?: string;
                    };
                };
            };
            responses: {
                /** @description The stored entry (never the key) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            endpoint: string;
                            /** @enum {string} */
                            mode: "psk" | "rpk" | "x509";
                            /** @description PSK identity (mode psk) */
                            identity?: string;
                            /** @description `sha256:<hex>` of the SubjectPublicKeyInfo DER (mode rpk) */
                            publicKeyFingerprint?: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Conflict with the current state */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        post?: never;
        /** Remove the DTLS credentials of a device (admin) */
        delete: {
            parameters: {
                query?: {
                    /** @description which credentials: `dm` for the LwM2M (device management) server, `bootstrap` for the bootstrap server */
                    server?: "dm" | "bootstrap";
                };
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed (no body) */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/security": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List security entries in endpoint order, page by page; never a key */
        get: {
            parameters: {
                query?: {
                    /** @description which credentials: `dm` for the LwM2M (device management) server, `bootstrap` for the bootstrap server */
                    server?: "dm" | "bootstrap";
                    limit?: number;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description One page of entries */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                endpoint: string;
                                /** @enum {string} */
                                mode: "psk" | "rpk" | "x509";
                                /** @description PSK identity (mode psk) */
                                identity?: string;
                                /** @description `sha256:<hex>` of the SubjectPublicKeyInfo DER (mode rpk) */
                                publicKeyFingerprint?: string;
                                /** Format: date-time */
                                updatedAt: string;
                            }[];
                            cursor?: string;
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/objects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every known LwM2M object definition */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Definitions in id order */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ObjectList"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/objects/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One LwM2M object definition */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The definition */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ObjectDefinition"];
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/bootstrap/{ep}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The bootstrap configuration of one endpoint; never a key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The configuration (never a key) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            server?: {
                                [key: string]: unknown;
                            };
                            security?: {
                                mode?: string;
                                identity?: string;
                                generate?: boolean;
                            };
                            writes?: {
                                path?: string;
                                value?: unknown;
                            }[];
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        /** Set the bootstrap configuration of one endpoint (admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            /** @description What the bootstrap server writes: the DM server account, its security (`{"mode":"nosec"}`, `{"mode":"psk","identity":"…","key":"<hex>"}` or `{"mode":"psk","generate":true}`) and optional extra writes */
            requestBody: {
                content: {
                    "application/json": {
                        server: {
                            /** @description coap://host[:port] (nosec) or coaps://host[:port] (psk) */
                            uri: string;
                            /** @default 1 */
                            shortServerId?: number;
                            /** @default 300 */
                            lifetime?: number;
                            /** @default U */
                            binding?: string;
                            defaultPmin?: number;
                            defaultPmax?: number;
                        };
                        security?: {
                            /** @enum {string} */
                            mode: "nosec" | "psk";
                            identity?: string;
                            key?: string;
                            generate?: boolean;
                        };
                        writes?: {
                            path: string;
                            value: unknown;
                        }[];
                    };
                };
            };
            responses: {
                /** @description The stored configuration (never a key) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            server?: {
                                [key: string]: unknown;
                            };
                            security?: {
                                mode?: string;
                                identity?: string;
                                generate?: boolean;
                            };
                            writes?: {
                                path?: string;
                                value?: unknown;
                            }[];
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        post?: never;
        /** Remove the bootstrap configuration of one endpoint (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/bootstrap": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The bootstrap configuration applied to endpoints without their own; never a key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The configuration (never a key) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            server?: {
                                [key: string]: unknown;
                            };
                            security?: {
                                mode?: string;
                                identity?: string;
                                generate?: boolean;
                            };
                            writes?: {
                                path?: string;
                                value?: unknown;
                            }[];
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        /** Set the bootstrap configuration applied to endpoints without their own (admin) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            /** @description What the bootstrap server writes: the DM server account, its security (`{"mode":"nosec"}`, `{"mode":"psk","identity":"…","key":"<hex>"}` or `{"mode":"psk","generate":true}`) and optional extra writes */
            requestBody: {
                content: {
                    "application/json": {
                        server: {
                            /** @description coap://host[:port] (nosec) or coaps://host[:port] (psk) */
                            uri: string;
                            /** @default 1 */
                            shortServerId?: number;
                            /** @default 300 */
                            lifetime?: number;
                            /** @default U */
                            binding?: string;
                            defaultPmin?: number;
                            defaultPmax?: number;
                        };
                        security?: {
                            /** @enum {string} */
                            mode: "nosec" | "psk";
                            identity?: string;
                            key?: string;
                            generate?: boolean;
                        };
                        writes?: {
                            path: string;
                            value: unknown;
                        }[];
                    };
                };
            };
            responses: {
                /** @description The stored configuration (never a key) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            server?: {
                                [key: string]: unknown;
                            };
                            security?: {
                                mode?: string;
                                identity?: string;
                                generate?: boolean;
                            };
                            writes?: {
                                path?: string;
                                value?: unknown;
                            }[];
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Request body too large */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Unsupported content type */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        post?: never;
        /** Remove the bootstrap configuration applied to endpoints without their own (admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Not found */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/bootstrap/{ep}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An endpoint's bootstrap sessions, newest first, with their outcome and steps */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    ep: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Sessions, newest first */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items?: {
                                sessionId?: string;
                                endpoint?: string;
                                peer?: string;
                                /** @enum {string} */
                                config?: "endpoint" | "default";
                                lwm2mVersion?: string;
                                contentFormat?: number;
                                /** Format: date-time */
                                startedAt?: string;
                                /** Format: date-time */
                                endedAt?: string;
                                /** @enum {string} */
                                outcome?: "finished" | "refused" | "timeout" | "failed" | "superseded" | "denied";
                                error?: string;
                                pskIdentity?: string;
                                steps?: {
                                    operation?: string;
                                    path?: string;
                                    code?: string;
                                    ms?: number;
                                }[];
                            }[];
                        };
                    };
                };
                /** @description Invalid request (schema, query syntax, unknown property ...) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Missing or invalid bearer token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description The token role does not allow this operation */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
                /** @description Internal error */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ErrorBody"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description The one error shape of the API */
        ErrorBody: {
            statusCode: number;
            /** @description stable machine-readable code (NOT_FOUND, PRECONDITION_FAILED ...) */
            code: string;
            /** @description HTTP reason phrase */
            error: string;
            message: string;
            details?: {
                [key: string]: unknown;
            };
        };
        /** @description A registered device (its registration) */
        Device: {
            endpoint: string;
            registrationId: string;
            /** @description reachable now (a queue-mode device is not while asleep) */
            online: boolean;
            /** @enum {string} */
            state: "online" | "asleep";
            peer: {
                address: string;
                port: number;
            };
            /** @description the server process holding the device (the one its latest Register or Update reached) */
            serverId?: string;
            /** @description seconds */
            lifetime: number;
            binding: string;
            queueMode: boolean;
            /** @enum {string} */
            lwm2mVersion: "1.0" | "1.1" | "1.2";
            /**
             * @description how the device authenticated its transport: DTLS with a PSK, raw public key or X.509 certificate, or plain CoAP (nosec)
             * @enum {string}
             */
            security: "psk" | "rpk" | "x509" | "nosec";
            rootPath: string;
            contentFormats: number[];
            objectLinks: {
                objectId: number;
                instanceId?: number;
                version?: string;
            }[];
            /** Format: date-time */
            registeredAt: string;
            /** Format: date-time */
            lastUpdate: string;
            /** Format: date-time */
            expiresAt: string;
        };
        DevicePage: {
            items: components["schemas"]["Device"][];
            /** @description pass as `cursor` for the next page */
            cursor?: string;
        };
        /** @description Values of `properties.desired` or `properties.reported`, with `$metadata` (`$lastUpdated`, `$source`, `$lastUpdatedVersion` per node) and `$version` */
        TwinSection: {
            $metadata: {
                [key: string]: unknown;
            };
            $version: number;
        } & {
            [key: string]: unknown;
        };
        /** @description The device twin (Azure IoT Hub device-twin shape) */
        Twin: {
            deviceId: string;
            etag: string;
            version: number;
            /** @enum {string} */
            status: "enabled" | "disabled";
            /** @enum {string} */
            connectionState: "connected" | "disconnected" | "asleep";
            /** Format: date-time */
            lastActivityTime?: string;
            tags: {
                [key: string]: unknown;
            };
            properties: {
                desired: components["schemas"]["TwinSection"];
                reported: components["schemas"]["TwinSection"];
            };
            /** @description whether the device accepted each desired property that maps to a resource */
            desiredSync: {
                [key: string]: {
                    /** @enum {string} */
                    status: "pending" | "accepted" | "rejected";
                    desiredVersion: number;
                    /** Format: date-time */
                    at: string;
                    error?: string;
                };
            };
            /** @description observation set-up per object id ("3"), absent until twin sync first set observations up */
            observationState?: {
                [key: string]: {
                    /** @enum {string} */
                    status: "pending" | "observing" | "failed";
                    /** Format: date-time */
                    at: string;
                    reason?: string;
                    /** Format: date-time */
                    retryAt?: string;
                };
            };
        };
        /** @description A shallow read: the server copy of one property */
        PropertyValue: {
            deviceId: string;
            property: string;
            /** @enum {string} */
            section: "reported" | "desired" | "tags";
            /** @description a string, number, boolean or object */
            value: unknown;
            /** Format: date-time */
            lastUpdated: string;
            /** @enum {string} */
            source?: "notify" | "read" | "send" | "register";
            lastUpdatedVersion?: number;
        };
        QueryPage: {
            /** @description twins, projections or aggregate rows */
            items: {
                [key: string]: unknown;
            }[];
            /** @description pass as `continuationToken` for the next page */
            continuationToken?: string;
        };
        Health: {
            /** @enum {string} */
            status: "ok" | "degraded";
            /**
             * @description `data-lost`: Redis was found to have lost its data within the last 10 minutes
             * @enum {string}
             */
            redis: "ok" | "unreachable" | "data-lost";
            /** @description registered devices; null when Redis is unreachable */
            devices: number | null;
            /** @description why the status is degraded (absent when ok) */
            reasons?: string[];
        };
        ResourceDefinition: {
            id: number;
            /** @description camelCase name used in twin property names */
            name: string;
            /** @enum {string} */
            type: "string" | "integer" | "unsignedInteger" | "float" | "boolean" | "opaque" | "time" | "objlnk" | "corelnk" | "none";
            /** @enum {string} */
            operations: "" | "R" | "W" | "RW" | "E";
            multiple: boolean;
            mandatory: boolean;
            units?: string;
            range?: {
                min: number;
                max: number;
            };
            description?: string;
        };
        /** @description An LwM2M object definition (from its OMA DDF XML) */
        ObjectDefinition: {
            id: number;
            name: string;
            version: string;
            multiple: boolean;
            mandatory: boolean;
            urn?: string;
            description?: string;
            resources: components["schemas"]["ResourceDefinition"][];
        };
        ObjectList: {
            items: components["schemas"]["ObjectDefinition"][];
        };
        JobSubmitted: {
            jobId: string;
            /** @description false when a job with this jobId already existed */
            created: boolean;
        };
        JobCounts: {
            devices: number;
            pending: number;
            running: number;
            succeeded: number;
            failed: number;
            cancelled: number;
        };
        JobSummary: {
            jobId: string;
            /** @enum {string} */
            type: "deepRead" | "deepWrite" | "execute" | "firmwareUpdate" | "twinUpdate" | "observe" | "writeAttributes";
            /** @enum {string} */
            status: "queued" | "scheduled" | "running" | "completed" | "failed" | "cancelled";
            target: {
                /** @enum {string} */
                kind: "device" | "devices" | "query";
                deviceId?: string;
                query?: string;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startTime: string;
            maxExecutionTimeSec: number;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            endedAt?: string;
            progress: {
                percent: number;
                /** @enum {string} */
                stage?: "downloading" | "downloaded" | "updating" | "done";
            };
            counts: components["schemas"]["JobCounts"];
        };
        DeviceJobResult: {
            deviceId: string;
            /** @enum {string} */
            status: "pending" | "running" | "succeeded" | "failed" | "cancelled";
            /** @description deep read: the value(s) read; firmware update: `{updateResult, meaning}` */
            value?: unknown;
            error?: {
                code: string;
                coapCode?: string;
                message: string;
            };
            attempts: number;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            endedAt?: string;
            /** @enum {string} */
            stage?: "downloading" | "downloaded" | "updating" | "done";
        };
        /** @description A job with one page of per-device results */
        JobView: {
            jobId: string;
            /** @enum {string} */
            type: "deepRead" | "deepWrite" | "execute" | "firmwareUpdate" | "twinUpdate" | "observe" | "writeAttributes";
            /** @enum {string} */
            status: "queued" | "scheduled" | "running" | "completed" | "failed" | "cancelled";
            target: {
                /** @enum {string} */
                kind: "device" | "devices" | "query";
                deviceId?: string;
                query?: string;
            };
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            startTime: string;
            maxExecutionTimeSec: number;
            /** Format: date-time */
            startedAt?: string;
            /** Format: date-time */
            endedAt?: string;
            progress: {
                percent: number;
                /** @enum {string} */
                stage?: "downloading" | "downloaded" | "updating" | "done";
            };
            counts: components["schemas"]["JobCounts"];
            results: components["schemas"]["DeviceJobResult"][];
            /** @description pass as `resultsCursor` for the next page */
            resultsCursor?: string;
        };
        JobPage: {
            items: components["schemas"]["JobSummary"][];
            /** @description pass as `cursor` for the next page */
            cursor?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
