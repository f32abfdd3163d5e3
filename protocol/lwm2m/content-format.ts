/** CoAP Content-Format numbers used by LwM2M (IANA CoAP Content-Formats registry; OMA TS Core 1.1 §7.4). */
export const ContentFormat = {
  TEXT: 0,
  LINK: 40,
  OPAQUE: 42,
  CBOR: 60,
  SENML_JSON: 110,
  SENML_CBOR: 112,
  TLV: 11542,
  JSON: 11543,
  LWM2M_CBOR: 11544,
  /** Pre-registration codes some 1.0 clients still send. */
  TLV_LEGACY: 1542,
  JSON_LEGACY: 1543,
} as const;

export type ContentFormatNumber = (typeof ContentFormat)[keyof typeof ContentFormat];

export function contentFormatName(cf: number): string {
  switch (cf) {
    case 0: return 'text/plain';
    case 40: return 'application/link-format';
    case 42: return 'application/octet-stream';
    case 60: return 'application/cbor';
    case 110: return 'application/senml+json';
    case 112: return 'application/senml+cbor';
    case 11542: case 1542: return 'application/vnd.oma.lwm2m+tlv';
    case 11543: case 1543: return 'application/vnd.oma.lwm2m+json';
    case 11544: return 'application/vnd.oma.lwm2m+cbor';
    default: return `content-format ${cf}`;
  }
}
