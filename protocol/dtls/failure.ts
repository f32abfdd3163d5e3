import { ProtocolError } from '../errors.ts';

/** A handshake or record failure that ends the connection with a fatal alert (RFC 5246 §7.2.2). */
export class DtlsFailure extends ProtocolError {
  constructor(
    readonly alert: number,
    message: string,
  ) {
    super('DTLS_HANDSHAKE', message);
  }
}
