/** The CoAP layer's public surface (RFC 7252, RFC 7641, RFC 7959). */
export * from './types.ts';
export * from './constants.ts';
export { decodeMessage, encodeMessage, encodeEmpty, EMPTY_BUFFER } from './message.ts';
export * from './options.ts';
export { CoapEndpoint, type CoapEndpointOptions, type EndpointStats, type NotifyOptions, type NotifyResult, type RequestHandler } from './endpoint.ts';
export { isNewerNotification, type NotificationStamp } from './observe.ts';
export { randomToken } from './token.ts';
