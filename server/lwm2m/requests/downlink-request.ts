import type { IncomingResponse, OutgoingRequest } from '../../../protocol/coap/types.ts';
import type { ModelLookup } from '../../../protocol/lwm2m/model.ts';
import type { Registration } from '../../registration/registration.ts';

/** What a request needs to know to build itself and read the answer. */
export interface DownlinkContext {
  readonly registration: Registration;
  readonly model: ModelLookup;
}

/**
 * One server → device operation (OMA TS Core §6.3, §6.4; one class per operation, like Leshan's `ReadRequest`).
 * Constructors refuse invalid input with ServerError BAD_REQUEST; `build` may also refuse (when the model or the
 * device's formats rule it out); `parse` maps the device's answer to a result or to a ServerError.
 */
export interface DownlinkRequest<T> {
  /** Human-readable operation and target for messages, e.g. `Read /3/0/9`. */
  readonly description: string;
  /** Short operation name for metrics, e.g. `read`. */
  readonly operation: string;
  build(ctx: DownlinkContext): OutgoingRequest;
  parse(response: IncomingResponse, ctx: DownlinkContext, request: OutgoingRequest): T;
}
