import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import {
  NOTIFICATION_ATTRIBUTE_NAMES,
  PERIOD_ATTRIBUTES,
  THRESHOLD_ATTRIBUTES,
  type NotificationAttributeName,
  type NotificationAttributes,
} from '../../../protocol/lwm2m/attributes.ts';
import type { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { ServerError } from '../../errors.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { expectCode, requireLevels, toPath, uriPath } from './request-support.ts';

/** Notification attributes a server may write (OMA TS Core 1.1 §5.1.2), defined in protocol/. */
export type { NotificationAttributes };

/** In the order they are sent. */
const NAMES: readonly NotificationAttributeName[] = NOTIFICATION_ATTRIBUTE_NAMES;

/**
 * Checks a set of attributes before it is sent (OMA TS Core 1.1 §5.1.2): known names only, periods non-negative
 * integers, thresholds finite numbers (st ≥ 0) and only on a resource or resource instance, pmin ≤ pmax,
 * epmin ≤ epmax, lt < gt and lt + 2·st < gt when given together. Returns the Uri-Query items.
 * @throws ServerError BAD_REQUEST naming the offending attribute
 */
export function attributeQuery(path: LwM2mPath, attrs: NotificationAttributes): string[] {
  if (typeof attrs !== 'object' || attrs === null) throw ServerError.badRequest('attributes must be an object such as { "pmin": 10 }');
  for (const name of Object.keys(attrs)) {
    if (!NAMES.includes(name as NotificationAttributeName)) throw ServerError.badRequest(`unknown or read-only attribute "${name}" (writable: ${NAMES.join(', ')})`, { attribute: name });
  }
  const query: string[] = [];
  const set: Partial<Record<NotificationAttributeName, number>> = {};
  for (const name of NAMES) {
    if (!Object.hasOwn(attrs, name)) continue;
    const value = attrs[name];
    if (value === undefined) continue;
    if (THRESHOLD_ATTRIBUTES.has(name) && !(path.isResource() || path.isResourceInstance())) {
      throw ServerError.badRequest(`attribute ${name} applies to resources only, not ${path.toString()}`, { attribute: name });
    }
    if (value === null) {
      query.push(name);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) throw ServerError.badRequest(`attribute ${name} must be a number, got ${JSON.stringify(value)}`, { attribute: name });
    if (PERIOD_ATTRIBUTES.has(name) && !(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) {
      throw ServerError.badRequest(`attribute ${name} must be a whole number of seconds ≥ 0, got ${value}`, { attribute: name });
    }
    if (name === 'st' && value < 0) throw ServerError.badRequest(`attribute st must not be negative, got ${value}`, { attribute: name });
    set[name] = value;
    query.push(`${name}=${formatNumber(value)}`);
  }
  if (query.length === 0) throw ServerError.badRequest('no attribute to write');
  const { pmin, pmax, epmin, epmax, gt, lt, st } = set;
  if (pmin !== undefined && pmax !== undefined && pmax < pmin) throw ServerError.badRequest(`pmax (${pmax}) must not be less than pmin (${pmin})`, { attribute: 'pmax' });
  if (epmin !== undefined && epmax !== undefined && epmax < epmin) throw ServerError.badRequest(`epmax (${epmax}) must not be less than epmin (${epmin})`, { attribute: 'epmax' });
  if (gt !== undefined && lt !== undefined) {
    if (!(lt < gt)) throw ServerError.badRequest(`lt (${lt}) must be less than gt (${gt})`, { attribute: 'lt' });
    if (st !== undefined && !(lt + 2 * st < gt)) throw ServerError.badRequest(`lt + 2·st (${lt + 2 * st}) must be less than gt (${gt})`, { attribute: 'st' });
  }
  return query;
}

/** A number as a query value: integers without a fraction, others in the shortest round-trip form. */
function formatNumber(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

/** Write-Attributes (OMA TS Core §6.3.4): PUT /O[/I[/R[/RI]]]?pmin=..., answered 2.04 Changed. */
export class WriteAttributesRequest implements DownlinkRequest<void> {
  readonly operation = 'writeAttributes';
  readonly path: LwM2mPath;
  readonly description: string;
  readonly query: readonly string[];

  constructor(path: string | LwM2mPath, attributes: NotificationAttributes) {
    this.path = toPath(path);
    requireLevels('Write-Attributes', this.path, [1, 2, 3, 4], 'an object, object instance, resource or resource instance');
    this.query = attributeQuery(this.path, attributes);
    this.description = `Write-Attributes ${this.path.toString()}?${this.query.join('&')}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const om = ctx.model.object(this.path.objectId as number);
    if (om && this.path.resourceId !== undefined) {
      const rm = ctx.model.resource(om.id, this.path.resourceId);
      if (!rm) throw ServerError.notFound(`object ${om.id} (${om.name}) has no resource ${this.path.resourceId}`, { path: this.path.toString() });
      const numeric = rm.type === 'integer' || rm.type === 'unsignedInteger' || rm.type === 'float';
      if (!numeric && this.query.some((q) => /^(gt|lt|st)=/.test(q))) {
        throw ServerError.badRequest(`gt, lt and st need a numeric resource; ${this.path.toString()} (${rm.name}) is ${rm.type}`, { path: this.path.toString() });
      }
    }
    return { method: 'PUT', uriPath: uriPath(ctx, this.path), uriQuery: [...this.query] };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): void {
    expectCode(response, '2.04', ctx, this.description);
  }
}
