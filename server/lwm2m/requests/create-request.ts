import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import { encodeNode } from '../../../protocol/lwm2m/codec/codec.ts';
import { ContentFormat } from '../../../protocol/lwm2m/content-format.ts';
import type { LwM2mObject, LwM2mObjectInstance } from '../../../protocol/lwm2m/node.ts';
import { LwM2mPath } from '../../../protocol/lwm2m/path.ts';
import { isProtocolError } from '../../../protocol/errors.ts';
import { ServerError } from '../../errors.ts';
import { announcedFormats } from '../content-format-selection.ts';
import { deviceBadAnswerError } from '../device-errors.ts';
import type { DownlinkContext, DownlinkRequest } from './downlink-request.ts';
import { expectCode, formatFor, hasCodec, requireLevels, toPath, uriPath } from './request-support.ts';
import { buildWriteNode, type WriteInput } from './write-values.ts';

export interface CreateOptions {
  /** Ask the device to use this instance id; when absent the device picks one and returns it in Location-Path. */
  readonly instanceId?: number;
  /** Send in this format instead of the one picked from the device's announced formats. */
  readonly contentFormat?: number;
}

export interface CreateResult {
  /** The id of the new object instance. */
  readonly instanceId: number;
}

/**
 * Create (OMA TS Core §6.3.6): POST /O with the new instance's resources, answered 2.01 Created with the
 * new instance in Location-Path (`/O/I`). Without an instance id the payload carries resources only, which needs TLV
 * (SenML names every value by its full path, instance included).
 */
export class CreateRequest implements DownlinkRequest<CreateResult> {
  readonly operation = 'create';
  readonly path: LwM2mPath;
  readonly description: string;

  constructor(
    path: string | LwM2mPath,
    private readonly resources: WriteInput,
    private readonly opts: CreateOptions = {},
  ) {
    this.path = toPath(path);
    requireLevels('Create', this.path, [1], 'an object');
    const id = opts.instanceId;
    if (id !== undefined && !(Number.isInteger(id) && id >= 0 && id < 65535)) throw ServerError.badRequest(`invalid instance id ${id} (0..65534)`);
    this.description = `Create ${this.path.toString()}${id === undefined ? '' : ` instance ${id}`}`;
  }

  build(ctx: DownlinkContext): OutgoingRequest {
    const objectId = this.path.objectId as number;
    const id = this.opts.instanceId;
    // The instance id only locates the values while they are typed; without one, 0 stands in and is not sent.
    const instancePath = new LwM2mPath(objectId, id ?? 0);
    const instance = buildWriteNode(instancePath, this.resources, ctx.model, { requireWritable: false }) as LwM2mObjectInstance;
    let contentFormat = this.opts.contentFormat;
    if (contentFormat === undefined) {
      if (id === undefined) {
        const tlvOk = ctx.registration.lwm2mVersion === '1.0' || announcedFormats(ctx.registration).has(ContentFormat.TLV) || ctx.registration.contentFormats.length === 0;
        if (!tlvOk) throw ServerError.badRequest(`device ${ctx.registration.endpoint} does not speak TLV: give an instance id to create with SenML`);
        contentFormat = ContentFormat.TLV;
      } else {
        contentFormat = formatFor(ctx, 'tree') ?? ContentFormat.TLV;
      }
    }
    if (!hasCodec(contentFormat)) throw ServerError.badRequest(`no codec for content format ${contentFormat}`);
    let payload: Buffer;
    try {
      if (id === undefined) {
        // Resources only: the object-instance node encoded at its own path carries no instance wrapper.
        payload = encodeNode(contentFormat, instance, instancePath, ctx.model);
      } else {
        const object: LwM2mObject = { kind: 'object', id: objectId, instances: new Map([[id, instance]]) };
        payload = encodeNode(contentFormat, object, this.path, ctx.model);
      }
    } catch (err) {
      if (isProtocolError(err)) throw ServerError.badRequest(`${this.description}: ${err.message}`, { path: this.path.toString(), contentFormat });
      throw err;
    }
    return { method: 'POST', uriPath: uriPath(ctx, this.path), contentFormat, payload };
  }

  parse(response: IncomingResponse, ctx: DownlinkContext): CreateResult {
    expectCode(response, '2.01', ctx, this.description);
    const last = response.locationPath.at(-1);
    if (last !== undefined && /^\d{1,5}$/.test(last) && Number(last) <= 65535) return { instanceId: Number(last) };
    if (this.opts.instanceId !== undefined) return { instanceId: this.opts.instanceId };
    throw deviceBadAnswerError(ctx.registration.endpoint, this.description, `no instance id in Location-Path "${response.locationPath.join('/')}"`);
  }
}
