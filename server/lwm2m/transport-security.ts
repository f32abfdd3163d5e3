import type { Peer as CoapPeer } from '../../protocol/coap/types.ts';
import type { OutgoingResponse } from '../../protocol/coap/types.ts';
import { identityKey, type PeerIdentity } from '../../protocol/dtls/identity.ts';
import type { Registration, TransportSecurity } from '../registration/registration.ts';
import type { SecurityEntry, SecurityStore } from '../security/security-store.ts';
import { coapError } from './coap-responses.ts';

export interface TransportSecurityOptions {
  /** The DM server's security store; without one, every DTLS identity is refused. */
  readonly store?: SecurityStore;
  /** Refuse plain-CoAP registrations altogether. @defaultValue false */
  readonly requireDtls?: boolean;
}

/** Whether a DTLS identity is the one the endpoint's security entry holds. */
function matches(entry: SecurityEntry | undefined, endpoint: string, id: PeerIdentity): boolean {
  if (entry === undefined) return false;
  if (id.kind === 'psk') return entry.mode === 'psk' && entry.identity === id.identity;
  if (id.kind === 'rpk') return entry.mode === 'rpk' && entry.publicKey.equals(id.publicKey);
  return entry.mode === 'x509' && id.commonName === endpoint; // the CN names the endpoint (OMA LwM2M TS Transport 1.1 §5.2.9)
}

/**
 * Whether a message from `peer` may act for the registration: over the same kind of transport and, for a registration
 * that recorded its DTLS identity, from that identity (Update, De-register, Send and notifications).
 */
export function mayActFor(reg: Registration, peer: CoapPeer): boolean {
  const id = peer.identity;
  if (reg.identity !== undefined) return id !== undefined && identityKey(id) === reg.identity;
  return (id?.kind ?? 'nosec') === (reg.security ?? 'nosec');
}

/**
 * Identity-bound endpoints: a device authenticated as X over DTLS may act only as the endpoint whose security entry
 * holds X; an endpoint with a security entry is refused over plain CoAP (so a NoSec Register can never take over a
 * secured device); `requireDtls` refuses plain CoAP registrations altogether. Refusals are 4.03 Forbidden.
 */
export class TransportSecurityGuard {
  constructor(private readonly opts: TransportSecurityOptions) {}

  /** Register: the security to record for `endpoint`, or the 4.03 to answer. */
  async admitRegister(endpoint: string, peer: CoapPeer): Promise<{ security: TransportSecurity; identity?: string } | { refused: OutgoingResponse }> {
    const id = peer.identity;
    if (id === undefined) {
      if (this.opts.requireDtls === true) return { refused: coapError('4.03', 'this server accepts registrations over DTLS (coaps) only') };
      if (this.opts.store !== undefined && (await this.opts.store.summary(endpoint)) !== undefined) {
        return { refused: coapError('4.03', 'this endpoint has DTLS credentials: register over coaps') };
      }
      return { security: 'nosec' };
    }
    if (!matches(await this.opts.store?.get(endpoint), endpoint, id)) return { refused: coapError('4.03', 'the DTLS identity is not the one this endpoint is provisioned with') };
    return { security: id.kind, identity: identityKey(id) };
  }

  /**
   * Update, De-register, Send: the request must come over the registration's kind of transport and, over DTLS, from
   * the identity the endpoint is provisioned with. Undefined when allowed, else the 4.03 to answer.
   */
  async admitExisting(reg: Registration, peer: CoapPeer): Promise<OutgoingResponse | undefined> {
    const id = peer.identity;
    const security = reg.security ?? 'nosec';
    if ((id?.kind ?? 'nosec') !== security) return coapError('4.03', `this registration was made over ${security === 'nosec' ? 'plain CoAP' : 'DTLS'}`);
    // The identity that made the Register is recorded with it: any other one is refused, without a store lookup.
    if (reg.identity !== undefined) return mayActFor(reg, peer) ? undefined : coapError('4.03', 'this registration was made by another DTLS identity');
    if (id !== undefined && !matches(await this.opts.store?.get(reg.endpoint), reg.endpoint, id)) return coapError('4.03', 'the DTLS identity is not the one this endpoint is provisioned with');
    return undefined;
  }
}
