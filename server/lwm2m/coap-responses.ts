import { OptionNumber } from '../../protocol/coap/constants.ts';
import { uintOption } from '../../protocol/coap/options.ts';
import type { CoapCodeText, OutgoingResponse } from '../../protocol/coap/types.ts';
import { isServerError } from '../errors.ts';
import { isRedisUnavailableError } from '../store/redis-health.ts';

/** A response with an optional diagnostic payload (RFC 7252 §5.5.2: UTF-8 text, meant for humans). */
export function coapError(code: CoapCodeText, diagnostic?: string): OutgoingResponse {
  return diagnostic ? { code, payload: Buffer.from(diagnostic.slice(0, 200), 'utf8') } : { code };
}

/** 5.03 with Max-Age telling the client when to retry (RFC 7252 §5.9.3.4). */
export function serviceUnavailable(retryAfterSeconds: number, diagnostic: string): OutgoingResponse {
  return { code: '5.03', options: [uintOption(OptionNumber.MAX_AGE, retryAfterSeconds)], payload: Buffer.from(diagnostic, 'utf8') };
}

/** 4.13 with Size1 giving the largest accepted body (RFC 7252 §5.9.2.9). */
export function entityTooLarge(maxBytes: number): OutgoingResponse {
  return { code: '4.13', options: [uintOption(OptionNumber.SIZE1, maxBytes)], payload: Buffer.from(`payload larger than ${maxBytes} bytes`, 'utf8') };
}

/** The CoAP answer for a ServerError raised while handling a device's request (its `coapCode`, else 5.00). */
export function responseForError(err: unknown): OutgoingResponse {
  if (isServerError(err) && err.coapCode !== undefined && !(err.code === 'INTERNAL' && isRedisUnavailableError(err.cause))) return coapError(err.coapCode as CoapCodeText, err.message);
  // The store is unreachable: 5.03 with Max-Age asks the device to retry later (RFC 7252 §5.9.3.4).
  if (isRedisUnavailableError(err) || isRedisUnavailableError((err as { cause?: unknown })?.cause)) return serviceUnavailable(5, 'storage unavailable, retry later');
  return coapError('5.00');
}
