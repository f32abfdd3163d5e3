import { OptionNumber } from './constants.ts';
import { EMPTY_BUFFER } from './message.ts';
import { methodCode, requestOptions } from './message-builder.ts';
import { uintOption } from './options.ts';
import type { CoapMethod, CoapOption, OutgoingRequest } from './types.ts';

/** A request as a client exchange (re-)sends it per block: everything but the block options is fixed. */
export interface ExchangeRequest {
  readonly method: CoapMethod;
  readonly code: number;
  /** Sorted options without Block1/Block2/Size1. */
  readonly options: CoapOption[];
  readonly payload: Buffer;
  readonly confirmable: boolean;
}

/** Validates an outgoing request and fixes its options; throws `COAP_OPTION_INVALID` naming the bad field. */
export function toExchangeRequest(req: OutgoingRequest): ExchangeRequest {
  return {
    method: req.method,
    code: methodCode(req.method),
    options: requestOptions(req),
    payload: req.payload ?? EMPTY_BUFFER,
    confirmable: req.confirmable ?? true,
  };
}

/** The same request with its Observe option set to `value` (RFC 7641 §3.1 register 0, §3.6 deregister 1). */
export function withObserve(req: ExchangeRequest, value: number): ExchangeRequest {
  const options = req.options.filter((o) => o.number !== OptionNumber.OBSERVE);
  let i = 0;
  while (i < options.length && options[i].number < OptionNumber.OBSERVE) i++;
  options.splice(i, 0, uintOption(OptionNumber.OBSERVE, value));
  return { ...req, options };
}

/**
 * A key naming the request exactly (code, type, options, payload): equal keys, equal requests, so observations made
 * with the same request can share one copy of it.
 */
export function exchangeRequestKey(req: ExchangeRequest): string {
  let key = `${req.code}${req.confirmable ? 'c' : 'n'}`;
  for (const o of req.options) key += `|${o.number}:${o.value.length}:${o.value.toString('latin1')}`;
  return `${key}|${req.payload.length}:${req.payload.toString('latin1')}`;
}
