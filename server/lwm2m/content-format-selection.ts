import { ContentFormat } from '../../protocol/lwm2m/content-format.ts';
import type { LwM2mPath } from '../../protocol/lwm2m/path.ts';
import type { Registration } from '../registration/registration.ts';

/** What a payload carries: one value, a tree below one path, or leaves under several paths (composite operations). */
export type PayloadShape = 'single' | 'tree' | 'composite';

/** The shape of the payload of an operation on `path`: a resource or resource instance is a single value. */
export function shapeOf(path: LwM2mPath): PayloadShape {
  return path.isResource() || path.isResourceInstance() ? 'single' : 'tree';
}

/** The formats a device announced (root `ct`, OMA TS Core 1.1 §6.2 Client Registration), with the pre-registration TLV/JSON codes normalised. */
export function announcedFormats(reg: Pick<Registration, 'contentFormats'>): Set<number> {
  const set = new Set<number>();
  for (const cf of reg.contentFormats) {
    set.add(cf === ContentFormat.TLV_LEGACY ? ContentFormat.TLV : cf === ContentFormat.JSON_LEGACY ? ContentFormat.JSON : cf);
  }
  return set;
}

/**
 * Picks the content format for a request to `reg` (OMA TS Core §7.4): SenML CBOR, then SenML JSON when
 * announced; then TLV, mandatory for 1.0 clients (a 1.0 client that announced nothing supports TLV); then LwM2M CBOR
 * and LwM2M JSON when announced; text/plain for a single value when nothing else fits. Composite operations need
 * SenML (the path list of Read-Composite is SenML, OMA TS Core 1.1 §6.3, Read-Composite). Only formats `canEncode` accepts (the server has a codec for) are picked.
 * Returns undefined when no format fits (the caller then sends no Accept, or refuses a composite operation).
 */
export function selectContentFormat(
  reg: Pick<Registration, 'contentFormats' | 'lwm2mVersion'>,
  shape: PayloadShape,
  canEncode: (cf: number) => boolean,
): number | undefined {
  const announced = announcedFormats(reg);
  const nothingAnnounced = announced.size === 0;
  const usable = (cf: number): boolean => announced.has(cf) && canEncode(cf);
  if (shape === 'composite') {
    if (reg.lwm2mVersion === '1.0') return undefined; // composite operations came with LwM2M 1.1
    for (const cf of [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON]) if (usable(cf)) return cf;
    // A 1.1+ client that announced nothing: SenML CBOR is the format of composite operations most clients speak.
    if (nothingAnnounced && canEncode(ContentFormat.SENML_CBOR)) return ContentFormat.SENML_CBOR;
    return undefined;
  }
  for (const cf of [ContentFormat.SENML_CBOR, ContentFormat.SENML_JSON]) if (usable(cf)) return cf;
  const tlvAssumed = reg.lwm2mVersion === '1.0' || nothingAnnounced;
  if ((tlvAssumed || announced.has(ContentFormat.TLV)) && canEncode(ContentFormat.TLV)) return ContentFormat.TLV;
  for (const cf of [ContentFormat.LWM2M_CBOR, ContentFormat.JSON]) if (usable(cf)) return cf;
  if (shape === 'single' && canEncode(ContentFormat.TEXT)) return ContentFormat.TEXT;
  return undefined;
}
