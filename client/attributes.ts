import {
  ATTRIBUTE_NUMBER_TEXT,
  NOTIFICATION_ATTRIBUTE_NAMES,
  PERIOD_ATTRIBUTES,
  THRESHOLD_ATTRIBUTES,
  type NotificationAttributeName,
  type NotificationAttributeValues,
} from '../protocol/lwm2m/attributes.ts';
import type { LwM2mPath } from '../protocol/lwm2m/path.ts';
import { ClientError } from './errors.ts';

/**
 * Notification attributes (OMA TS Core 1.1 §5.1.2 / Table 5.1.2-2). Periods are in seconds.
 * `gt`, `lt` and `st` apply to numeric resources only.
 */
export type AttributeSet = NotificationAttributeValues;

export type AttributeName = NotificationAttributeName;

/** Names in the order Discover prints them. */
export const ATTRIBUTE_NAMES: readonly AttributeName[] = NOTIFICATION_ATTRIBUTE_NAMES;

/** One Write-Attributes change: a number sets, `undefined` unsets (bare name, OMA TS Core 1.1 §6.3, Write-Attributes). */
export type AttributeChange = Map<AttributeName, number | undefined>;

/**
 * Parses the Uri-Query of a Write-Attributes request (`pmin=10`, `pmax`, `gt=20.5`). Unknown names, read-only
 * attributes (`dim`, `ver`), repeated names and malformed numbers are `BAD_REQUEST`.
 */
export function parseAttributeQuery(query: readonly string[]): AttributeChange {
  const change: AttributeChange = new Map();
  for (const item of query) {
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)) as AttributeName;
    if (!ATTRIBUTE_NAMES.includes(name)) throw new ClientError('BAD_REQUEST', `attribute "${name}" cannot be written`);
    if (change.has(name)) throw new ClientError('BAD_REQUEST', `attribute "${name}" given twice`);
    if (eq < 0) {
      change.set(name, undefined);
      continue;
    }
    const text = item.slice(eq + 1);
    const value = PERIOD_ATTRIBUTES.has(name) ? parsePeriod(name, text) : parseNumber(name, text);
    change.set(name, value);
  }
  return change;
}

function parsePeriod(name: string, text: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new ClientError('BAD_REQUEST', `attribute ${name}=${text}: not a non-negative integer`);
  return Number(text);
}

function parseNumber(name: string, text: string): number {
  if (!ATTRIBUTE_NUMBER_TEXT.test(text)) throw new ClientError('BAD_REQUEST', `attribute ${name}=${text}: not a number`);
  const n = Number(text);
  if (!Number.isFinite(n)) throw new ClientError('BAD_REQUEST', `attribute ${name}=${text}: not finite`);
  if (name === 'st' && n < 0) throw new ClientError('BAD_REQUEST', `attribute st=${text}: must not be negative`);
  return n;
}

/**
 * Applies `change` to the attributes attached at `path` and validates the result (OMA TS Core 1.1 §5.1.2):
 * gt/lt/st only on a numeric resource or resource instance, pmax ≥ pmin, epmax ≥ epmin, lt < gt and lt + 2·st < gt.
 * Returns the new set (undefined when empty); throws `BAD_REQUEST` without changing anything.
 */
export function applyAttributeChange(
  current: AttributeSet | undefined,
  change: AttributeChange,
  path: LwM2mPath,
  numeric: boolean,
): AttributeSet | undefined {
  const next: AttributeSet = { ...current };
  for (const [name, value] of change) {
    if (THRESHOLD_ATTRIBUTES.has(name) && value !== undefined) {
      if (!(path.isResource() || path.isResourceInstance())) throw new ClientError('BAD_REQUEST', `attribute ${name} is allowed on resources only, not ${path}`);
      if (!numeric) throw new ClientError('BAD_REQUEST', `attribute ${name} needs a numeric resource, ${path} is not`);
    }
    if (value === undefined) delete next[name];
    else next[name] = value;
  }
  if (next.pmin !== undefined && next.pmax !== undefined && next.pmax < next.pmin) throw new ClientError('BAD_REQUEST', `pmax (${next.pmax}) must not be less than pmin (${next.pmin})`);
  if (next.epmin !== undefined && next.epmax !== undefined && next.epmax < next.epmin) throw new ClientError('BAD_REQUEST', `epmax (${next.epmax}) must not be less than epmin (${next.epmin})`);
  if (next.lt !== undefined && next.gt !== undefined) {
    if (!(next.lt < next.gt)) throw new ClientError('BAD_REQUEST', `lt (${next.lt}) must be less than gt (${next.gt})`);
    if (next.st !== undefined && !(next.lt + 2 * next.st < next.gt)) throw new ClientError('BAD_REQUEST', `lt + 2·st must be less than gt`);
  }
  return ATTRIBUTE_NAMES.some((n) => next[n] !== undefined) ? next : undefined;
}

/** Merges attribute levels, most specific last (O, OI, R, RI): the most specific level wins per attribute. */
export function mergeAttributes(levels: readonly (AttributeSet | undefined)[]): AttributeSet {
  const out: AttributeSet = {};
  for (const level of levels) {
    if (!level) continue;
    for (const name of ATTRIBUTE_NAMES) if (level[name] !== undefined) out[name] = level[name];
  }
  return out;
}

/** `;pmin=10;gt=20.5` parameters for link-format output (Discover). */
export function attributeParams(set: AttributeSet | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!set) return out;
  for (const name of ATTRIBUTE_NAMES) if (set[name] !== undefined) out.push([name, String(set[name])]);
  return out;
}
