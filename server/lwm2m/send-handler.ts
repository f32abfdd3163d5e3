import type { IncomingRequest, OutgoingResponse } from '../../protocol/coap/types.ts';
import { codecFor, decodeLeaves } from '../../protocol/lwm2m/codec/codec.ts';
import type { LwM2mTimedLeaf } from '../../protocol/lwm2m/codec/types.ts';
import { ContentFormat, contentFormatName } from '../../protocol/lwm2m/content-format.ts';
import type { ModelLookup } from '../../protocol/lwm2m/model.ts';
import { isProtocolError } from '../../protocol/errors.ts';
import type { Metrics } from '../metrics.ts';
import type { RegistrationStore } from '../registration/registration-store.ts';
import { coapError, entityTooLarge } from './coap-responses.ts';
import type { QueueModePresence } from './queue-mode.ts';
import type { LwM2mServerEvents } from './server-events.ts';
import { TransportSecurityGuard } from './transport-security.ts';
import type { TypedEmitter } from './typed-emitter.ts';

export interface SendHandlerOptions {
  readonly registrations: RegistrationStore;
  readonly model: ModelLookup;
  readonly presence: QueueModePresence;
  readonly events: TypedEmitter<LwM2mServerEvents>;
  readonly maxPayloadBytes: number;
  readonly metrics?: Metrics;
  /** Identity-bound endpoints over DTLS. @defaultValue a guard without a security store: plain CoAP only */
  readonly guard?: TransportSecurityGuard;
  /** @defaultValue Date.now */
  readonly now?: () => number;
}

/** Formats a Send may use: SenML JSON and CBOR (1.1), LwM2M CBOR (1.2) when a codec for it exists. */
export function sendFormats(): number[] {
  const formats: number[] = [ContentFormat.SENML_JSON, ContentFormat.SENML_CBOR];
  try {
    if (codecFor(ContentFormat.LWM2M_CBOR).composite) formats.push(ContentFormat.LWM2M_CBOR);
  } catch {
    // no LwM2M CBOR codec: 4.15 for it
  }
  return formats;
}

/**
 * `POST /dp`, the Send operation (OMA TS Core 1.1 §6.4.3): a registered device pushes values as SenML.
 * 2.04 Changed on success; 4.00 when the sender is not registered (Leshan does the same) or the payload does not
 * decode; 4.15 for another content format; 4.13 above the size cap. The device is identified by its source address.
 */
export class SendHandler {
  private readonly formats: number[];
  private readonly now: () => number;
  private readonly guard: TransportSecurityGuard;

  constructor(private readonly opts: SendHandlerOptions) {
    this.formats = sendFormats();
    this.now = opts.now ?? Date.now;
    this.guard = opts.guard ?? new TransportSecurityGuard({});
  }

  async handle(req: IncomingRequest): Promise<OutgoingResponse> {
    if (req.payload.length > this.opts.maxPayloadBytes) return entityTooLarge(this.opts.maxPayloadBytes);
    const registration = await this.opts.registrations.getByPeer(req.peer);
    if (!registration) {
      this.opts.metrics?.unknownDeviceMessages.inc({ message: 'send' });
      return coapError('4.00', 'Send from an address with no registration: register first');
    }
    const refused = await this.guard.admitExisting(registration, req.peer);
    if (refused) return refused;
    this.opts.presence.touch(registration.endpoint);
    const cf = req.contentFormat;
    if (cf === undefined || !this.formats.includes(cf)) {
      return coapError('4.15', `Send needs ${this.formats.map(contentFormatName).join(' or ')}, not ${cf === undefined ? 'no content format' : contentFormatName(cf)}`);
    }
    let leaves: LwM2mTimedLeaf[];
    try {
      leaves = decodeLeaves(cf, req.payload, this.opts.model);
    } catch (err) {
      if (isProtocolError(err)) return coapError('4.00', err.message);
      throw err;
    }
    if (leaves.length === 0) return coapError('4.00', 'Send carried no value');
    const receivedAt = this.now();
    setImmediate(() => this.opts.events.emit('send', { endpoint: registration.endpoint, registration, leaves, receivedAt }));
    return { code: '2.04' };
  }
}
