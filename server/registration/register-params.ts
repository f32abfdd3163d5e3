import { ServerError } from '../errors.ts';
import type { LwM2mVersion } from './registration.ts';

/** Lifetime when a Register has no `lt` (OMA TS Core 1.1 §6.2.1 Register). */
export const DEFAULT_LIFETIME = 86_400;
/** Largest accepted `lt`: the lifetime resource /1/x/1 is a 32-bit signed integer. */
export const MAX_LIFETIME = 2 ** 31 - 1;
/** Longest accepted endpoint name, in characters. */
export const MAX_ENDPOINT_LENGTH = 255;
/** Newest enabler version this server speaks; a newer minor or another major is refused with 4.12 (OMA TS Core 1.1 §6.2 Client Registration). */
export const NEWEST_LWM2M_VERSION: LwM2mVersion = '1.2';

/** The query parameters of a Register (`POST /rd?ep=&lt=&lwm2m=&b=&sms=[&Q]`), validated and defaulted. */
export interface RegisterParams {
  readonly endpoint: string;
  readonly lifetime: number;
  readonly lwm2mVersion: LwM2mVersion;
  /** Transport letters without Q, canonical order U T S N. */
  readonly binding: string;
  readonly queueMode: boolean;
  readonly smsNumber?: string;
}

/** The query parameters of an Update (`POST /rd/{id}[?lt=&b=&sms=]`); absent ones leave the registration unchanged. */
export interface UpdateParams {
  readonly lifetime?: number;
  readonly binding?: string;
  /** Set only by a 1.0 binding (`b=UQ` or `b=U`); 1.1+ Updates have no queue-mode parameter. */
  readonly queueMode?: boolean;
  readonly smsNumber?: string;
}

/** A binding split into its transports and the queue-mode flag. */
export interface ParsedBinding {
  readonly binding: string;
  readonly queueMode: boolean;
}

const SUPPORTED_MINOR = Number(NEWEST_LWM2M_VERSION.split('.')[1]);

/** LwM2M 1.0 binding values (OMA TS 1.0 §5.3.1.1 table "Binding Mode"): each maps to transports + queue mode. */
const BINDINGS_1_0: Readonly<Record<string, ParsedBinding>> = Object.freeze({
  U: { binding: 'U', queueMode: false },
  UQ: { binding: 'U', queueMode: true },
  S: { binding: 'S', queueMode: false },
  SQ: { binding: 'S', queueMode: true },
  US: { binding: 'US', queueMode: false },
  UQS: { binding: 'US', queueMode: true },
});

/** LwM2M 1.1+ transport letters in canonical order: UDP, TCP, SMS, Non-IP (OMA TS 1.1 §6.2.1.1). */
const TRANSPORTS_1_1 = 'UTSN';

/**
 * Parses the Uri-Query options of a Register (OMA TS Core 1.1 §6.2 Client Registration). Unknown parameters are ignored.
 * @throws ServerError BAD_REQUEST (→ 4.00) for a missing `ep` or any malformed parameter,
 *   UNSUPPORTED_VERSION (→ 4.12) for an `lwm2m` version this server does not speak.
 */
export function parseRegisterParams(queries: readonly string[]): RegisterParams {
  const params = collect(queries, ['ep', 'lt', 'lwm2m', 'b', 'sms'], true);
  const ep = params.get('ep');
  if (ep === undefined) throw ServerError.badRequest('missing endpoint name (ep)', { param: 'ep' });
  const endpoint = parseEndpoint(ep);
  const versionText = params.get('lwm2m');
  const lwm2mVersion = versionText === undefined ? '1.0' : parseLwM2mVersion(versionText);
  const lifetime = params.has('lt') ? parseLifetime(params.get('lt') as string) : DEFAULT_LIFETIME;
  const bindingText = params.get('b');
  const parsed = bindingText === undefined ? { binding: 'U', queueMode: false } : parseBinding(bindingText, lwm2mVersion);
  let queueMode = parsed.queueMode;
  if (params.has('Q')) {
    // OMA TS 1.1 §6.2.1: queue mode moved from the binding to its own flag; a 1.0 client signals it in `b`.
    if (lwm2mVersion === '1.0') throw ServerError.badRequest('the Q parameter needs lwm2m 1.1 or later; LwM2M 1.0 signals queue mode in b', { param: 'Q' });
    queueMode = true;
  }
  const sms = params.get('sms');
  const result: RegisterParams = { endpoint, lifetime, lwm2mVersion, binding: parsed.binding, queueMode };
  return sms === undefined ? result : { ...result, smsNumber: parseSmsNumber(sms) };
}

/**
 * Parses the Uri-Query options of an Update (OMA TS Core §6.2.2) for a client registered with `lwm2mVersion`
 * (which decides how `b` reads). Unknown parameters, including `ep`, `lwm2m` and `Q`, are ignored.
 * @throws ServerError BAD_REQUEST for a malformed `lt`, `b` or `sms`.
 */
export function parseUpdateParams(queries: readonly string[], lwm2mVersion: LwM2mVersion): UpdateParams {
  const params = collect(queries, ['lt', 'b', 'sms'], false);
  const update: { lifetime?: number; binding?: string; queueMode?: boolean; smsNumber?: string } = {};
  const lt = params.get('lt');
  if (lt !== undefined) update.lifetime = parseLifetime(lt);
  const b = params.get('b');
  if (b !== undefined) {
    const parsed = parseBinding(b, lwm2mVersion);
    update.binding = parsed.binding;
    if (lwm2mVersion === '1.0') update.queueMode = parsed.queueMode;
  }
  const sms = params.get('sms');
  if (sms !== undefined) update.smsNumber = parseSmsNumber(sms);
  return update;
}

/**
 * Reads an `lwm2m` parameter (`major.minor`).
 * @throws ServerError BAD_REQUEST if malformed, UNSUPPORTED_VERSION if another major or a minor newer than 1.2.
 */
export function parseLwM2mVersion(text: string): LwM2mVersion {
  const m = /^(\d{1,9})\.(\d{1,9})$/.exec(text);
  if (!m) throw ServerError.badRequest(`invalid lwm2m version "${text}" (expected major.minor)`, { param: 'lwm2m' });
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 1 || minor > SUPPORTED_MINOR) {
    throw ServerError.unsupportedVersion(`LwM2M version ${text} is not supported (this server speaks 1.0 to ${NEWEST_LWM2M_VERSION})`, {
      param: 'lwm2m',
      version: text,
    });
  }
  return `1.${minor}` as LwM2mVersion;
}

/**
 * Reads a binding for a client of `lwm2mVersion`: 1.0 accepts U, UQ, S, SQ, US, UQS; 1.1+ accepts any of U T S N,
 * each at most once, and no Q (OMA TS Core 1.1 §6.2 Client Registration). The result lists transports in canonical order, queue mode apart.
 * @throws ServerError BAD_REQUEST
 */
export function parseBinding(text: string, lwm2mVersion: LwM2mVersion): ParsedBinding {
  if (lwm2mVersion === '1.0') {
    const parsed = Object.hasOwn(BINDINGS_1_0, text) ? BINDINGS_1_0[text] : undefined;
    if (!parsed) throw ServerError.badRequest(`invalid LwM2M 1.0 binding "${text}" (expected U, UQ, S, SQ, US or UQS)`, { param: 'b' });
    return parsed;
  }
  if (text.includes('Q')) {
    throw ServerError.badRequest(`invalid binding "${text}": since LwM2M 1.1 queue mode is the Q parameter, not a binding letter`, { param: 'b' });
  }
  if (!/^[UTSN]{1,4}$/.test(text) || new Set(text).size !== text.length) {
    throw ServerError.badRequest(`invalid binding "${text}" (expected one or more of U, T, S, N, each once)`, { param: 'b' });
  }
  return { binding: [...TRANSPORTS_1_1].filter((c) => text.includes(c)).join(''), queueMode: false };
}

/** @throws ServerError BAD_REQUEST unless a positive integer ≤ 2^31-1 in decimal digits. */
export function parseLifetime(text: string): number {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= MAX_LIFETIME)) {
    throw ServerError.badRequest(`invalid lifetime "${text}" (expected an integer from 1 to ${MAX_LIFETIME})`, { param: 'lt' });
  }
  return value;
}

/** @throws ServerError BAD_REQUEST if empty, longer than 255 characters, or with control characters or braces. */
export function parseEndpoint(text: string): string {
  if (text.length === 0) throw ServerError.badRequest('empty endpoint name (ep)', { param: 'ep' });
  if ([...text].length > MAX_ENDPOINT_LENGTH) {
    throw ServerError.badRequest(`endpoint name longer than ${MAX_ENDPOINT_LENGTH} characters`, { param: 'ep' });
  }
  // Braces would break the Redis hash tag `{ep}` that keeps one device's keys together.
  if (hasControlOrBrace(text)) {
    throw ServerError.badRequest('endpoint name contains a control character or a brace', { param: 'ep' });
  }
  // The HTTP API addresses a device as the path segment /api/devices/{ep}; a client removes the dot segments "." and
  // ".." (also percent-encoded) before sending (RFC 3986 §5.2.4, WHATWG URL), so such a device could never be reached.
  if (text === '.' || text === '..') {
    throw ServerError.badRequest(`endpoint name "${text}" cannot be addressed in a URL path`, { param: 'ep' });
  }
  return text;
}

/** C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F) and the braces of a Redis hash tag. */
function hasControlOrBrace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x7b || c === 0x7d) return true;
  }
  return false;
}

/** @throws ServerError BAD_REQUEST unless an MSISDN of 1 to 15 digits without a leading `+` (E.164). */
export function parseSmsNumber(text: string): string {
  if (!/^\d{1,15}$/.test(text)) {
    throw ServerError.badRequest(`invalid sms number "${text}" (expected an MSISDN of up to 15 digits, without +)`, { param: 'sms' });
  }
  return text;
}

/**
 * Splits `name=value` queries into a map, keeping only `known` names (and the bare `Q` flag if `withQueueFlag`).
 * A known parameter twice is ambiguous and refused.
 */
function collect(queries: readonly string[], known: readonly string[], withQueueFlag: boolean): Map<string, string> {
  const params = new Map<string, string>();
  for (const query of queries) {
    const eq = query.indexOf('=');
    const name = eq < 0 ? query : query.slice(0, eq);
    if (withQueueFlag && name === 'Q') {
      // OMA TS 1.1 §6.2.1: Q carries no value; Leshan refuses `Q=x` too.
      if (eq >= 0) throw ServerError.badRequest('the Q parameter takes no value', { param: 'Q' });
      if (params.has('Q')) throw ServerError.badRequest('duplicate parameter Q', { param: 'Q' });
      params.set('Q', '');
      continue;
    }
    if (!known.includes(name)) continue;
    if (eq < 0) throw ServerError.badRequest(`parameter ${name} needs a value`, { param: name });
    if (params.has(name)) throw ServerError.badRequest(`duplicate parameter ${name}`, { param: name });
    params.set(name, query.slice(eq + 1));
  }
  return params;
}
