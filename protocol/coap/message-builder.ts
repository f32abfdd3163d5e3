import { ProtocolError } from '../errors.ts';
import { CoapMethodCode, codeToText, isResponseCode, MAX_TOKEN_LENGTH, OBSERVE_SEQ_MODULUS, OptionNumber, textToCode } from './constants.ts';
import {
  getAccept,
  getContentFormat,
  getLocationPath,
  getObserve,
  getUriPath,
  getUriQuery,
  insertOption,
  stringOption,
  uintOption,
} from './options.ts';
import type {
  CoapMessage,
  CoapMethod,
  CoapOption,
  IncomingRequest,
  IncomingResponse,
  OutgoingRequest,
  OutgoingResponse,
  Peer,
} from './types.ts';
import { CoapType } from './types.ts';

function invalid(what: string): ProtocolError {
  return new ProtocolError('COAP_OPTION_INVALID', what);
}

function checkUint(name: string, value: number | undefined, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
    throw invalid(`${name} ${String(value)} is not an integer in 0..${max}`);
  }
}

function pushStrings(options: CoapOption[], number: number, values: readonly string[] | undefined, name: string): void {
  if (values === undefined) return;
  for (const v of values) {
    if (typeof v !== 'string') throw invalid(`${name} item ${String(v)} is not a string`);
    const opt = stringOption(number, v);
    if (opt.value.length > 255) throw invalid(`${name} item of ${opt.value.length} bytes is longer than 255`); // §5.10
    options.push(opt);
  }
}

function mergeExtra(options: CoapOption[], extra: readonly CoapOption[] | undefined): CoapOption[] {
  if (extra !== undefined) {
    for (const o of extra) {
      if (!Number.isInteger(o.number) || o.number < 0 || o.number > 65535 || !Buffer.isBuffer(o.value)) {
        throw invalid(`option ${String(o.number)} is not a number in 0..65535 with a Buffer value`);
      }
      insertOption(options, o);
    }
  }
  return options;
}

/** The request method's code; throws `COAP_OPTION_INVALID` for an unknown method. */
export function methodCode(method: CoapMethod): number {
  const code = (CoapMethodCode as Record<string, number | undefined>)[method];
  if (code === undefined) throw invalid(`unknown request method ${String(method)}`);
  return code;
}

/**
 * The options of a request (RFC 7252 §5.10, RFC 7641 §2), sorted, without Block1/Block2/Size1 (the exchange adds
 * them per message). Validates every field; throws `COAP_OPTION_INVALID` naming the bad one.
 */
export function requestOptions(req: OutgoingRequest): CoapOption[] {
  checkUint('observe', req.observe, OBSERVE_SEQ_MODULUS - 1);
  checkUint('contentFormat', req.contentFormat, 65535);
  checkUint('accept', req.accept, 65535);
  if (req.token !== undefined && (!Buffer.isBuffer(req.token) || req.token.length > MAX_TOKEN_LENGTH)) {
    throw invalid('token must be a Buffer of at most 8 bytes');
  }
  if (req.payload !== undefined && !Buffer.isBuffer(req.payload)) throw invalid('payload must be a Buffer');
  const options: CoapOption[] = [];
  if (req.observe !== undefined) options.push(uintOption(OptionNumber.OBSERVE, req.observe));
  pushStrings(options, OptionNumber.URI_PATH, req.uriPath, 'uriPath');
  if (req.contentFormat !== undefined) options.push(uintOption(OptionNumber.CONTENT_FORMAT, req.contentFormat));
  pushStrings(options, OptionNumber.URI_QUERY, req.uriQuery, 'uriQuery');
  if (req.accept !== undefined) options.push(uintOption(OptionNumber.ACCEPT, req.accept));
  return mergeExtra(options, req.options);
}

/** The numeric code of a response; throws `COAP_MALFORMED` unless it is a 2.xx, 4.xx or 5.xx code. */
export function responseCode(res: OutgoingResponse): number {
  const code = textToCode(res.code);
  if (!isResponseCode(code)) throw new ProtocolError('COAP_MALFORMED', `${res.code} is not a response code`);
  return code;
}

/** The options of a response, sorted, without Observe and Block options (the endpoint adds those). */
export function responseOptions(res: OutgoingResponse): CoapOption[] {
  checkUint('contentFormat', res.contentFormat, 65535);
  checkUint('observe', res.observe, OBSERVE_SEQ_MODULUS - 1);
  if (res.payload !== undefined && !Buffer.isBuffer(res.payload)) throw invalid('payload must be a Buffer');
  const options: CoapOption[] = [];
  pushStrings(options, OptionNumber.LOCATION_PATH, res.locationPath, 'locationPath');
  if (res.contentFormat !== undefined) options.push(uintOption(OptionNumber.CONTENT_FORMAT, res.contentFormat));
  return mergeExtra(options, res.options);
}

/** Throws `COAP_OPTION_INVALID` unless `peer` is `{address, port 1..65535}`. */
export function checkPeer(peer: Peer): void {
  if (peer === null || typeof peer !== 'object' || typeof peer.address !== 'string' || peer.address === '' || !Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) {
    throw new ProtocolError('COAP_OPTION_INVALID', `peer ${JSON.stringify(peer)} is not {address, port 1..65535}`);
  }
}

/** A frozen copy of a peer, safe to share between the endpoint and the responses it hands out. */
export function copyPeer(peer: Peer): Peer {
  return Object.freeze({ address: peer.address, port: peer.port });
}

/** The server-role view of a request; `payload` is the reassembled body. */
export function toIncomingRequest(msg: CoapMessage, method: CoapMethod, peer: Peer, payload: Buffer): IncomingRequest {
  return {
    peer,
    method,
    uriPath: getUriPath(msg),
    uriQuery: getUriQuery(msg),
    contentFormat: getContentFormat(msg),
    accept: getAccept(msg),
    observe: getObserve(msg),
    payload,
    token: msg.token,
    confirmable: msg.type === CoapType.CON,
    message: msg,
  };
}

/** The client-role view of a response; `payload` is the reassembled body, `token` the exchange's first token. */
export function toIncomingResponse(msg: CoapMessage, peer: Peer, payload: Buffer, token: Buffer): IncomingResponse {
  return {
    peer,
    code: codeToText(msg.code),
    contentFormat: getContentFormat(msg),
    observe: getObserve(msg),
    locationPath: getLocationPath(msg),
    payload,
    token,
    message: msg,
  };
}
